using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Diffusion.Verify.Numerics;
using Diffusion.Verify.Numerics.Vectorization;
using Diffusion.Verify.Targets;

namespace Diffusion.Verify.Numerics.LinearAlgebra;

/// <summary>
/// ln|det| of the d×d maps the samplers' ln|det J| needs, from Jacobians in the form
/// ∇s = −κ I + L, L = P C Qᵀ of rank m (<see cref="LowRankJacobian"/>), by the matrix determinant lemma
/// in Sylvester's form det(s₀ I_d + U M Vᵀ) = s₀^{d−n} det(s₀ I_n + M VᵀU) (U, V d×n): O(n² d + n³)
/// instead of O(d³), with no division by s₀.
/// </summary>
public static class LowRankDeterminant
{
    /// <summary>
    /// ln|det(I + c ∇s)| = (d − m) ln|a| + ln|det(a I_m + c C QᵀP)|, a = 1 − cκ.
    /// </summary>
    public static double IdentityPlusScaled(LowRankJacobian jacobian, double scale)
    {
        int d = jacobian.Dimension;
        int m = jacobian.Rank;
        double aMinusOne = -scale * jacobian.Kappa;
        if (m == 0)
        {
            return d * LogAbsOnePlus(aMinusOne);
        }

        int stride = m;
        int length = (m * stride) + (m * m);
        double[]? rented = null;
        Span<double> scratch = length <= 2048 ? stackalloc double[length] : (rented = new double[length]);
        Span<double> gram = scratch[..(m * stride)];
        Span<double> a = scratch.Slice(m * stride, m * m);
        Gram(jacobian.RightColumns, m, jacobian.LeftColumns, m, d, gram, stride, 0);

        // a I + c C G,  G = QᵀP
        Product(jacobian.Core, m, gram, stride, a, m, m, m, m, scale, accumulate: false);
        for (int i = 0; i < m; i++)
        {
            a[(i * m) + i] += 1 + aMinusOne;
        }

        return ((d - m) * LogAbsOnePlus(aMinusOne)) + DenseLu.LogAbsDeterminant(a, m);
    }

    /// <summary>Doubles of scratch <see cref="Composition"/> needs for ranks m₁, m₂.</summary>
    public static int CompositionScratchLength(int firstRank, int secondRank)
    {
        int n = firstRank + secondRank;
        return (2 * n * n) + (2 * secondRank * firstRank);
    }

