using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Diffusion.Verify.Numerics.Vectorization;

namespace Diffusion.Verify.Numerics.LinearAlgebra;

/// <summary>
/// C ± = A B on row-major matrices with leading dimensions (strides): the O(d³) core of the dense ln|det J|
/// paths (products of Jacobians, the blocked LU's trailing updates, a full-covariance component's precision).
/// <para>
/// Every element is one chain of fused multiply-adds in the order p = 0, 1, …, k − 1, starting from C's
/// value: c ← fma(±a_ip, b_pj, c). The register blocks, the k-blocking (each k-block reloads and stores C,
/// which continues the same chain) and the scalar edges all keep that chain, so the result is the same bits
/// at every vector width, block size and thread count (the blocked LU relies on this to reproduce its
/// row-by-row form bit for bit).
/// </para>
/// <para>
/// Speed: register blocks of 6 rows × 2 vectors where there are 16 vector registers (AVX2: 12 accumulators
/// with two B vectors and a broadcast) and 4 rows × 4 vectors where there are 32 (AVX-512: 16 accumulators),
/// each reading one broadcast of A per row and step straight from memory (subtraction is a negated fused
/// multiply-add, so A needs no sign flip); then 4 × 2-vector and 4 × 1-vector blocks, four rows' scalar chains
/// side by side, and single rows for what is left. k is cut into blocks of <see cref="DepthBlock"/> and columns
/// into panels of <see cref="ColumnPanel"/>, the B panel in use (256 × 64 doubles, 128 KiB) copied to a
/// contiguous buffer that stays in L2 while every row block of A passes over it.
/// </para>
/// </summary>
public static class MatrixProduct
{
    public const int DepthBlock = 256;

    public const int ColumnPanel = 64;

    /// <summary>
    /// C[m × n] += A[m × k] B[k × n] (or −= when <paramref name="subtract"/>), with row strides lda, ldb, ldc.
    /// C must not overlap A or B.
    /// </summary>
    public static void MultiplyAdd(ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> b, int ldb, Span<double> c, int ldc, int m, int n, int k, bool subtract)
    {
        if (m <= 0 || n <= 0 || k <= 0)
        {
            return;
        }

        // The kernels index through refs: check the extents once here.
        if (a.Length < ((m - 1) * lda) + k || b.Length < ((k - 1) * ldb) + n || c.Length < ((m - 1) * ldc) + n || lda < k || ldb < n || ldc < n)
        {
            throw new ArgumentException($"matrix extents too short for m = {m}, n = {n}, k = {k} with strides {lda}, {ldb}, {ldc}");
        }

        switch (Simd.Width)
        {
            case SimdWidth.Vector512: MatrixProduct<Width512, Vector512<double>>.MultiplyAdd(a, lda, b, ldb, c, ldc, m, n, k, subtract); break;
            case SimdWidth.Vector256: MatrixProduct<Width256, Vector256<double>>.MultiplyAdd(a, lda, b, ldb, c, ldc, m, n, k, subtract); break;
            case SimdWidth.Vector128: MatrixProduct<Width128, Vector128<double>>.MultiplyAdd(a, lda, b, ldb, c, ldc, m, n, k, subtract); break;
            default: MatrixProduct<WidthScalar, double>.MultiplyAdd(a, lda, b, ldb, c, ldc, m, n, k, subtract); break;
        }
    }

    /// <summary>product[n × n] = left · right (square, stride n; product must not alias either).</summary>
    public static void Multiply(ReadOnlySpan<double> left, ReadOnlySpan<double> right, Span<double> product, int n)
    {
        product[..(n * n)].Clear();
        MultiplyAdd(left, n, right, n, product, n, n, n, n, subtract: false);
    }
}

