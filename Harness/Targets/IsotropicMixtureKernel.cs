using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Diffusion.Verify.Targets;

/// <summary>
/// The two small matrix products of an isotropic-mixture score, for one row x at a time: the dot
/// products x·μ_k (a row of X·Mᵀ) and the combination −κ x + Σ_k c_k μ_k (a row of −κ∘X + C·M).
/// <para>
/// Vectorised across the d coordinates, four components per pass so that one load of x feeds four fused
/// multiply-adds. Every dot product follows one fixed sequence — 8-wide FMA accumulation over the full
/// chunks in order, the same pairwise reduction tree of the 8 lanes, then scalar FMAs over the tail —
/// whichever variant or component group computes it. So a row's result depends only on the row, never on
/// which rows or components share its pass: bit-identical across block sizes and thread counts.
/// </para>
/// </summary>
internal static class IsotropicMixtureKernel
{
    private const int Lanes = 8;

    /// <summary>Whether the 8-wide path runs (else everything is scalar, with its own fixed order).</summary>
    public static readonly bool Wide = Vector512.IsHardwareAccelerated && Avx.IsSupported;

    /// <summary>
    /// eˣ lane by lane, to within ~2 ulp of <see cref="Math.Exp"/>: x = n ln 2 + r with |r| ≤ ½ ln 2
    /// (two-part ln 2 by FMA), e^r by its Taylor polynomial of degree 13 (truncation &lt; 5e−18 relative),
    /// scaled by 2^⌊n/2⌋ · 2^(n−⌊n/2⌋) so that results down to the subnormals round once.
    /// <para>
    /// Written out because the library's vector exponentials use "fused if the JIT feels like it"
    /// multiply-adds, whose bits change when a method is recompiled at a higher tier — which would make a
    /// row's result depend on how long the process has run. Every operation here has one defined result.
    /// </para>
    /// </summary>
    public static Vector512<double> Exp(Vector512<double> x)
    {
        // Beyond these bounds eˣ is 0 or ∞ anyway; the clamp keeps n inside the exponent range. NaN stays NaN.
        x = Vector512.Min(Vector512.Max(x, Vector512.Create(-746.0)), Vector512.Create(710.0));
        Vector512<double> n = Vector512.Round(x * Vector512.Create(1.4426950408889634));
        Vector512<double> r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-6.93147180369123816490e-01), x);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-1.90821492927058770002e-10), r);
        Vector512<double> p = Vector512.Create(1.0 / 6227020800.0);
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 479001600.0));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 39916800.0));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 3628800.0));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 362880.0));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 40320.0));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 5040.0));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 720.0));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 120.0));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 24.0));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0 / 6.0));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(0.5));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(1.0));
        Vector512<long> whole = Vector512.ConvertToInt64(n);
        Vector512<long> half = Vector512.ShiftRightArithmetic(whole, 1);
        Vector512<double> scale1 = Vector512.ShiftLeft(half + Vector512.Create(1023L), 52).AsDouble();
        Vector512<double> scale2 = Vector512.ShiftLeft(whole - half + Vector512.Create(1023L), 52).AsDouble();
        return p * scale1 * scale2;
    }

    /// <summary>x·y by the sequence every dot product here uses.</summary>
    public static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        int d = x.Length;
        ref double xr = ref MemoryMarshal.GetReference(x);
        ref double yr = ref MemoryMarshal.GetReference(y);
        int i = 0;
        double sum = 0;
        if (Wide && d >= Lanes)
        {
            Vector512<double> a = Vector512<double>.Zero;
            for (; i + Lanes <= d; i += Lanes)
            {
                a = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref xr, (nuint)i), Vector512.LoadUnsafe(ref yr, (nuint)i), a);
            }

            Vector256<double> h = a.GetLower() + a.GetUpper();
            sum = (h.GetElement(0) + h.GetElement(1)) + (h.GetElement(2) + h.GetElement(3));
        }

        for (; i < d; i++)
        {
            sum = Math.FusedMultiplyAdd(Unsafe.Add(ref xr, i), Unsafe.Add(ref yr, i), sum);
        }

        return sum;
    }

    /// <summary>dots[k] = x·μ_k for k &lt; K, μ_k = means[k d .. k d + d).</summary>
    public static void DotsWithRows(ReadOnlySpan<double> x, ReadOnlySpan<double> means, int components, Span<double> dots)
    {
        int d = x.Length;
        ref double m = ref MemoryMarshal.GetReference(means);
        ref double o = ref MemoryMarshal.GetReference(dots);
        int k = 0;
        for (; k + 4 <= components; k += 4)
        {
            Dots4(x, ref Unsafe.Add(ref m, k * d), ref Unsafe.Add(ref m, (k + 1) * d), ref Unsafe.Add(ref m, (k + 2) * d), ref Unsafe.Add(ref m, (k + 3) * d), ref Unsafe.Add(ref o, k));
        }

        if (k < components)
        {
            // The last 1–3 components go through the same 4-wide pass, padded with repeats of the last
            // one: each accumulator does exactly the arithmetic it would in a full group.
            int last = components - 1;
            Span<double> result = stackalloc double[4];
            Dots4(x, ref Unsafe.Add(ref m, k * d), ref Unsafe.Add(ref m, Math.Min(k + 1, last) * d), ref Unsafe.Add(ref m, Math.Min(k + 2, last) * d), ref Unsafe.Add(ref m, last * d), ref MemoryMarshal.GetReference(result));
            result[..(components - k)].CopyTo(dots[k..]);
        }
    }

    /// <summary>
    /// dots[r][k] = x_r·μ_k for 8 rows at once, vectorised across components: with Mᵀ stored d × K̃
    /// (K̃ = K padded to a multiple of 8 with zero means), each row's 8-component accumulator takes
    /// fma(x_r[i], Mᵀ[i, 8g..8g+8), ·) for i = 0 … d−1 in order. The 8 rows share every load of Mᵀ and
    /// keep 8 independent FMA chains in flight; each row's arithmetic is the sequence <see cref="ComponentDots1"/>
    /// performs for a lone row, so results do not depend on which rows share a pass.
    /// </summary>
    public static void ComponentDots8(ref double x, int d, ReadOnlySpan<double> transposedMeans, int paddedComponents, ref double dots)
    {
        ref double mt = ref MemoryMarshal.GetReference(transposedMeans);
        for (int g = 0; g < paddedComponents; g += Lanes)
        {
            Vector512<double> a0 = Vector512<double>.Zero;
            Vector512<double> a1 = Vector512<double>.Zero;
            Vector512<double> a2 = Vector512<double>.Zero;
            Vector512<double> a3 = Vector512<double>.Zero;
            Vector512<double> a4 = Vector512<double>.Zero;
            Vector512<double> a5 = Vector512<double>.Zero;
            Vector512<double> a6 = Vector512<double>.Zero;
            Vector512<double> a7 = Vector512<double>.Zero;
            ref double column = ref Unsafe.Add(ref mt, g);
            ref double xi = ref x;
            for (int i = 0; i < d; i++)
            {
                Vector512<double> m = Vector512.LoadUnsafe(ref column);
                a0 = Vector512.FusedMultiplyAdd(Vector512.Create(xi), m, a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref xi, d)), m, a1);
                a2 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref xi, 2 * d)), m, a2);
                a3 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref xi, 3 * d)), m, a3);
                a4 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref xi, 4 * d)), m, a4);
                a5 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref xi, 5 * d)), m, a5);
                a6 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref xi, 6 * d)), m, a6);
                a7 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref xi, 7 * d)), m, a7);
                column = ref Unsafe.Add(ref column, paddedComponents);
                xi = ref Unsafe.Add(ref xi, 1);
            }

            ref double o = ref Unsafe.Add(ref dots, g);
            a0.StoreUnsafe(ref o);
            a1.StoreUnsafe(ref o, (nuint)paddedComponents);
            a2.StoreUnsafe(ref o, (nuint)(2 * paddedComponents));
            a3.StoreUnsafe(ref o, (nuint)(3 * paddedComponents));
            a4.StoreUnsafe(ref o, (nuint)(4 * paddedComponents));
            a5.StoreUnsafe(ref o, (nuint)(5 * paddedComponents));
            a6.StoreUnsafe(ref o, (nuint)(6 * paddedComponents));
            a7.StoreUnsafe(ref o, (nuint)(7 * paddedComponents));
        }
    }

    /// <summary>One row of <see cref="ComponentDots8"/>, by the same per-row sequence.</summary>
    public static void ComponentDots1(ref double x, int d, ReadOnlySpan<double> transposedMeans, int paddedComponents, ref double dots)
    {
        ref double mt = ref MemoryMarshal.GetReference(transposedMeans);
        for (int g = 0; g < paddedComponents; g += Lanes)
        {
            Vector512<double> a0 = Vector512<double>.Zero;
            ref double column = ref Unsafe.Add(ref mt, g);
            for (int i = 0; i < d; i++)
            {
                a0 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref x, i)), Vector512.LoadUnsafe(ref column), a0);
                column = ref Unsafe.Add(ref column, paddedComponents);
            }

            a0.StoreUnsafe(ref dots, (nuint)g);
        }
    }

    /// <summary>
    /// out = −κ x + Σ_k c_k μ_k, each coordinate as fma(c_{K−1}, μ_{K−1}, … fma(c_0, μ_0, (−κ)·x)) in
    /// vector lanes and in the scalar tail alike.
    /// </summary>
    public static void Combine(ReadOnlySpan<double> x, double kappa, ReadOnlySpan<double> coefficients, ReadOnlySpan<double> means, int components, Span<double> output)
    {
        int d = x.Length;
        double negativeKappa = -kappa;
        ref double xr = ref MemoryMarshal.GetReference(x);
        ref double m = ref MemoryMarshal.GetReference(means);
        ref double c = ref MemoryMarshal.GetReference(coefficients);
        ref double o = ref MemoryMarshal.GetReference(output);
        int i = 0;
        if (Wide)
        {
            var scale = Vector512.Create(negativeKappa);

            // Four chunks per pass: four independent FMA chains in flight per broadcast coefficient.
            for (; i + (4 * Lanes) <= d; i += 4 * Lanes)
            {
                ref double xi = ref Unsafe.Add(ref xr, i);
                Vector512<double> a0 = scale * Vector512.LoadUnsafe(ref xi);
                Vector512<double> a1 = scale * Vector512.LoadUnsafe(ref xi, Lanes);
                Vector512<double> a2 = scale * Vector512.LoadUnsafe(ref xi, 2 * Lanes);
                Vector512<double> a3 = scale * Vector512.LoadUnsafe(ref xi, 3 * Lanes);
                ref double mk = ref Unsafe.Add(ref m, i);
                for (int k = 0; k < components; k++)
                {
                    var ck = Vector512.Create(Unsafe.Add(ref c, k));
                    a0 = Vector512.FusedMultiplyAdd(ck, Vector512.LoadUnsafe(ref mk), a0);
                    a1 = Vector512.FusedMultiplyAdd(ck, Vector512.LoadUnsafe(ref mk, Lanes), a1);
                    a2 = Vector512.FusedMultiplyAdd(ck, Vector512.LoadUnsafe(ref mk, 2 * Lanes), a2);
                    a3 = Vector512.FusedMultiplyAdd(ck, Vector512.LoadUnsafe(ref mk, 3 * Lanes), a3);
                    mk = ref Unsafe.Add(ref mk, d);
                }

                ref double oi = ref Unsafe.Add(ref o, i);
                a0.StoreUnsafe(ref oi);
                a1.StoreUnsafe(ref oi, Lanes);
                a2.StoreUnsafe(ref oi, 2 * Lanes);
                a3.StoreUnsafe(ref oi, 3 * Lanes);
            }

            for (; i + Lanes <= d; i += Lanes)
            {
                Vector512<double> a0 = scale * Vector512.LoadUnsafe(ref xr, (nuint)i);
                ref double mk = ref Unsafe.Add(ref m, i);
                for (int k = 0; k < components; k++)
                {
                    a0 = Vector512.FusedMultiplyAdd(Vector512.Create(Unsafe.Add(ref c, k)), Vector512.LoadUnsafe(ref mk), a0);
                    mk = ref Unsafe.Add(ref mk, d);
                }

                a0.StoreUnsafe(ref o, (nuint)i);
            }
        }

        for (; i < d; i++)
        {
            double a = negativeKappa * Unsafe.Add(ref xr, i);
            for (int k = 0; k < components; k++)
            {
                a = Math.FusedMultiplyAdd(Unsafe.Add(ref c, k), Unsafe.Add(ref m, (k * d) + i), a);
            }

            Unsafe.Add(ref o, i) = a;
        }
    }

    /// <summary>
    /// Four dot products x·y_j sharing the loads of x. The 8 lanes of each accumulator are reduced by the
    /// tree ((l0+l4) + (l1+l5)) + ((l2+l6) + (l3+l7)), the same one <see cref="Dot"/> uses.
    /// </summary>
    private static void Dots4(ReadOnlySpan<double> x, ref double p0, ref double p1, ref double p2, ref double p3, ref double result)
    {
        int d = x.Length;
        ref double xr = ref MemoryMarshal.GetReference(x);
        int i = 0;
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        if (Wide && d >= Lanes)
        {
            Vector512<double> a0 = Vector512<double>.Zero;
            Vector512<double> a1 = Vector512<double>.Zero;
            Vector512<double> a2 = Vector512<double>.Zero;
            Vector512<double> a3 = Vector512<double>.Zero;
            for (; i + Lanes <= d; i += Lanes)
            {
                Vector512<double> xv = Vector512.LoadUnsafe(ref xr, (nuint)i);
                a0 = Vector512.FusedMultiplyAdd(xv, Vector512.LoadUnsafe(ref p0, (nuint)i), a0);
                a1 = Vector512.FusedMultiplyAdd(xv, Vector512.LoadUnsafe(ref p1, (nuint)i), a1);
                a2 = Vector512.FusedMultiplyAdd(xv, Vector512.LoadUnsafe(ref p2, (nuint)i), a2);
                a3 = Vector512.FusedMultiplyAdd(xv, Vector512.LoadUnsafe(ref p3, (nuint)i), a3);
            }

            // h_j = [l0+l4, l1+l5, l2+l6, l3+l7] of accumulator j; HorizontalAdd(h0, h1) =
            // [h0₀+h0₁, h1₀+h1₁, h0₂+h0₃, h1₂+h1₃]; the two 128-bit halves then add to [s0, s1, s2, s3].
            Vector256<double> h0 = a0.GetLower() + a0.GetUpper();
            Vector256<double> h1 = a1.GetLower() + a1.GetUpper();
            Vector256<double> h2 = a2.GetLower() + a2.GetUpper();
            Vector256<double> h3 = a3.GetLower() + a3.GetUpper();
            Vector256<double> u01 = Avx.HorizontalAdd(h0, h1);
            Vector256<double> u23 = Avx.HorizontalAdd(h2, h3);
            Vector256<double> sums = Avx.Permute2x128(u01, u23, 0x20) + Avx.Permute2x128(u01, u23, 0x31);
            s0 = sums.GetElement(0);
            s1 = sums.GetElement(1);
            s2 = sums.GetElement(2);
            s3 = sums.GetElement(3);
        }

        for (; i < d; i++)
        {
            double xi = Unsafe.Add(ref xr, i);
            s0 = Math.FusedMultiplyAdd(xi, Unsafe.Add(ref p0, i), s0);
            s1 = Math.FusedMultiplyAdd(xi, Unsafe.Add(ref p1, i), s1);
            s2 = Math.FusedMultiplyAdd(xi, Unsafe.Add(ref p2, i), s2);
            s3 = Math.FusedMultiplyAdd(xi, Unsafe.Add(ref p3, i), s3);
        }

        result = s0;
        Unsafe.Add(ref result, 1) = s1;
        Unsafe.Add(ref result, 2) = s2;
        Unsafe.Add(ref result, 3) = s3;
    }
}
