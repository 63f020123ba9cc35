using Diffusion.Verify.Numerics;
using Diffusion.Verify.Targets;

namespace Diffusion.Verify.Scores;

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

        int stride = Padded(m);
        int length = (m * stride) + (m * m);
        double[]? rented = null;
        Span<double> scratch = length <= 2048 ? stackalloc double[length] : (rented = new double[length]);
        Span<double> gram = scratch[..(m * stride)];
        Span<double> a = scratch.Slice(m * stride, m * m);
        Gram(jacobian.RightColumns, m, jacobian.LeftColumns, m, d, gram, stride, 0);

        // a I + c C G,  G = QᵀP
        ReadOnlySpan<double> core = jacobian.Core;
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < m; j++)
            {
                double sum = 0;
                for (int l = 0; l < m; l++)
                {
                    sum += core[(i * m) + l] * gram[(l * stride) + j];
                }

                a[(i * m) + j] = scale * sum;
            }

            a[(i * m) + i] += 1 + aMinusOne;
        }

        return ((d - m) * LogAbsOnePlus(aMinusOne)) + DenseLu.LogAbsDeterminant(a, m);
    }

    /// <summary>Doubles of scratch <see cref="Composition"/> needs for ranks m₁, m₂.</summary>
    public static int CompositionScratchLength(int firstRank, int secondRank)
    {
        int n = firstRank + secondRank;
        return (n * GramStride(firstRank, secondRank)) + (n * n) + (2 * secondRank * firstRank);
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

        // G = VᵀU, n × n with a row stride that leaves room for the Gram kernel's groups of 4 columns; the
        // left block is written first so that the right block overwrites its padding.
        int stride = GramStride(m1, m2);
        Span<double> gram = scratch[..(n * stride)];
        Span<double> a = scratch.Slice(n * stride, n * n);
        Span<double> t = scratch.Slice((n * stride) + (n * n), m2 * m1);
        Span<double> x = scratch.Slice((n * stride) + (n * n) + (m2 * m1), m2 * m1);
        if (m1 > 0)
        {
            Gram(first.RightColumns, m1, first.LeftColumns, m1, d, gram, stride, 0);
            if (m2 > 0)
            {
                Gram(second.RightColumns, m2, first.LeftColumns, m1, d, gram[(m1 * stride)..], stride, 0);
            }
        }

        if (m2 > 0)
        {
            if (m1 > 0)
            {
                Gram(first.RightColumns, m1, second.LeftColumns, m2, d, gram, stride, m1);
            }

            Gram(second.RightColumns, m2, second.LeftColumns, m2, d, gram[(m1 * stride)..], stride, m1);
        }

        ReadOnlySpan<double> core1 = first.Core;
        ReadOnlySpan<double> core2 = second.Core;

        // X = c₁₂ C₂ G₂₁ C₁ (m₂ × m₁), G₂₁ = Q₂ᵀP₁ the lower-left block of G.
        for (int i = 0; i < m2; i++)
        {
            for (int j = 0; j < m1; j++)
            {
                double sum = 0;
                for (int l = 0; l < m2; l++)
                {
                    sum += core2[(i * m2) + l] * gram[((m1 + l) * stride) + j];
                }

                t[(i * m1) + j] = sum;
            }
        }

        for (int i = 0; i < m2; i++)
        {
            for (int j = 0; j < m1; j++)
            {
                double sum = 0;
                for (int l = 0; l < m1; l++)
                {
                    sum += t[(i * m1) + l] * core1[(l * m1) + j];
                }

                x[(i * m1) + j] = c12 * sum;
            }
        }

        // A = s₀ I + M G: top rows c₁ C₁ [G₁₁ G₁₂]; bottom rows X [G₁₁ G₁₂] + c₂ C₂ [G₂₁ G₂₂].
        for (int i = 0; i < m1; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int l = 0; l < m1; l++)
                {
                    sum += core1[(i * m1) + l] * gram[(l * stride) + j];
                }

                a[(i * n) + j] = c1 * sum;
            }
        }

        for (int i = 0; i < m2; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double top = 0;
                for (int l = 0; l < m1; l++)
                {
                    top += x[(i * m1) + l] * gram[(l * stride) + j];
                }

                double bottom = 0;
                for (int l = 0; l < m2; l++)
                {
                    bottom += core2[(i * m2) + l] * gram[((m1 + l) * stride) + j];
                }

                a[((m1 + i) * n) + j] = top + (c2 * bottom);
            }
        }

        for (int i = 0; i < n; i++)
        {
            a[(i * n) + i] += s0;
        }

        return ((d - n) * LogAbsOnePlus(s0MinusOne)) + DenseLu.LogAbsDeterminant(a, n);
    }

    /// <summary>ln|1 + z|, to full relative precision when z is small.</summary>
    public static double LogAbsOnePlus(double z) => Math.Abs(z) < 0.5 ? Elementary.Log1P(z) : Math.Log(Math.Abs(1 + z));

    private static int Padded(int m) => (m + 3) / 4 * 4;

    private static int GramStride(int m1, int m2) => Math.Max(m1 + Padded(m2), Padded(m1));

    /// <summary>
    /// out[i·stride + offset + j] = rows_i · columns_j for i &lt; r, j &lt; c (each set contiguous, d apart), by the
    /// score kernel's blocked dot products. Up to ⌈c⌉₄ − c values past each row's last column are overwritten.
    /// </summary>
    private static void Gram(ReadOnlySpan<double> rows, int r, ReadOnlySpan<double> columns, int c, int d, Span<double> output, int stride, int offset)
    {
        ref double x = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(rows);
        ref double o = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(output);
        int i = 0;
        for (; i + 4 <= r; i += 4)
        {
            IsotropicMixtureKernel.DotsWithRows4(ref System.Runtime.CompilerServices.Unsafe.Add(ref x, i * d), d, columns, c, ref System.Runtime.CompilerServices.Unsafe.Add(ref o, (i * stride) + offset), stride);
        }

        for (; i < r; i++)
        {
            IsotropicMixtureKernel.DotsWithRows1(ref System.Runtime.CompilerServices.Unsafe.Add(ref x, i * d), d, columns, c, ref System.Runtime.CompilerServices.Unsafe.Add(ref o, (i * stride) + offset));
        }
    }
}
