using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Diffusion.Verify.Targets;

/// <summary>
/// The two small matrix products of an isotropic-mixture score over a block of rows: the dot products
/// x·μ_k (X·Mᵀ, rows × K) and the combination −κ x + Σ_k c_k μ_k (−κ∘X + C·M, rows × d), plus the
/// vector exponential its softmax uses.
/// <para>
/// Register-blocked like a GEMM micro-kernel: the dot products 4 rows × 4 components per pass (8 loads feed
/// 16 FMAs), the combination 4 rows × 32 coordinates per pass (a broadcast coefficient and a load of μ_k
/// feed 4 FMAs each). Every dot product follows one fixed sequence — 8-wide FMA accumulation over the full
/// chunks of 8 coordinates in order, the same reduction tree of the 8 lanes, then scalar FMAs over the
/// tail — and every output coordinate of the combination the same chain of FMAs over k, whichever kernel
/// variant or tile computes it. So a row's result depends only on the row, never on which rows share its
/// pass: bit-identical across block sizes and thread counts. Nothing reduces across rows.
/// </para>
/// </summary>
internal static class IsotropicMixtureKernel
{
    private const int Lanes = 8;

    /// <summary>Whether the 8-wide path runs (else everything is scalar, with its own fixed order).</summary>
    public static readonly bool Wide = Vector512.IsHardwareAccelerated && Avx.IsSupported;

    /// <summary>
    /// eˣ lane by lane, within 1 ulp of <see cref="Math.Exp"/> (measured over [−745, 700]): x = n ln 2 + r with |r| ≤ ½ ln 2
    /// (two-part ln 2 by FMA), e^r by its Taylor polynomial of degree 13 (truncation &lt; 5e−18 relative),
    /// scaled by 2^⌊n/2⌋ · 2^(n−⌊n/2⌋) so that results down to the subnormals round once.
    /// <para>
    /// Written out because the library's vector exponentials use "fused if the JIT feels like it"
    /// multiply-adds, whose bits change when a method is recompiled at a higher tier — which would make a
    /// row's result depend on how long the process has run. Every operation here has one defined result.
    /// </para>
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
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

    /// <summary>
    /// |x_r|² for 4 rows (x_r = x[r d ..]) into norms[0..4): four independent chains, each the sequence of
    /// <see cref="Dot"/> (whose lane tree <see cref="Sum4"/> reproduces).
    /// </summary>
    public static void SquaredNorms4(ref double x, int d, ref double norms)
    {
        Vector256<double> r = Vector256<double>.Zero;
        int i = 0;
        if (Wide && d >= Lanes)
        {
            Vector512<double> a0 = default, a1 = default, a2 = default, a3 = default;
            ref double x1 = ref Unsafe.Add(ref x, d);
            ref double x2 = ref Unsafe.Add(ref x, 2 * d);
            ref double x3 = ref Unsafe.Add(ref x, 3 * d);
            for (; i + Lanes <= d; i += Lanes)
            {
                Vector512<double> v0 = Vector512.LoadUnsafe(ref x, (nuint)i);
                Vector512<double> v1 = Vector512.LoadUnsafe(ref x1, (nuint)i);
                Vector512<double> v2 = Vector512.LoadUnsafe(ref x2, (nuint)i);
                Vector512<double> v3 = Vector512.LoadUnsafe(ref x3, (nuint)i);
                a0 = Vector512.FusedMultiplyAdd(v0, v0, a0);
                a1 = Vector512.FusedMultiplyAdd(v1, v1, a1);
                a2 = Vector512.FusedMultiplyAdd(v2, v2, a2);
                a3 = Vector512.FusedMultiplyAdd(v3, v3, a3);
            }

            r = Sum4(a0, a1, a2, a3);
        }

        if (i < d)
        {
            for (int row = 0; row < 4; row++)
            {
                ref double xr = ref Unsafe.Add(ref x, row * d);
                double sum = r.GetElement(row);
                for (int j = i; j < d; j++)
                {
                    sum = Math.FusedMultiplyAdd(Unsafe.Add(ref xr, j), Unsafe.Add(ref xr, j), sum);
                }

                Unsafe.Add(ref norms, row) = sum;
            }

            return;
        }

        r.StoreUnsafe(ref norms);
    }