/// <summary>
/// <see cref="MatrixProduct"/> at one vector width; compiled fully optimised at first call, as
/// <see cref="Targets.IsotropicMixtureKernel{TWidth, TVector}"/> says why.
/// </summary>
internal static class MatrixProduct<TWidth, TVector>
    where TWidth : struct, ISimdWidth<TVector>
    where TVector : struct
{
    private const int Rows = 4;

    /// <summary>c + a·b or c − a·b, one rounding each; a type argument, so the JIT compiles each sign apart.</summary>
    private interface IAccumulate
    {
        static abstract TVector Apply(TVector a, TVector b, TVector c);

        static abstract double Apply(double a, double b, double c);
    }

    private readonly struct Plus : IAccumulate
    {
        public static TVector Apply(TVector a, TVector b, TVector c) => TWidth.FusedMultiplyAdd(a, b, c);

        public static double Apply(double a, double b, double c) => Math.FusedMultiplyAdd(a, b, c);
    }

    /// <summary>
    /// c − a·b as one negated fused multiply-add: the bits of fma(−a, b, c), without negating each element of A
    /// before its broadcast (a scalar multiply and a register broadcast per element had taken FP-pipe slots
    /// from the multiply-adds; broadcast straight from memory they take none).
    /// </summary>
    private readonly struct Minus : IAccumulate
    {
        public static TVector Apply(TVector a, TVector b, TVector c) => TWidth.FusedNegatedMultiplyAdd(a, b, c);

        public static double Apply(double a, double b, double c) => Math.FusedMultiplyAdd(-a, b, c);
    }

    /// <summary>
    /// From this many rows of C and more than <see cref="PackDepthAbove"/> rows of B on, the B panel in use is
    /// first copied to a contiguous buffer. Read in place, a panel of a wide matrix spans its depth's rows a whole
    /// row stride apart (d = 1000: 256 pages of 4 KiB for 128 KiB of data), so every pass of a register block over
    /// it missed the TLB. Copying does not change the arithmetic; shallow panels (the symmetric factorisation's
    /// 32-row ones) span few pages and are read in place.
    /// </summary>
    private const int PackFrom = 16;

    private const int PackDepthAbove = 32;

    [ThreadStatic]
    private static double[]? t_panel;

    /// <summary>B[depth × columns] (row stride ldb) into this thread's panel buffer, row stride columns.</summary>
    private static ref double Pack(ref double b, int ldb, int depth, int columns)
    {
        double[] panel = t_panel ??= new double[MatrixProduct.DepthBlock * MatrixProduct.ColumnPanel];
        ref double destination = ref MemoryMarshal.GetArrayDataReference(panel);
        for (int p = 0; p < depth; p++)
        {
            MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref b, p * ldb), columns)
                .CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref destination, p * columns), columns));
        }

        return ref destination;
    }

    public static void MultiplyAdd(ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> b, int ldb, Span<double> c, int ldc, int m, int n, int k, bool subtract)
    {
        if (subtract)
        {
            Run<Minus>(a, lda, b, ldb, c, ldc, m, n, k);
        }
        else
        {
            Run<Plus>(a, lda, b, ldb, c, ldc, m, n, k);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run<TOp>(ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> b, int ldb, Span<double> c, int ldc, int m, int n, int k)
        where TOp : struct, IAccumulate
    {
        ref double a0 = ref MemoryMarshal.GetReference(a);
        ref double b0 = ref MemoryMarshal.GetReference(b);
        ref double c0 = ref MemoryMarshal.GetReference(c);
        int width = 2 * TWidth.Lanes;
        for (int p0 = 0; p0 < k; p0 += MatrixProduct.DepthBlock)
        {
            int depth = Math.Min(MatrixProduct.DepthBlock, k - p0);
            for (int j0 = 0; j0 < n; j0 += MatrixProduct.ColumnPanel)
            {
                int columns = Math.Min(MatrixProduct.ColumnPanel, n - j0);
                ref double bPanel = ref Unsafe.Add(ref b0, (p0 * ldb) + j0);
                int ldPanel = ldb;
                if (m >= PackFrom && depth > PackDepthAbove)
                {
                    bPanel = ref Pack(ref bPanel, ldb, depth, columns);
                    ldPanel = columns;
                }

                int i = 0;
                if (!TWidth.WideRegisterBlocks)
                {
                    // 16 registers: 6 rows × 2 vectors (12 accumulators) before the 4-row blocks, as many as leave
                    // a multiple of 4 rows where the parity allows (32 rows: 4 × 6 + 2 × 4, not 5 × 6 + 2 single).
                    int sixEnd = 6 * (m / 6);
                    if ((m - sixEnd) % 4 >= 2 && sixEnd >= 6)
                    {
                        sixEnd -= 6;
                    }

                    for (; i < sixEnd; i += 6)
                    {
                        ref double ai = ref Unsafe.Add(ref a0, (i * lda) + p0);
                        ref double ci = ref Unsafe.Add(ref c0, (i * ldc) + j0);
                        int j = 0;
                        for (; j + width <= columns; j += width)
                        {
                            SixRowBlock<TOp>(ref ai, lda, ref Unsafe.Add(ref bPanel, j), ldPanel, ref Unsafe.Add(ref ci, j), ldc, depth);
                        }

                        // The columns left of these six rows, a row at a time.
                        for (int r = 0; r < 6; r++)
                        {
                            RowColumns<TOp>(ref Unsafe.Add(ref ai, r * lda), ref bPanel, ldPanel, ref Unsafe.Add(ref ci, r * ldc), j, columns, depth);
                        }
                    }
                }

                for (; i + Rows <= m; i += Rows)
                {
                    ref double ai = ref Unsafe.Add(ref a0, (i * lda) + p0);
                    ref double ci = ref Unsafe.Add(ref c0, (i * ldc) + j0);
                    int j = 0;
                    if (TWidth.WideRegisterBlocks)
                    {
                        for (; j + (2 * width) <= columns; j += 2 * width)
                        {
                            WideBlock<TOp>(ref ai, lda, ref Unsafe.Add(ref bPanel, j), ldPanel, ref Unsafe.Add(ref ci, j), ldc, depth);
                        }
                    }

                    for (; j + width <= columns; j += width)
                    {
                        Block<TOp>(ref ai, lda, ref Unsafe.Add(ref bPanel, j), ldPanel, ref Unsafe.Add(ref ci, j), ldc, depth);
                    }

                    if (j + TWidth.Lanes <= columns)
                    {
                        BlockOneVector<TOp>(ref ai, lda, ref Unsafe.Add(ref bPanel, j), ldPanel, ref Unsafe.Add(ref ci, j), ldc, depth);
                        j += TWidth.Lanes;
                    }

                    for (; j < columns; j++)
                    {
                        EdgeColumn<TOp>(ref ai, lda, ref Unsafe.Add(ref bPanel, j), ldPanel, ref Unsafe.Add(ref ci, j), ldc, depth);
                    }
                }

                for (; i < m; i++)
                {
                    RowColumns<TOp>(ref Unsafe.Add(ref a0, (i * lda) + p0), ref bPanel, ldPanel, ref Unsafe.Add(ref c0, (i * ldc) + j0), 0, columns, depth);
                }
            }
        }
    }

    /// <summary>C[4 × 2 vectors] ±= A[4 × depth] B[depth × 2 vectors], accumulators in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block<TOp>(ref double a, int lda, ref double b, int ldb, ref double c, int ldc, int depth)
        where TOp : struct, IAccumulate
    {
        int lanes = TWidth.Lanes;
        ref double c1 = ref Unsafe.Add(ref c, ldc);
        ref double c2 = ref Unsafe.Add(ref c, 2 * ldc);
        ref double c3 = ref Unsafe.Add(ref c, 3 * ldc);
        TVector s00 = TWidth.Load(ref c), s01 = TWidth.Load(ref Unsafe.Add(ref c, lanes));
        TVector s10 = TWidth.Load(ref c1), s11 = TWidth.Load(ref Unsafe.Add(ref c1, lanes));
        TVector s20 = TWidth.Load(ref c2), s21 = TWidth.Load(ref Unsafe.Add(ref c2, lanes));
        TVector s30 = TWidth.Load(ref c3), s31 = TWidth.Load(ref Unsafe.Add(ref c3, lanes));
        ref double a1 = ref Unsafe.Add(ref a, lda);
        ref double a2 = ref Unsafe.Add(ref a, 2 * lda);
        ref double a3 = ref Unsafe.Add(ref a, 3 * lda);
        ref double bp = ref b;
        for (int p = 0; p < depth; p++)
        {
            TVector b0 = TWidth.Load(ref bp);
            TVector b1 = TWidth.Load(ref Unsafe.Add(ref bp, lanes));
            TVector x = TWidth.Create(Unsafe.Add(ref a, p));
            s00 = TOp.Apply(x, b0, s00);
            s01 = TOp.Apply(x, b1, s01);
            x = TWidth.Create(Unsafe.Add(ref a1, p));
            s10 = TOp.Apply(x, b0, s10);
            s11 = TOp.Apply(x, b1, s11);
            x = TWidth.Create(Unsafe.Add(ref a2, p));
            s20 = TOp.Apply(x, b0, s20);
            s21 = TOp.Apply(x, b1, s21);
            x = TWidth.Create(Unsafe.Add(ref a3, p));
            s30 = TOp.Apply(x, b0, s30);
            s31 = TOp.Apply(x, b1, s31);
            bp = ref Unsafe.Add(ref bp, ldb);
        }

        TWidth.Store(s00, ref c);
        TWidth.Store(s01, ref Unsafe.Add(ref c, lanes));
        TWidth.Store(s10, ref c1);
        TWidth.Store(s11, ref Unsafe.Add(ref c1, lanes));
        TWidth.Store(s20, ref c2);
        TWidth.Store(s21, ref Unsafe.Add(ref c2, lanes));
        TWidth.Store(s30, ref c3);
        TWidth.Store(s31, ref Unsafe.Add(ref c3, lanes));
    }

    /// <summary>
    /// C[4 × 4 vectors] ±= A[4 × depth] B[depth × 4 vectors] where 32 registers hold 16 accumulators: one
    /// broadcast of A per 4 fused multiply-adds instead of 2, and 16 independent chains to cover the latency.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WideBlock<TOp>(ref double a, int lda, ref double b, int ldb, ref double c, int ldc, int depth)
        where TOp : struct, IAccumulate
    {
        int l = TWidth.Lanes;
        ref double c1 = ref Unsafe.Add(ref c, ldc);
        ref double c2 = ref Unsafe.Add(ref c, 2 * ldc);
        ref double c3 = ref Unsafe.Add(ref c, 3 * ldc);
        TVector s00 = TWidth.Load(ref c), s01 = TWidth.Load(ref Unsafe.Add(ref c, l)), s02 = TWidth.Load(ref Unsafe.Add(ref c, 2 * l)), s03 = TWidth.Load(ref Unsafe.Add(ref c, 3 * l));
        TVector s10 = TWidth.Load(ref c1), s11 = TWidth.Load(ref Unsafe.Add(ref c1, l)), s12 = TWidth.Load(ref Unsafe.Add(ref c1, 2 * l)), s13 = TWidth.Load(ref Unsafe.Add(ref c1, 3 * l));
        TVector s20 = TWidth.Load(ref c2), s21 = TWidth.Load(ref Unsafe.Add(ref c2, l)), s22 = TWidth.Load(ref Unsafe.Add(ref c2, 2 * l)), s23 = TWidth.Load(ref Unsafe.Add(ref c2, 3 * l));
        TVector s30 = TWidth.Load(ref c3), s31 = TWidth.Load(ref Unsafe.Add(ref c3, l)), s32 = TWidth.Load(ref Unsafe.Add(ref c3, 2 * l)), s33 = TWidth.Load(ref Unsafe.Add(ref c3, 3 * l));
        ref double a1 = ref Unsafe.Add(ref a, lda);
        ref double a2 = ref Unsafe.Add(ref a, 2 * lda);
        ref double a3 = ref Unsafe.Add(ref a, 3 * lda);
        ref double bp = ref b;
        for (int p = 0; p < depth; p++)
        {
            TVector b0 = TWidth.Load(ref bp);
            TVector b1 = TWidth.Load(ref Unsafe.Add(ref bp, l));
            TVector b2 = TWidth.Load(ref Unsafe.Add(ref bp, 2 * l));
            TVector b3 = TWidth.Load(ref Unsafe.Add(ref bp, 3 * l));
            TVector x = TWidth.Create(Unsafe.Add(ref a, p));
            s00 = TOp.Apply(x, b0, s00);
            s01 = TOp.Apply(x, b1, s01);
            s02 = TOp.Apply(x, b2, s02);
            s03 = TOp.Apply(x, b3, s03);
            x = TWidth.Create(Unsafe.Add(ref a1, p));
            s10 = TOp.Apply(x, b0, s10);
            s11 = TOp.Apply(x, b1, s11);
            s12 = TOp.Apply(x, b2, s12);
            s13 = TOp.Apply(x, b3, s13);
            x = TWidth.Create(Unsafe.Add(ref a2, p));
            s20 = TOp.Apply(x, b0, s20);
            s21 = TOp.Apply(x, b1, s21);
            s22 = TOp.Apply(x, b2, s22);
            s23 = TOp.Apply(x, b3, s23);
            x = TWidth.Create(Unsafe.Add(ref a3, p));
            s30 = TOp.Apply(x, b0, s30);
            s31 = TOp.Apply(x, b1, s31);
            s32 = TOp.Apply(x, b2, s32);
            s33 = TOp.Apply(x, b3, s33);
            bp = ref Unsafe.Add(ref bp, ldb);
        }

        TWidth.Store(s00, ref c);
        TWidth.Store(s01, ref Unsafe.Add(ref c, l));
        TWidth.Store(s02, ref Unsafe.Add(ref c, 2 * l));
        TWidth.Store(s03, ref Unsafe.Add(ref c, 3 * l));
        TWidth.Store(s10, ref c1);
        TWidth.Store(s11, ref Unsafe.Add(ref c1, l));
        TWidth.Store(s12, ref Unsafe.Add(ref c1, 2 * l));
        TWidth.Store(s13, ref Unsafe.Add(ref c1, 3 * l));
        TWidth.Store(s20, ref c2);
        TWidth.Store(s21, ref Unsafe.Add(ref c2, l));
        TWidth.Store(s22, ref Unsafe.Add(ref c2, 2 * l));
        TWidth.Store(s23, ref Unsafe.Add(ref c2, 3 * l));
        TWidth.Store(s30, ref c3);
        TWidth.Store(s31, ref Unsafe.Add(ref c3, l));
        TWidth.Store(s32, ref Unsafe.Add(ref c3, 2 * l));
        TWidth.Store(s33, ref Unsafe.Add(ref c3, 3 * l));
    }

    /// <summary>C[6 × 2 vectors] ±= A[6 × depth] B[depth × 2 vectors]: 12 accumulators, for 16-register machines.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SixRowBlock<TOp>(ref double a, int lda, ref double b, int ldb, ref double c, int ldc, int depth)
        where TOp : struct, IAccumulate
    {
        int l = TWidth.Lanes;
        ref double c1 = ref Unsafe.Add(ref c, ldc);
        ref double c2 = ref Unsafe.Add(ref c, 2 * ldc);
        ref double c3 = ref Unsafe.Add(ref c, 3 * ldc);
        ref double c4 = ref Unsafe.Add(ref c, 4 * ldc);
        ref double c5 = ref Unsafe.Add(ref c, 5 * ldc);
        TVector s00 = TWidth.Load(ref c), s01 = TWidth.Load(ref Unsafe.Add(ref c, l));
        TVector s10 = TWidth.Load(ref c1), s11 = TWidth.Load(ref Unsafe.Add(ref c1, l));
        TVector s20 = TWidth.Load(ref c2), s21 = TWidth.Load(ref Unsafe.Add(ref c2, l));
        TVector s30 = TWidth.Load(ref c3), s31 = TWidth.Load(ref Unsafe.Add(ref c3, l));
        TVector s40 = TWidth.Load(ref c4), s41 = TWidth.Load(ref Unsafe.Add(ref c4, l));
        TVector s50 = TWidth.Load(ref c5), s51 = TWidth.Load(ref Unsafe.Add(ref c5, l));
        ref double a1 = ref Unsafe.Add(ref a, lda);
        ref double a2 = ref Unsafe.Add(ref a, 2 * lda);
        ref double a3 = ref Unsafe.Add(ref a, 3 * lda);
        ref double a4 = ref Unsafe.Add(ref a, 4 * lda);
        ref double a5 = ref Unsafe.Add(ref a, 5 * lda);
        ref double bp = ref b;
        for (int p = 0; p < depth; p++)
        {
            TVector b0 = TWidth.Load(ref bp);
            TVector b1 = TWidth.Load(ref Unsafe.Add(ref bp, l));
            TVector x = TWidth.Create(Unsafe.Add(ref a, p));
            s00 = TOp.Apply(x, b0, s00);
            s01 = TOp.Apply(x, b1, s01);
            x = TWidth.Create(Unsafe.Add(ref a1, p));
            s10 = TOp.Apply(x, b0, s10);
            s11 = TOp.Apply(x, b1, s11);
            x = TWidth.Create(Unsafe.Add(ref a2, p));
            s20 = TOp.Apply(x, b0, s20);
            s21 = TOp.Apply(x, b1, s21);
            x = TWidth.Create(Unsafe.Add(ref a3, p));
            s30 = TOp.Apply(x, b0, s30);
            s31 = TOp.Apply(x, b1, s31);
            x = TWidth.Create(Unsafe.Add(ref a4, p));
            s40 = TOp.Apply(x, b0, s40);
            s41 = TOp.Apply(x, b1, s41);
            x = TWidth.Create(Unsafe.Add(ref a5, p));
            s50 = TOp.Apply(x, b0, s50);
            s51 = TOp.Apply(x, b1, s51);
            bp = ref Unsafe.Add(ref bp, ldb);
        }

        TWidth.Store(s00, ref c);
        TWidth.Store(s01, ref Unsafe.Add(ref c, l));
        TWidth.Store(s10, ref c1);
        TWidth.Store(s11, ref Unsafe.Add(ref c1, l));
        TWidth.Store(s20, ref c2);
        TWidth.Store(s21, ref Unsafe.Add(ref c2, l));
        TWidth.Store(s30, ref c3);
        TWidth.Store(s31, ref Unsafe.Add(ref c3, l));
        TWidth.Store(s40, ref c4);
        TWidth.Store(s41, ref Unsafe.Add(ref c4, l));
        TWidth.Store(s50, ref c5);
        TWidth.Store(s51, ref Unsafe.Add(ref c5, l));
    }

    /// <summary>C[4 × 1 vector] ±= A[4 × depth] B[depth × 1 vector]: the panel's last full vector of columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BlockOneVector<TOp>(ref double a, int lda, ref double b, int ldb, ref double c, int ldc, int depth)
        where TOp : struct, IAccumulate
    {
        ref double c1 = ref Unsafe.Add(ref c, ldc);
        ref double c2 = ref Unsafe.Add(ref c, 2 * ldc);
        ref double c3 = ref Unsafe.Add(ref c, 3 * ldc);
        TVector s0 = TWidth.Load(ref c), s1 = TWidth.Load(ref c1), s2 = TWidth.Load(ref c2), s3 = TWidth.Load(ref c3);
        ref double a1 = ref Unsafe.Add(ref a, lda);
        ref double a2 = ref Unsafe.Add(ref a, 2 * lda);
        ref double a3 = ref Unsafe.Add(ref a, 3 * lda);
        for (int p = 0; p < depth; p++)
        {
            TVector bv = TWidth.Load(ref Unsafe.Add(ref b, p * ldb));
            s0 = TOp.Apply(TWidth.Create(Unsafe.Add(ref a, p)), bv, s0);
            s1 = TOp.Apply(TWidth.Create(Unsafe.Add(ref a1, p)), bv, s1);
            s2 = TOp.Apply(TWidth.Create(Unsafe.Add(ref a2, p)), bv, s2);
            s3 = TOp.Apply(TWidth.Create(Unsafe.Add(ref a3, p)), bv, s3);
        }

        TWidth.Store(s0, ref c);
        TWidth.Store(s1, ref c1);
        TWidth.Store(s2, ref c2);
        TWidth.Store(s3, ref c3);
    }

    /// <summary>
    /// One column of a 4-row block, fewer than a vector's columns from the panel's end: four independent
    /// chains, so each fused multiply-add's latency overlaps the other rows' (one chain at a time left the
    /// core waiting on each: these columns cost as much as a third of a d = 1000 factorisation).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void EdgeColumn<TOp>(ref double a, int lda, ref double b, int ldb, ref double c, int ldc, int depth)
        where TOp : struct, IAccumulate
    {
        ref double a1 = ref Unsafe.Add(ref a, lda);
        ref double a2 = ref Unsafe.Add(ref a, 2 * lda);
        ref double a3 = ref Unsafe.Add(ref a, 3 * lda);
        double s0 = c, s1 = Unsafe.Add(ref c, ldc), s2 = Unsafe.Add(ref c, 2 * ldc), s3 = Unsafe.Add(ref c, 3 * ldc);
        for (int p = 0; p < depth; p++)
        {
            double bp = Unsafe.Add(ref b, p * ldb);
            s0 = TOp.Apply(Unsafe.Add(ref a, p), bp, s0);
            s1 = TOp.Apply(Unsafe.Add(ref a1, p), bp, s1);
            s2 = TOp.Apply(Unsafe.Add(ref a2, p), bp, s2);
            s3 = TOp.Apply(Unsafe.Add(ref a3, p), bp, s3);
        }

        c = s0;
        Unsafe.Add(ref c, ldc) = s1;
        Unsafe.Add(ref c, 2 * ldc) = s2;
        Unsafe.Add(ref c, 3 * ldc) = s3;
    }

    /// <summary>Columns [from, to) of one row: a vector at a time, then element by element.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowColumns<TOp>(ref double a, ref double b, int ldb, ref double c, int from, int to, int depth)
        where TOp : struct, IAccumulate
    {
        int j = from;
        for (; j + TWidth.Lanes <= to; j += TWidth.Lanes)
        {
            RowVector<TOp>(ref a, ref Unsafe.Add(ref b, j), ldb, ref Unsafe.Add(ref c, j), depth);
        }

        Edge<TOp>(ref a, ref b, ldb, ref c, j, to, depth);
    }

    /// <summary>C[1 × 1 vector] ±= A[1 × depth] B[depth × 1 vector], for the rows below the last 4-row block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowVector<TOp>(ref double a, ref double b, int ldb, ref double c, int depth)
        where TOp : struct, IAccumulate
    {
        TVector s = TWidth.Load(ref c);
        for (int p = 0; p < depth; p++)
        {
            s = TOp.Apply(TWidth.Create(Unsafe.Add(ref a, p)), TWidth.Load(ref Unsafe.Add(ref b, p * ldb)), s);
        }

        TWidth.Store(s, ref c);
    }

    /// <summary>Columns [from, to) of one row, element by element, in the same fused chain.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Edge<TOp>(ref double a, ref double b, int ldb, ref double c, int from, int to, int depth)
        where TOp : struct, IAccumulate
    {
        for (int j = from; j < to; j++)
        {
            double sum = Unsafe.Add(ref c, j);
            for (int p = 0; p < depth; p++)
            {
                sum = TOp.Apply(Unsafe.Add(ref a, p), Unsafe.Add(ref b, (p * ldb) + j), sum);
            }

            Unsafe.Add(ref c, j) = sum;
        }
    }
}