    /// <summary>
    /// ln|det(s₀ I + c₁ L₁ + c₂ L₂ + c₁₂ L₂ L₁)| for the low-rank parts L₁ = P₁C₁Q₁ᵀ, L₂ = P₂C₂Q₂ᵀ of two
    /// Jacobians (their κ's are the caller's to fold into s₀ and the c's), with s₀ given as s₀ − 1 so that
    /// ln|s₀| keeps full precision when s₀ is close to 1. With U = [P₁, P₂], V = [Q₁, Q₂] the matrix is
    /// s₀ I + U M Vᵀ, M = [[c₁ C₁, 0], [c₁₂ C₂ (Q₂ᵀP₁) C₁, c₂ C₂]]; the result is
    /// (d − n) ln|s₀| + ln|det(s₀ I_n + M VᵀU)|, n = m₁ + m₂.
    /// </summary>
    public static double Composition(double s0MinusOne, double c1, double c2, double c12, LowRankJacobian first, LowRankJacobian second, Span<double> scratch)
    {
        int d = first.Dimension;
        int m1 = first.Rank;
        int m2 = second.Rank;
        int n = m1 + m2;
        double s0 = 1 + s0MinusOne;
        if (n == 0)
        {
            return d * LogAbsOnePlus(s0MinusOne);
        }

        // G = VᵀU, n × n, by blocks [[Q₁ᵀP₁, Q₁ᵀP₂], [Q₂ᵀP₁, Q₂ᵀP₂]].
        int stride = n;
        Span<double> gram = scratch[..(n * stride)];
        Span<double> a = scratch.Slice(n * stride, n * n);
        Span<double> t = scratch.Slice((n * stride) + (n * n), m2 * m1);
        Span<double> x = scratch.Slice((n * stride) + (n * n) + (m2 * m1), m2 * m1);
        Gram(first.RightColumns, m1, first.LeftColumns, m1, d, gram, stride, 0);
        Gram(second.RightColumns, m2, first.LeftColumns, m1, d, gram[(m1 * stride)..], stride, 0);
        Gram(second.RightColumns, m2, second.LeftColumns, m2, d, gram[(m1 * stride)..], stride, m1);
        if (first.SharedFactors && second.SharedFactors)
        {
            // Q₁ᵀP₂ = P₁ᵀP₂ = (Q₂ᵀP₁)ᵀ, bit for bit (each dot product is symmetric in its arguments).
            for (int i = 0; i < m1; i++)
            {
                for (int j = 0; j < m2; j++)
                {
                    gram[(i * stride) + m1 + j] = gram[((m1 + j) * stride) + i];
                }
            }
        }
        else
        {
            Gram(first.RightColumns, m1, second.LeftColumns, m2, d, gram, stride, m1);
        }

        ReadOnlySpan<double> core1 = first.Core;
        ReadOnlySpan<double> core2 = second.Core;

        // X = c₁₂ C₂ G₂₁ C₁ (m₂ × m₁), G₂₁ = Q₂ᵀP₁ the lower-left block of G.
        Product(core2, m2, gram[(m1 * stride)..], stride, t, m1, m2, m2, m1, 1.0, accumulate: false);
        Product(t, m1, core1, m1, x, m1, m2, m1, m1, c12, accumulate: false);

        // A = s₀ I + M G: top rows c₁ C₁ [G₁₁ G₁₂]; bottom rows X [G₁₁ G₁₂] + c₂ C₂ [G₂₁ G₂₂].
        Product(core1, m1, gram, stride, a, n, m1, m1, n, c1, accumulate: false);
        Product(x, m1, gram, stride, a[(m1 * n)..], n, m2, m1, n, 1.0, accumulate: false);
        Product(core2, m2, gram[(m1 * stride)..], stride, a[(m1 * n)..], n, m2, m2, n, c2, accumulate: true);
        for (int i = 0; i < n; i++)
        {
            a[(i * n) + i] += s0;
        }

        return ((d - n) * LogAbsOnePlus(s0MinusOne)) + DenseLu.LogAbsDeterminant(a, n);
    }

    /// <summary>ln|1 + z|, to full relative precision when z is small.</summary>
    public static double LogAbsOnePlus(double z) => Math.Abs(z) < 0.5 ? Elementary.Log1P(z) : Math.Log(Math.Abs(1 + z));

    /// <summary>
    /// C = α A B (+ C when accumulating) for small row-major matrices: A rows × inner (row stride lda),
    /// B inner × cols (ldb), C rows × cols (ldc). Each element is one chain of FMAs over the inner index
    /// in order, then the scaling: the same in vector lanes of any width and in the scalar column tail.
    /// </summary>
    private static void Product(ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> b, int ldb, Span<double> c, int ldc, int rows, int inner, int cols, double alpha, bool accumulate)
    {
        switch (Simd.Width)
        {
            case SimdWidth.Vector512: SmallProduct<Width512, Vector512<double>>.Run(a, lda, b, ldb, c, ldc, rows, inner, cols, alpha, accumulate); break;
            case SimdWidth.Vector256: SmallProduct<Width256, Vector256<double>>.Run(a, lda, b, ldb, c, ldc, rows, inner, cols, alpha, accumulate); break;
            case SimdWidth.Vector128: SmallProduct<Width128, Vector128<double>>.Run(a, lda, b, ldb, c, ldc, rows, inner, cols, alpha, accumulate); break;
            default: SmallProduct<WidthScalar, double>.Run(a, lda, b, ldb, c, ldc, rows, inner, cols, alpha, accumulate); break;
        }
    }