    /// <summary>
    /// dots[r·stride + k] = x_r·μ_k for 4 rows (x_r = x[r d ..]) and all K components, 4 rows × 4
    /// components per pass (each chunk of 8 coordinates costs 8 loads for 16 FMAs), the last K mod 4
    /// components 4 rows × 1. Every dot product is the sequence of <see cref="Dot"/>, so a row's values do not
    /// depend on the rows it shares a pass with or on the kernel variant.
    /// </summary>
    public static void DotsWithRows4(ref double x, int d, ReadOnlySpan<double> means, int components, ref double dots, int stride)
    {
        ref double m = ref MemoryMarshal.GetReference(means);
        int k = 0;
        for (; k + 4 <= components; k += 4)
        {
            ref double p0 = ref Unsafe.Add(ref m, k * d);
            ref double p1 = ref Unsafe.Add(ref p0, d);
            ref double p2 = ref Unsafe.Add(ref p0, 2 * d);
            ref double p3 = ref Unsafe.Add(ref p0, 3 * d);
            Vector256<double> r0, r1, r2, r3;
            int i = 0;
            if (Wide && d >= Lanes)
            {
                Vector512<double> a00 = default, a01 = default, a02 = default, a03 = default;
                Vector512<double> a10 = default, a11 = default, a12 = default, a13 = default;
                Vector512<double> a20 = default, a21 = default, a22 = default, a23 = default;
                Vector512<double> a30 = default, a31 = default, a32 = default, a33 = default;
                ref double x0 = ref x;
                ref double x1 = ref Unsafe.Add(ref x, d);
                ref double x2 = ref Unsafe.Add(ref x, 2 * d);
                ref double x3 = ref Unsafe.Add(ref x, 3 * d);
                for (; i + Lanes <= d; i += Lanes)
                {
                    Vector512<double> m0 = Vector512.LoadUnsafe(ref p0, (nuint)i);
                    Vector512<double> m1 = Vector512.LoadUnsafe(ref p1, (nuint)i);
                    Vector512<double> m2 = Vector512.LoadUnsafe(ref p2, (nuint)i);
                    Vector512<double> m3 = Vector512.LoadUnsafe(ref p3, (nuint)i);
                    Vector512<double> xv = Vector512.LoadUnsafe(ref x0, (nuint)i);
                    a00 = Vector512.FusedMultiplyAdd(xv, m0, a00);
                    a01 = Vector512.FusedMultiplyAdd(xv, m1, a01);
                    a02 = Vector512.FusedMultiplyAdd(xv, m2, a02);
                    a03 = Vector512.FusedMultiplyAdd(xv, m3, a03);
                    xv = Vector512.LoadUnsafe(ref x1, (nuint)i);
                    a10 = Vector512.FusedMultiplyAdd(xv, m0, a10);
                    a11 = Vector512.FusedMultiplyAdd(xv, m1, a11);
                    a12 = Vector512.FusedMultiplyAdd(xv, m2, a12);
                    a13 = Vector512.FusedMultiplyAdd(xv, m3, a13);
                    xv = Vector512.LoadUnsafe(ref x2, (nuint)i);
                    a20 = Vector512.FusedMultiplyAdd(xv, m0, a20);
                    a21 = Vector512.FusedMultiplyAdd(xv, m1, a21);
                    a22 = Vector512.FusedMultiplyAdd(xv, m2, a22);
                    a23 = Vector512.FusedMultiplyAdd(xv, m3, a23);
                    xv = Vector512.LoadUnsafe(ref x3, (nuint)i);
                    a30 = Vector512.FusedMultiplyAdd(xv, m0, a30);
                    a31 = Vector512.FusedMultiplyAdd(xv, m1, a31);
                    a32 = Vector512.FusedMultiplyAdd(xv, m2, a32);
                    a33 = Vector512.FusedMultiplyAdd(xv, m3, a33);
                }

                r0 = Sum4(a00, a01, a02, a03);
                r1 = Sum4(a10, a11, a12, a13);
                r2 = Sum4(a20, a21, a22, a23);
                r3 = Sum4(a30, a31, a32, a33);
            }
            else
            {
                r0 = r1 = r2 = r3 = Vector256<double>.Zero;
            }

            ref double o = ref Unsafe.Add(ref dots, k);
            if (i < d)
            {
                Tail(ref x, ref p0, ref p1, ref p2, ref p3, i, d, ref r0);
                Tail(ref Unsafe.Add(ref x, d), ref p0, ref p1, ref p2, ref p3, i, d, ref r1);
                Tail(ref Unsafe.Add(ref x, 2 * d), ref p0, ref p1, ref p2, ref p3, i, d, ref r2);
                Tail(ref Unsafe.Add(ref x, 3 * d), ref p0, ref p1, ref p2, ref p3, i, d, ref r3);
            }

            r0.StoreUnsafe(ref o);
            r1.StoreUnsafe(ref o, (nuint)stride);
            r2.StoreUnsafe(ref o, (nuint)(2 * stride));
            r3.StoreUnsafe(ref o, (nuint)(3 * stride));
        }

        // The last 1–3 components one at a time, still 4 rows per pass.
        for (; k < components; k++)
        {
            ColumnDots4(ref x, d, ref Unsafe.Add(ref m, k * d), ref Unsafe.Add(ref dots, k), stride);
        }
    }

