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
/// Speed: a 4-row × 2-vector register block (8 accumulators; 16 ymm registers on AVX2 hold them with the
/// operands) reads one broadcast of A and two vectors of B per 2 FMAs per row; k is cut into blocks of
/// <see cref="DepthBlock"/> and columns into panels of <see cref="ColumnPanel"/> so that the B panel in use
/// (256 × 64 doubles, 128 KiB) stays in L2 while every row block of A passes over it.
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyAdd(ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> b, int ldb, Span<double> c, int ldc, int m, int n, int k, bool subtract)
    {
        ref double a0 = ref MemoryMarshal.GetReference(a);
        ref double b0 = ref MemoryMarshal.GetReference(b);
        ref double c0 = ref MemoryMarshal.GetReference(c);
        double sign = subtract ? -1.0 : 1.0;
        int width = 2 * TWidth.Lanes;
        for (int p0 = 0; p0 < k; p0 += MatrixProduct.DepthBlock)
        {
            int depth = Math.Min(MatrixProduct.DepthBlock, k - p0);
            for (int j0 = 0; j0 < n; j0 += MatrixProduct.ColumnPanel)
            {
                int columns = Math.Min(MatrixProduct.ColumnPanel, n - j0);
                int vectorColumns = columns - (columns % width);
                int i = 0;
                for (; i + Rows <= m; i += Rows)
                {
                    ref double ai = ref Unsafe.Add(ref a0, (i * lda) + p0);
                    ref double bp = ref Unsafe.Add(ref b0, (p0 * ldb) + j0);
                    ref double ci = ref Unsafe.Add(ref c0, (i * ldc) + j0);
                    int j = 0;
                    for (; j < vectorColumns; j += width)
                    {
                        Block(ref ai, lda, ref Unsafe.Add(ref bp, j), ldb, ref Unsafe.Add(ref ci, j), ldc, depth, sign);
                    }

                    for (int r = 0; r < Rows; r++)
                    {
                        Edge(ref Unsafe.Add(ref ai, r * lda), ref bp, ldb, ref Unsafe.Add(ref ci, r * ldc), j, columns, depth, sign);
                    }
                }

                for (; i < m; i++)
                {
                    Edge(ref Unsafe.Add(ref a0, (i * lda) + p0), ref Unsafe.Add(ref b0, (p0 * ldb) + j0), ldb, ref Unsafe.Add(ref c0, (i * ldc) + j0), 0, columns, depth, sign);
                }
            }
        }
    }

    /// <summary>C[4 × 2 vectors] ±= A[4 × depth] B[depth × 2 vectors], accumulators in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block(ref double a, int lda, ref double b, int ldb, ref double c, int ldc, int depth, double sign)
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
        for (int p = 0; p < depth; p++)
        {
            ref double bp = ref Unsafe.Add(ref b, p * ldb);
            TVector b0 = TWidth.Load(ref bp);
            TVector b1 = TWidth.Load(ref Unsafe.Add(ref bp, lanes));
            TVector x = TWidth.Create(sign * Unsafe.Add(ref a, p));
            s00 = TWidth.FusedMultiplyAdd(x, b0, s00);
            s01 = TWidth.FusedMultiplyAdd(x, b1, s01);
            x = TWidth.Create(sign * Unsafe.Add(ref a1, p));
            s10 = TWidth.FusedMultiplyAdd(x, b0, s10);
            s11 = TWidth.FusedMultiplyAdd(x, b1, s11);
            x = TWidth.Create(sign * Unsafe.Add(ref a2, p));
            s20 = TWidth.FusedMultiplyAdd(x, b0, s20);
            s21 = TWidth.FusedMultiplyAdd(x, b1, s21);
            x = TWidth.Create(sign * Unsafe.Add(ref a3, p));
            s30 = TWidth.FusedMultiplyAdd(x, b0, s30);
            s31 = TWidth.FusedMultiplyAdd(x, b1, s31);
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

    /// <summary>Columns [from, to) of one row, element by element, in the same fused chain.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Edge(ref double a, ref double b, int ldb, ref double c, int from, int to, int depth, double sign)
    {
        for (int j = from; j < to; j++)
        {
            double sum = Unsafe.Add(ref c, j);
            for (int p = 0; p < depth; p++)
            {
                sum = Math.FusedMultiplyAdd(sign * Unsafe.Add(ref a, p), Unsafe.Add(ref b, (p * ldb) + j), sum);
            }

            Unsafe.Add(ref c, j) = sum;
        }
    }
}