    /// <summary>
    /// <see cref="Product"/> at one width: a row of C is held in up to four vector accumulators, so each
    /// broadcast A[i, l] feeds all of them; the column tail is done in scalar FMAs.
    /// </summary>
    private static class SmallProduct<TWidth, TVector>
        where TWidth : struct, ISimdWidth<TVector>
        where TVector : struct
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Run(ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> b, int ldb, Span<double> c, int ldc, int rows, int inner, int cols, double alpha, bool accumulate)
        {
            int lanes = TWidth.Lanes;
            ref double ar = ref MemoryMarshal.GetReference(a);
            ref double br = ref MemoryMarshal.GetReference(b);
            ref double cr = ref MemoryMarshal.GetReference(c);
            TVector scale = TWidth.Create(alpha);
            int wide = cols / lanes * lanes;
            for (int i = 0; i < rows; i++)
            {
                ref double ai = ref Unsafe.Add(ref ar, i * lda);
                ref double ci = ref Unsafe.Add(ref cr, i * ldc);
                for (int j = 0; j < wide; j += 4 * lanes)
                {
                    int chunks = Math.Min(4, (wide - j) / lanes);
                    TVector s0 = TWidth.Zero, s1 = TWidth.Zero, s2 = TWidth.Zero, s3 = TWidth.Zero;
                    ref double bl = ref Unsafe.Add(ref br, j);
                    for (int l = 0; l < inner; l++)
                    {
                        TVector ail = TWidth.Create(Unsafe.Add(ref ai, l));
                        s0 = TWidth.FusedMultiplyAdd(ail, TWidth.Load(ref bl), s0);
                        if (chunks > 1)
                        {
                            s1 = TWidth.FusedMultiplyAdd(ail, TWidth.Load(ref Unsafe.Add(ref bl, lanes)), s1);
                            if (chunks > 2)
                            {
                                s2 = TWidth.FusedMultiplyAdd(ail, TWidth.Load(ref Unsafe.Add(ref bl, 2 * lanes)), s2);
                                if (chunks > 3)
                                {
                                    s3 = TWidth.FusedMultiplyAdd(ail, TWidth.Load(ref Unsafe.Add(ref bl, 3 * lanes)), s3);
                                }
                            }
                        }

                        bl = ref Unsafe.Add(ref bl, ldb);
                    }

                    Store(TWidth.Multiply(s0, scale), ref Unsafe.Add(ref ci, j), accumulate);
                    if (chunks > 1)
                    {
                        Store(TWidth.Multiply(s1, scale), ref Unsafe.Add(ref ci, j + lanes), accumulate);
                    }

                    if (chunks > 2)
                    {
                        Store(TWidth.Multiply(s2, scale), ref Unsafe.Add(ref ci, j + (2 * lanes)), accumulate);
                    }

                    if (chunks > 3)
                    {
                        Store(TWidth.Multiply(s3, scale), ref Unsafe.Add(ref ci, j + (3 * lanes)), accumulate);
                    }
                }

                for (int j = wide; j < cols; j++)
                {
                    double sum = 0;
                    for (int l = 0; l < inner; l++)
                    {
                        sum = Math.FusedMultiplyAdd(Unsafe.Add(ref ai, l), Unsafe.Add(ref br, (l * ldb) + j), sum);
                    }

                    sum *= alpha;
                    Unsafe.Add(ref ci, j) = accumulate ? sum + Unsafe.Add(ref ci, j) : sum;
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Store(TVector value, ref double destination, bool accumulate)
            => TWidth.Store(accumulate ? TWidth.Add(value, TWidth.Load(ref destination)) : value, ref destination);
    }

    /// <summary>
    /// out[i·stride + offset + j] = rows_i · columns_j for i &lt; r, j &lt; c (each set contiguous, d apart), by the
    /// score kernel's blocked dot products.
    /// </summary>
    private static void Gram(ReadOnlySpan<double> rows, int r, ReadOnlySpan<double> columns, int c, int d, Span<double> output, int stride, int offset)
    {
        ref double x = ref MemoryMarshal.GetReference(rows);
        ref double o = ref MemoryMarshal.GetReference(output);
        int i = 0;
        for (; i + 4 <= r; i += 4)
        {
            IsotropicMixtureKernel.DotsWithRows4(ref Unsafe.Add(ref x, i * d), d, columns, c, ref Unsafe.Add(ref o, (i * stride) + offset), stride);
        }

        for (; i < r; i++)
        {
            IsotropicMixtureKernel.DotsWithRows1(ref Unsafe.Add(ref x, i * d), d, columns, c, ref Unsafe.Add(ref o, (i * stride) + offset));
        }
    }
}