    /// <summary>
    /// output[r·stride] = x_r·p for 4 rows x_r = x[r d ..]: four chains, each the sequence of <see cref="Dot"/>.
    /// </summary>
    private static void ColumnDots4(ref double x, int d, ref double p, ref double output, int stride)
    {
        Vector256<double> r = Vector256<double>.Zero;
        int i = 0;
        ref double x1 = ref Unsafe.Add(ref x, d);
        ref double x2 = ref Unsafe.Add(ref x, 2 * d);
        ref double x3 = ref Unsafe.Add(ref x, 3 * d);
        if (Wide && d >= Lanes)
        {
            Vector512<double> a0 = default, a1 = default, a2 = default, a3 = default;
            for (; i + Lanes <= d; i += Lanes)
            {
                Vector512<double> pv = Vector512.LoadUnsafe(ref p, (nuint)i);
                a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x, (nuint)i), pv, a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x1, (nuint)i), pv, a1);
                a2 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x2, (nuint)i), pv, a2);
                a3 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref x3, (nuint)i), pv, a3);
            }

            r = Sum4(a0, a1, a2, a3);
        }

        double s0 = r.GetElement(0), s1 = r.GetElement(1), s2 = r.GetElement(2), s3 = r.GetElement(3);
        for (; i < d; i++)
        {
            double pi = Unsafe.Add(ref p, i);
            s0 = Math.FusedMultiplyAdd(Unsafe.Add(ref x, i), pi, s0);
            s1 = Math.FusedMultiplyAdd(Unsafe.Add(ref x1, i), pi, s1);
            s2 = Math.FusedMultiplyAdd(Unsafe.Add(ref x2, i), pi, s2);
            s3 = Math.FusedMultiplyAdd(Unsafe.Add(ref x3, i), pi, s3);
        }

        output = s0;
        Unsafe.Add(ref output, stride) = s1;
        Unsafe.Add(ref output, 2 * stride) = s2;
        Unsafe.Add(ref output, 3 * stride) = s3;
    }

    /// <summary>One row of <see cref="DotsWithRows4"/>, by the same sequence.</summary>
    public static void DotsWithRows1(ref double x, int d, ReadOnlySpan<double> means, int components, ref double dots)
    {
        ref double m = ref MemoryMarshal.GetReference(means);
        int k = 0;
        for (; k + 4 <= components; k += 4)
        {
            ref double p0 = ref Unsafe.Add(ref m, k * d);
            ref double p1 = ref Unsafe.Add(ref p0, d);
            ref double p2 = ref Unsafe.Add(ref p0, 2 * d);
            ref double p3 = ref Unsafe.Add(ref p0, 3 * d);
            Vector256<double> r0 = Vector256<double>.Zero;
            int i = 0;
            if (Wide && d >= Lanes)
            {
                Vector512<double> a0 = default, a1 = default, a2 = default, a3 = default;
                for (; i + Lanes <= d; i += Lanes)
                {
                    Vector512<double> xv = Vector512.LoadUnsafe(ref x, (nuint)i);
                    a0 = Vector512.FusedMultiplyAdd(xv, Vector512.LoadUnsafe(ref p0, (nuint)i), a0);
                    a1 = Vector512.FusedMultiplyAdd(xv, Vector512.LoadUnsafe(ref p1, (nuint)i), a1);
                    a2 = Vector512.FusedMultiplyAdd(xv, Vector512.LoadUnsafe(ref p2, (nuint)i), a2);
                    a3 = Vector512.FusedMultiplyAdd(xv, Vector512.LoadUnsafe(ref p3, (nuint)i), a3);
                }

                r0 = Sum4(a0, a1, a2, a3);
            }

            if (i < d)
            {
                Tail(ref x, ref p0, ref p1, ref p2, ref p3, i, d, ref r0);
            }

            r0.StoreUnsafe(ref Unsafe.Add(ref dots, k));
        }

        for (; k < components; k++)
        {
            Unsafe.Add(ref dots, k) = Dot(MemoryMarshal.CreateReadOnlySpan(ref x, d), means.Slice(k * d, d));
        }
    }

    /// <summary>[Σ a0, Σ a1, Σ a2, Σ a3], each by the tree ((l0+l4) + (l1+l5)) + ((l2+l6) + (l3+l7)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Sum4(Vector512<double> a0, Vector512<double> a1, Vector512<double> a2, Vector512<double> a3)
    {
        // h_j = [l0+l4, l1+l5, l2+l6, l3+l7] of a_j; HorizontalAdd(h0, h1) = [h0₀+h0₁, h1₀+h1₁, h0₂+h0₃, h1₂+h1₃];
        // adding the two 128-bit halves of the pair of those gives [s0, s1, s2, s3].
        Vector256<double> u01 = Avx.HorizontalAdd(a0.GetLower() + a0.GetUpper(), a1.GetLower() + a1.GetUpper());
        Vector256<double> u23 = Avx.HorizontalAdd(a2.GetLower() + a2.GetUpper(), a3.GetLower() + a3.GetUpper());
        return Avx.Permute2x128(u01, u23, 0x20) + Avx.Permute2x128(u01, u23, 0x31);
    }

    /// <summary>Continues the four sums in <paramref name="sums"/> with scalar FMAs over coordinates [i, d).</summary>
    private static void Tail(ref double x, ref double p0, ref double p1, ref double p2, ref double p3, int i, int d, ref Vector256<double> sums)
    {
        double s0 = sums.GetElement(0), s1 = sums.GetElement(1), s2 = sums.GetElement(2), s3 = sums.GetElement(3);
        for (; i < d; i++)
        {
            double xi = Unsafe.Add(ref x, i);
            s0 = Math.FusedMultiplyAdd(xi, Unsafe.Add(ref p0, i), s0);
            s1 = Math.FusedMultiplyAdd(xi, Unsafe.Add(ref p1, i), s1);
            s2 = Math.FusedMultiplyAdd(xi, Unsafe.Add(ref p2, i), s2);
            s3 = Math.FusedMultiplyAdd(xi, Unsafe.Add(ref p3, i), s3);
        }

        sums = Vector256.Create(s0, s1, s2, s3);
    }

    /// <summary>
    /// out = −κ x + Σ_k c_k μ_k, each coordinate as fma(c_{K−1}, μ_{K−1}, … fma(c_0, μ_0, (−κ)·x)) in
    /// vector lanes and in the scalar tail alike.
    /// </summary>
    public static void Combine(ReadOnlySpan<double> x, double kappa, ReadOnlySpan<double> coefficients, ReadOnlySpan<double> means, int components, Span<double> output)
        => CombineFrom(0, ref MemoryMarshal.GetReference(x), x.Length, kappa, ref MemoryMarshal.GetReference(coefficients), means, components, ref MemoryMarshal.GetReference(output));

    /// <summary>
    /// <see cref="Combine"/> for coordinates [start, d). A coordinate's value does not depend on start:
    /// the vector passes only regroup coordinates, each lane doing the scalar sequence.
    /// </summary>
    private static void CombineFrom(int start, ref double xr, int d, double kappa, ref double c, ReadOnlySpan<double> means, int components, ref double o)
    {
        double negativeKappa = -kappa;
        ref double m = ref MemoryMarshal.GetReference(means);
        int i = start;
        if (Wide)
        {
            var scale = Vector512.Create(negativeKappa);

            // Eight chunks per pass: eight independent FMA chains hide the FMA latency, and each broadcast
            // coefficient feeds eight FMAs.
            for (; i + (8 * Lanes) <= d; i += 8 * Lanes)
            {
                ref double xi = ref Unsafe.Add(ref xr, i);
                Vector512<double> a0 = scale * Vector512.LoadUnsafe(ref xi);
                Vector512<double> a1 = scale * Vector512.LoadUnsafe(ref xi, Lanes);
                Vector512<double> a2 = scale * Vector512.LoadUnsafe(ref xi, 2 * Lanes);
                Vector512<double> a3 = scale * Vector512.LoadUnsafe(ref xi, 3 * Lanes);
                Vector512<double> a4 = scale * Vector512.LoadUnsafe(ref xi, 4 * Lanes);
                Vector512<double> a5 = scale * Vector512.LoadUnsafe(ref xi, 5 * Lanes);
                Vector512<double> a6 = scale * Vector512.LoadUnsafe(ref xi, 6 * Lanes);
                Vector512<double> a7 = scale * Vector512.LoadUnsafe(ref xi, 7 * Lanes);
                ref double mk = ref Unsafe.Add(ref m, i);
                for (int k = 0; k < components; k++)
                {
                    var ck = Vector512.Create(Unsafe.Add(ref c, k));
                    a0 = Vector512.FusedMultiplyAdd(ck, Vector512.LoadUnsafe(ref mk), a0);
                    a1 = Vector512.FusedMultiplyAdd(ck, Vector512.LoadUnsafe(ref mk, Lanes), a1);
                    a2 = Vector512.FusedMultiplyAdd(ck, Vector512.LoadUnsafe(ref mk, 2 * Lanes), a2);
                    a3 = Vector512.FusedMultiplyAdd(ck, Vector512.LoadUnsafe(ref mk, 3 * Lanes), a3);
                    a4 = Vector512.FusedMultiplyAdd(ck, Vector512.LoadUnsafe(ref mk, 4 * Lanes), a4);
                    a5 = Vector512.FusedMultiplyAdd(ck, Vector512.LoadUnsafe(ref mk, 5 * Lanes), a5);
                    a6 = Vector512.FusedMultiplyAdd(ck, Vector512.LoadUnsafe(ref mk, 6 * Lanes), a6);
                    a7 = Vector512.FusedMultiplyAdd(ck, Vector512.LoadUnsafe(ref mk, 7 * Lanes), a7);
                    mk = ref Unsafe.Add(ref mk, d);
                }

                ref double oi = ref Unsafe.Add(ref o, i);
                a0.StoreUnsafe(ref oi);
                a1.StoreUnsafe(ref oi, Lanes);
                a2.StoreUnsafe(ref oi, 2 * Lanes);
                a3.StoreUnsafe(ref oi, 3 * Lanes);
                a4.StoreUnsafe(ref oi, 4 * Lanes);
                a5.StoreUnsafe(ref oi, 5 * Lanes);
                a6.StoreUnsafe(ref oi, 6 * Lanes);
                a7.StoreUnsafe(ref oi, 7 * Lanes);
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
    /// <see cref="Combine"/> for 4 rows at once (row r: x[r d ..], κ_r, coefficients[r·stride ..], output
    /// [r d ..]): 4 rows × 32 coordinates per pass, so each coefficient broadcast and each load of μ_k
    /// feeds 4 FMAs. Every output coordinate is computed by exactly the sequence of the one-row kernel.
    /// </summary>
    public static void Combine4(ref double x, int d, ref double kappa, ref double coefficients, int stride, ReadOnlySpan<double> means, int components, ref double output)
    {
        ref double m = ref MemoryMarshal.GetReference(means);
        int i = 0;
        if (Wide)
        {
            var s0 = Vector512.Create(-kappa);
            var s1 = Vector512.Create(-Unsafe.Add(ref kappa, 1));
            var s2 = Vector512.Create(-Unsafe.Add(ref kappa, 2));
            var s3 = Vector512.Create(-Unsafe.Add(ref kappa, 3));
            ref double c0 = ref coefficients;
            ref double c1 = ref Unsafe.Add(ref coefficients, stride);
            ref double c2 = ref Unsafe.Add(ref coefficients, 2 * stride);
            ref double c3 = ref Unsafe.Add(ref coefficients, 3 * stride);
            for (; i + (4 * Lanes) <= d; i += 4 * Lanes)
            {
                ref double x0 = ref Unsafe.Add(ref x, i);
                ref double x1 = ref Unsafe.Add(ref x0, d);
                ref double x2 = ref Unsafe.Add(ref x0, 2 * d);
                ref double x3 = ref Unsafe.Add(ref x0, 3 * d);
                Vector512<double> a00 = s0 * Vector512.LoadUnsafe(ref x0), a01 = s0 * Vector512.LoadUnsafe(ref x0, Lanes), a02 = s0 * Vector512.LoadUnsafe(ref x0, 2 * Lanes), a03 = s0 * Vector512.LoadUnsafe(ref x0, 3 * Lanes);
                Vector512<double> a10 = s1 * Vector512.LoadUnsafe(ref x1), a11 = s1 * Vector512.LoadUnsafe(ref x1, Lanes), a12 = s1 * Vector512.LoadUnsafe(ref x1, 2 * Lanes), a13 = s1 * Vector512.LoadUnsafe(ref x1, 3 * Lanes);
                Vector512<double> a20 = s2 * Vector512.LoadUnsafe(ref x2), a21 = s2 * Vector512.LoadUnsafe(ref x2, Lanes), a22 = s2 * Vector512.LoadUnsafe(ref x2, 2 * Lanes), a23 = s2 * Vector512.LoadUnsafe(ref x2, 3 * Lanes);
                Vector512<double> a30 = s3 * Vector512.LoadUnsafe(ref x3), a31 = s3 * Vector512.LoadUnsafe(ref x3, Lanes), a32 = s3 * Vector512.LoadUnsafe(ref x3, 2 * Lanes), a33 = s3 * Vector512.LoadUnsafe(ref x3, 3 * Lanes);
                ref double mk = ref Unsafe.Add(ref m, i);
                for (int k = 0; k < components; k++)
                {
                    Vector512<double> m0 = Vector512.LoadUnsafe(ref mk);
                    Vector512<double> m1 = Vector512.LoadUnsafe(ref mk, Lanes);
                    Vector512<double> m2 = Vector512.LoadUnsafe(ref mk, 2 * Lanes);
                    Vector512<double> m3 = Vector512.LoadUnsafe(ref mk, 3 * Lanes);
                    var b = Vector512.Create(Unsafe.Add(ref c0, k));
                    a00 = Vector512.FusedMultiplyAdd(b, m0, a00);
                    a01 = Vector512.FusedMultiplyAdd(b, m1, a01);
                    a02 = Vector512.FusedMultiplyAdd(b, m2, a02);
                    a03 = Vector512.FusedMultiplyAdd(b, m3, a03);
                    b = Vector512.Create(Unsafe.Add(ref c1, k));
                    a10 = Vector512.FusedMultiplyAdd(b, m0, a10);
                    a11 = Vector512.FusedMultiplyAdd(b, m1, a11);
                    a12 = Vector512.FusedMultiplyAdd(b, m2, a12);
                    a13 = Vector512.FusedMultiplyAdd(b, m3, a13);
                    b = Vector512.Create(Unsafe.Add(ref c2, k));
                    a20 = Vector512.FusedMultiplyAdd(b, m0, a20);
                    a21 = Vector512.FusedMultiplyAdd(b, m1, a21);
                    a22 = Vector512.FusedMultiplyAdd(b, m2, a22);
                    a23 = Vector512.FusedMultiplyAdd(b, m3, a23);
                    b = Vector512.Create(Unsafe.Add(ref c3, k));
                    a30 = Vector512.FusedMultiplyAdd(b, m0, a30);
                    a31 = Vector512.FusedMultiplyAdd(b, m1, a31);
                    a32 = Vector512.FusedMultiplyAdd(b, m2, a32);
                    a33 = Vector512.FusedMultiplyAdd(b, m3, a33);
                    mk = ref Unsafe.Add(ref mk, d);
                }

                ref double o0 = ref Unsafe.Add(ref output, i);
                ref double o1 = ref Unsafe.Add(ref o0, d);
                ref double o2 = ref Unsafe.Add(ref o0, 2 * d);
                ref double o3 = ref Unsafe.Add(ref o0, 3 * d);
                a00.StoreUnsafe(ref o0); a01.StoreUnsafe(ref o0, Lanes); a02.StoreUnsafe(ref o0, 2 * Lanes); a03.StoreUnsafe(ref o0, 3 * Lanes);
                a10.StoreUnsafe(ref o1); a11.StoreUnsafe(ref o1, Lanes); a12.StoreUnsafe(ref o1, 2 * Lanes); a13.StoreUnsafe(ref o1, 3 * Lanes);
                a20.StoreUnsafe(ref o2); a21.StoreUnsafe(ref o2, Lanes); a22.StoreUnsafe(ref o2, 2 * Lanes); a23.StoreUnsafe(ref o2, 3 * Lanes);
                a30.StoreUnsafe(ref o3); a31.StoreUnsafe(ref o3, Lanes); a32.StoreUnsafe(ref o3, 2 * Lanes); a33.StoreUnsafe(ref o3, 3 * Lanes);
            }
        }

        if (i < d)
        {
            // The remaining coordinates of each row, by the one-row kernel's own sequence.
            for (int r = 0; r < 4; r++)
            {
                CombineFrom(i, ref Unsafe.Add(ref x, r * d), d, Unsafe.Add(ref kappa, r), ref Unsafe.Add(ref coefficients, r * stride), means, components, ref Unsafe.Add(ref output, r * d));
            }
        }
    }
}
