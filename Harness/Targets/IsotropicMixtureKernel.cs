using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Diffusion.Verify.Numerics.Vectorization;

namespace Diffusion.Verify.Targets;

/// <summary>
/// The isotropic-mixture score kernel at the width <see cref="Simd.Width"/> selects: each entry point
/// dispatches once to <see cref="IsotropicMixtureKernel{TWidth, TVector}"/> (the switch on a static readonly
/// value folds to a direct call).
/// </summary>
internal static class IsotropicMixtureKernel
{
    /// <summary>x·y by the sequence every dot product here uses.</summary>
    public static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y) => Simd.Width switch
    {
        SimdWidth.Vector512 => IsotropicMixtureKernel<Width512, Vector512<double>>.Dot(x, y),
        SimdWidth.Vector256 => IsotropicMixtureKernel<Width256, Vector256<double>>.Dot(x, y),
        SimdWidth.Vector128 => IsotropicMixtureKernel<Width128, Vector128<double>>.Dot(x, y),
        _ => IsotropicMixtureKernel<WidthScalar, double>.Dot(x, y),
    };

    /// <inheritdoc cref="IsotropicMixtureKernel{TWidth, TVector}.DotsWithRows4"/>
    public static void DotsWithRows4(ref double x, int d, ReadOnlySpan<double> means, int components, ref double dots, int stride)
    {
        switch (Simd.Width)
        {
            case SimdWidth.Vector512: IsotropicMixtureKernel<Width512, Vector512<double>>.DotsWithRows4(ref x, d, means, components, ref dots, stride); break;
            case SimdWidth.Vector256: IsotropicMixtureKernel<Width256, Vector256<double>>.DotsWithRows4(ref x, d, means, components, ref dots, stride); break;
            case SimdWidth.Vector128: IsotropicMixtureKernel<Width128, Vector128<double>>.DotsWithRows4(ref x, d, means, components, ref dots, stride); break;
            default: IsotropicMixtureKernel<WidthScalar, double>.DotsWithRows4(ref x, d, means, components, ref dots, stride); break;
        }
    }

    /// <inheritdoc cref="IsotropicMixtureKernel{TWidth, TVector}.DotsWithRows1"/>
    public static void DotsWithRows1(ref double x, int d, ReadOnlySpan<double> means, int components, ref double dots)
    {
        switch (Simd.Width)
        {
            case SimdWidth.Vector512: IsotropicMixtureKernel<Width512, Vector512<double>>.DotsWithRows1(ref x, d, means, components, ref dots); break;
            case SimdWidth.Vector256: IsotropicMixtureKernel<Width256, Vector256<double>>.DotsWithRows1(ref x, d, means, components, ref dots); break;
            case SimdWidth.Vector128: IsotropicMixtureKernel<Width128, Vector128<double>>.DotsWithRows1(ref x, d, means, components, ref dots); break;
            default: IsotropicMixtureKernel<WidthScalar, double>.DotsWithRows1(ref x, d, means, components, ref dots); break;
        }
    }

    /// <inheritdoc cref="IsotropicMixtureKernel{TWidth, TVector}.ScoreBlock"/>
    public static void ScoreBlock(ref double x, int rows, int chunk, int d, ReadOnlySpan<double> means, int components, double alphaBar, ref double scratch, in ScoreChunkLayout layout, Span<double> score, Span<double> logDensity)
    {
        switch (Simd.Width)
        {
            case SimdWidth.Vector512: IsotropicMixtureKernel<Width512, Vector512<double>>.ScoreBlock(ref x, rows, chunk, d, means, components, alphaBar, ref scratch, layout, score, logDensity); break;
            case SimdWidth.Vector256: IsotropicMixtureKernel<Width256, Vector256<double>>.ScoreBlock(ref x, rows, chunk, d, means, components, alphaBar, ref scratch, layout, score, logDensity); break;
            case SimdWidth.Vector128: IsotropicMixtureKernel<Width128, Vector128<double>>.ScoreBlock(ref x, rows, chunk, d, means, components, alphaBar, ref scratch, layout, score, logDensity); break;
            default: IsotropicMixtureKernel<WidthScalar, double>.ScoreBlock(ref x, rows, chunk, d, means, components, alphaBar, ref scratch, layout, score, logDensity); break;
        }
    }

    /// <inheritdoc cref="IsotropicMixtureKernel{TWidth, TVector}.ScoreChunk"/>
    public static void ScoreChunk(ref double x, int n, int d, ReadOnlySpan<double> means, int components, double alphaBar, ref double scratch, in ScoreChunkLayout layout, ref double score, bool withScore, bool withLogDensity)
    {
        switch (Simd.Width)
        {
            case SimdWidth.Vector512: IsotropicMixtureKernel<Width512, Vector512<double>>.ScoreChunk(ref x, n, d, means, components, alphaBar, ref scratch, layout, ref score, withScore, withLogDensity); break;
            case SimdWidth.Vector256: IsotropicMixtureKernel<Width256, Vector256<double>>.ScoreChunk(ref x, n, d, means, components, alphaBar, ref scratch, layout, ref score, withScore, withLogDensity); break;
            case SimdWidth.Vector128: IsotropicMixtureKernel<Width128, Vector128<double>>.ScoreChunk(ref x, n, d, means, components, alphaBar, ref scratch, layout, ref score, withScore, withLogDensity); break;
            default: IsotropicMixtureKernel<WidthScalar, double>.ScoreChunk(ref x, n, d, means, components, alphaBar, ref scratch, layout, ref score, withScore, withLogDensity); break;
        }
    }

    /// <summary>g = a μ + b x in one pass, each element fma(b, x, a μ).</summary>
    public static void Gradient(ReadOnlySpan<double> x, ReadOnlySpan<double> mean, double a, double b, Span<double> g)
    {
        switch (Simd.Width)
        {
            case SimdWidth.Vector512: IsotropicMixtureKernel<Width512, Vector512<double>>.Gradient(x, mean, a, b, g); break;
            case SimdWidth.Vector256: IsotropicMixtureKernel<Width256, Vector256<double>>.Gradient(x, mean, a, b, g); break;
            case SimdWidth.Vector128: IsotropicMixtureKernel<Width128, Vector128<double>>.Gradient(x, mean, a, b, g); break;
            default: IsotropicMixtureKernel<WidthScalar, double>.Gradient(x, mean, a, b, g); break;
        }
    }
}

/// <summary>
/// Offsets in an isotropic mixture's scratch: five per-level constant vectors of K at slots 0–4 × K, then a
/// chunk's weights and coefficients, component-major (component k's values for the chunk's rows at
/// k·<see cref="RowStride"/> ..), and three per-row scalars. <see cref="RowStride"/> is the chunk's row
/// count rounded up to the vector width, so the softmax can take a vector of rows at a time.
/// </summary>
internal readonly record struct ScoreChunkLayout(int Weights, int Coefficients, int SquaredNorm, int Kappa, int LogNormaliser, int RowStride)
{
    public const int InverseVarianceSlot = 0;
    public const int HalfInverseVarianceSlot = 1;
    public const int LogitConstantSlot = 2;
    public const int MeanTermSlot = 3;
    public const int MeanCoefficientSlot = 4;
    public const int LevelSlots = 5;
}

/// <summary>
/// The two small matrix products of an isotropic-mixture score over a block of rows — the dot products
/// x·μ_k (X·Mᵀ, rows × K) and the combination −κ x + Σ_k c_k μ_k (−κ∘X + C·M, rows × d) — and the
/// softmax between them with its vector exponential, written once for every vector width.
/// <para>
/// Register-blocked like a GEMM micro-kernel. At 512 bits (32 registers) the dot products go 4 rows × 4
/// components per pass (8 loads feed 16 FMAs) and the combination 4 rows × 4 vectors; at narrower widths
/// (16 registers on AVX2) 4 rows × 2 components and 4 rows × 2 vectors, so no accumulator spills. Every
/// dot product follows one fixed sequence at a given width — FMA accumulation over the full vectors of
/// coordinates in order, the width's reduction tree, then scalar FMAs over the tail — and every output
/// coordinate of the combination the same chain of FMAs over k at every width. So a row's result depends
/// only on the row and the width, never on which rows share its pass: bit-identical across block sizes
/// and thread counts. Nothing reduces across rows.
/// </para>
/// <para>
/// The methods are compiled fully optimised at their first call (AggressiveOptimization): at tier 0 every
/// TWidth operation is a call of its own, 5–20× slower, and a run shorter than the runtime's tier-up delay
/// (100 ms of quiet, then a background compile) could finish at tier 0 — measured: 3 of 6 runs of the
/// d = 16, K = 2 benchmark ran 5–20× slow.
/// </para>
/// </summary>
internal static class IsotropicMixtureKernel<TWidth, TVector>
    where TWidth : struct, ISimdWidth<TVector>
    where TVector : struct
{
    /// <summary>Whether a dot-product block also accumulates the rows' squared norms, known when the JIT compiles it.</summary>
    private interface INormsFlag
    {
        static abstract bool Value { get; }
    }

    private readonly struct WithNorms : INormsFlag
    {
        public static bool Value => true;
    }

    private readonly struct WithoutNorms : INormsFlag
    {
        public static bool Value => false;
    }

    /// <summary>
    /// eˣ lane by lane, within 1 ulp of <see cref="Math.Exp"/> (measured over [−745, 700]): x = n ln 2 + r with |r| ≤ ½ ln 2
    /// (two-part ln 2 by FMA), e^r by its Taylor polynomial of degree 13 (truncation &lt; 5e−18 relative),
    /// scaled by 2^⌊n/2⌋ · 2^(n−⌊n/2⌋) so that results down to the subnormals round once. Every
    /// operation is lane-wise, so the result is the same at every width.
    /// <para>
    /// Written out because the library's vector exponentials use "fused if the JIT feels like it"
    /// multiply-adds, whose bits change when a method is recompiled at a higher tier — which would make a
    /// row's result depend on how long the process has run. Every operation here has one defined result.
    /// </para>
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector Exp(TVector x)
    {
        // Beyond these bounds eˣ is 0 or ∞ anyway; the clamp keeps n inside the exponent range. NaN stays NaN:
        // x is the second operand (one instruction each, where the IEEE minimum and maximum take eight).
        x = TWidth.MinNative(TWidth.Create(710.0), TWidth.MaxNative(TWidth.Create(-746.0), x));
        TVector n = TWidth.Round(TWidth.Multiply(x, TWidth.Create(1.4426950408889634)));
        TVector r = TWidth.FusedMultiplyAdd(n, TWidth.Create(-6.93147180369123816490e-01), x);
        r = TWidth.FusedMultiplyAdd(n, TWidth.Create(-1.90821492927058770002e-10), r);
        TVector p = TWidth.Create(1.0 / 6227020800.0);
        p = TWidth.FusedMultiplyAdd(p, r, TWidth.Create(1.0 / 479001600.0));
        p = TWidth.FusedMultiplyAdd(p, r, TWidth.Create(1.0 / 39916800.0));
        p = TWidth.FusedMultiplyAdd(p, r, TWidth.Create(1.0 / 3628800.0));
        p = TWidth.FusedMultiplyAdd(p, r, TWidth.Create(1.0 / 362880.0));
        p = TWidth.FusedMultiplyAdd(p, r, TWidth.Create(1.0 / 40320.0));
        p = TWidth.FusedMultiplyAdd(p, r, TWidth.Create(1.0 / 5040.0));
        p = TWidth.FusedMultiplyAdd(p, r, TWidth.Create(1.0 / 720.0));
        p = TWidth.FusedMultiplyAdd(p, r, TWidth.Create(1.0 / 120.0));
        p = TWidth.FusedMultiplyAdd(p, r, TWidth.Create(1.0 / 24.0));
        p = TWidth.FusedMultiplyAdd(p, r, TWidth.Create(1.0 / 6.0));
        p = TWidth.FusedMultiplyAdd(p, r, TWidth.Create(0.5));
        p = TWidth.FusedMultiplyAdd(p, r, TWidth.Create(1.0));
        p = TWidth.FusedMultiplyAdd(p, r, TWidth.Create(1.0));

        // Where n ≤ −1076 (x clamped at −746: a component more than 746 nats below the best, common at
        // K = 2 late in a run), p·2ⁿ < 2⁻¹⁰⁷⁵ rounds to +0. Such lanes are scaled by 2⁰ and then cleared
        // instead: letting the multiply underflow gives the same +0 but costs a microcode assist on x86
        // (measured: 4× the whole exponential's time on this project's AMD EPYC).
        TVector zero = TWidth.LessThan(n, TWidth.Create(-1075.5));
        TVector scale = TWidth.AndNot(n, zero);
        TVector half = TWidth.Floor(TWidth.Multiply(scale, TWidth.Create(0.5)));
        TVector rest = TWidth.Subtract(scale, half);
        return TWidth.AndNot(TWidth.Multiply(TWidth.Multiply(p, TWidth.PowerOfTwo(half)), TWidth.PowerOfTwo(rest)), zero);
    }

    /// <summary>g = a μ + b x, each element fma(b, x, a μ) (lane-wise: the same at every width).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Gradient(ReadOnlySpan<double> x, ReadOnlySpan<double> mean, double a, double b, Span<double> g)
    {
        int d = x.Length;
        int lanes = TWidth.Lanes;
        ref double xr = ref MemoryMarshal.GetReference(x);
        ref double mr = ref MemoryMarshal.GetReference(mean);
        ref double gr = ref MemoryMarshal.GetReference(g);
        TVector va = TWidth.Create(a);
        TVector vb = TWidth.Create(b);
        int i = 0;
        for (; i + lanes <= d; i += lanes)
        {
            TWidth.Store(TWidth.FusedMultiplyAdd(vb, TWidth.Load(ref Unsafe.Add(ref xr, i)), TWidth.Multiply(va, TWidth.Load(ref Unsafe.Add(ref mr, i)))), ref Unsafe.Add(ref gr, i));
        }

        for (; i < d; i++)
        {
            Unsafe.Add(ref gr, i) = Math.FusedMultiplyAdd(b, Unsafe.Add(ref xr, i), a * Unsafe.Add(ref mr, i));
        }
    }

    /// <summary>x·y by the sequence every dot product here uses.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        int d = x.Length;
        ref double xr = ref MemoryMarshal.GetReference(x);
        ref double yr = ref MemoryMarshal.GetReference(y);
        int lanes = TWidth.Lanes;
        int i = 0;
        TVector a = TWidth.Zero;
        for (; i + lanes <= d; i += lanes)
        {
            a = TWidth.FusedMultiplyAdd(TWidth.Load(ref Unsafe.Add(ref xr, i)), TWidth.Load(ref Unsafe.Add(ref yr, i)), a);
        }

        return Tail(ref xr, ref yr, i, d, TWidth.Sum(a));
    }

    /// <summary>Continues the sum with scalar FMAs x_j y_j over coordinates [i, d).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Tail(ref double x, ref double y, int i, int d, double sum)
    {
        for (; i < d; i++)
        {
            sum = Math.FusedMultiplyAdd(Unsafe.Add(ref x, i), Unsafe.Add(ref y, i), sum);
        }

        return sum;
    }

    /// <summary>
    /// |x_r|² for 4 rows (x_r = x[r d ..]) into norms[0..4): four independent chains, each the sequence of
    /// <see cref="Dot"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SquaredNorms4(ref double x, int d, ref double norms)
    {
        int lanes = TWidth.Lanes;
        TVector a0 = TWidth.Zero, a1 = TWidth.Zero, a2 = TWidth.Zero, a3 = TWidth.Zero;
        ref double x1 = ref Unsafe.Add(ref x, d);
        ref double x2 = ref Unsafe.Add(ref x, 2 * d);
        ref double x3 = ref Unsafe.Add(ref x, 3 * d);
        int i = 0;
        for (; i + lanes <= d; i += lanes)
        {
            TVector v0 = TWidth.Load(ref Unsafe.Add(ref x, i));
            TVector v1 = TWidth.Load(ref Unsafe.Add(ref x1, i));
            TVector v2 = TWidth.Load(ref Unsafe.Add(ref x2, i));
            TVector v3 = TWidth.Load(ref Unsafe.Add(ref x3, i));
            a0 = TWidth.FusedMultiplyAdd(v0, v0, a0);
            a1 = TWidth.FusedMultiplyAdd(v1, v1, a1);
            a2 = TWidth.FusedMultiplyAdd(v2, v2, a2);
            a3 = TWidth.FusedMultiplyAdd(v3, v3, a3);
        }

        TWidth.Sum4(a0, a1, a2, a3, ref norms);
        if (i < d)
        {
            NormsTail(ref x, d, i, ref norms);
        }
    }

    /// <summary>
    /// dots[r·stride + k] = x_r·μ_k for 4 rows (x_r = x[r d ..]) and all K components, register-blocked
    /// (4 rows × 4 components per pass at 512 bits, 4 × 2 below), the leftover components 4 rows × 1.
    /// Every dot product is the sequence of <see cref="Dot"/>, so a row's values do not depend on the rows it
    /// shares a pass with or on the blocking.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DotsWithRows4(ref double x, int d, ReadOnlySpan<double> means, int components, ref double dots, int stride)
        => DotsWithRows4From(0, ref x, d, means, components, ref dots, stride, 1);

    /// <summary>
    /// <see cref="SquaredNorms4"/> and <see cref="DotsWithRows4"/> together: the squared norms ride along in
    /// the first register block of components (4 more accumulators; at 256 bits 8 + 4 + 3 of 16
    /// registers), so x is read once for both instead of twice. Each norm and dot product is computed by
    /// exactly the sequence of the separate kernels, so the results are bit for bit theirs.
    /// </summary>
    /// <param name="rowStride">dots[r·rowStride + k·componentStride] = x_r·μ_k; one of the two strides is 1.</param>
    /// <param name="componentStride">See <paramref name="rowStride"/>.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void NormsAndDotsWithRows4(ref double x, int d, ReadOnlySpan<double> means, int components, ref double dots, int rowStride, int componentStride, ref double norms)
    {
        ref double m = ref MemoryMarshal.GetReference(means);
        // K = 2 or 3 at 512 bits take the 4 × 2 block too: x read once for the norms and two components
        // rather than once per component and once more for the norms (same sequences, so the same bits).
        int first = TWidth.WideRegisterBlocks && components >= 4 ? 4 : 2;
        if (components < first)
        {
            SquaredNorms4(ref x, d, ref norms);
            DotsWithRows4From(0, ref x, d, means, components, ref dots, rowStride, componentStride);
            return;
        }

        if (first == 4)
        {
            DotsBlock4x4<WithNorms>(ref x, d, ref m, ref dots, rowStride, componentStride, ref norms);
        }
        else
        {
            DotsBlock4x2<WithNorms>(ref x, d, ref m, ref dots, rowStride, componentStride, ref norms);
        }

        if (first < components)
        {
            DotsWithRows4From(first, ref x, d, means, components, ref dots, rowStride, componentStride);
        }
    }

    /// <summary><see cref="DotsWithRows4"/> for components [k, K), with the same blocks from k on.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DotsWithRows4From(int k, ref double x, int d, ReadOnlySpan<double> means, int components, ref double dots, int rowStride, int componentStride)
    {
        ref double m = ref MemoryMarshal.GetReference(means);
        if (TWidth.WideRegisterBlocks)
        {
            for (; k + 4 <= components; k += 4)
            {
                DotsBlock4x4<WithoutNorms>(ref x, d, ref Unsafe.Add(ref m, k * d), ref Unsafe.Add(ref dots, k * componentStride), rowStride, componentStride, ref Unsafe.NullRef<double>());
            }
        }
        else
        {
            for (; k + 2 <= components; k += 2)
            {
                DotsBlock4x2<WithoutNorms>(ref x, d, ref Unsafe.Add(ref m, k * d), ref Unsafe.Add(ref dots, k * componentStride), rowStride, componentStride, ref Unsafe.NullRef<double>());
            }
        }

        for (; k < components; k++)
        {
            ColumnDots4(ref x, d, ref Unsafe.Add(ref m, k * d), ref Unsafe.Add(ref dots, k * componentStride), rowStride);
        }
    }

    /// <summary>
    /// o[r·rowStride + j·componentStride] = x_r·p_j for 4 rows and 4 components p_j = p[j d ..] (16 accumulators), and with
    /// <typeparamref name="TNorms"/> the 4 rows' squared norms too (4 more accumulators, so x is read once for both;
    /// the JIT compiles each flag separately and drops the dead branch).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DotsBlock4x4<TNorms>(ref double x, int d, ref double p0, ref double o, int rowStride, int componentStride, ref double norms)
        where TNorms : struct, INormsFlag
    {
        int lanes = TWidth.Lanes;
        ref double p1 = ref Unsafe.Add(ref p0, d);
        ref double p2 = ref Unsafe.Add(ref p0, 2 * d);
        ref double p3 = ref Unsafe.Add(ref p0, 3 * d);
        ref double x0 = ref x;
        ref double x1 = ref Unsafe.Add(ref x, d);
        ref double x2 = ref Unsafe.Add(ref x, 2 * d);
        ref double x3 = ref Unsafe.Add(ref x, 3 * d);
        TVector a00 = TWidth.Zero, a01 = TWidth.Zero, a02 = TWidth.Zero, a03 = TWidth.Zero;
        TVector a10 = TWidth.Zero, a11 = TWidth.Zero, a12 = TWidth.Zero, a13 = TWidth.Zero;
        TVector a20 = TWidth.Zero, a21 = TWidth.Zero, a22 = TWidth.Zero, a23 = TWidth.Zero;
        TVector a30 = TWidth.Zero, a31 = TWidth.Zero, a32 = TWidth.Zero, a33 = TWidth.Zero;
        TVector n0 = TWidth.Zero, n1 = TWidth.Zero, n2 = TWidth.Zero, n3 = TWidth.Zero;
        int i = 0;
        for (; i + lanes <= d; i += lanes)
        {
            TVector m0 = TWidth.Load(ref Unsafe.Add(ref p0, i));
            TVector m1 = TWidth.Load(ref Unsafe.Add(ref p1, i));
            TVector m2 = TWidth.Load(ref Unsafe.Add(ref p2, i));
            TVector m3 = TWidth.Load(ref Unsafe.Add(ref p3, i));
            TVector xv = TWidth.Load(ref Unsafe.Add(ref x0, i));
            a00 = TWidth.FusedMultiplyAdd(xv, m0, a00);
            a01 = TWidth.FusedMultiplyAdd(xv, m1, a01);
            a02 = TWidth.FusedMultiplyAdd(xv, m2, a02);
            a03 = TWidth.FusedMultiplyAdd(xv, m3, a03);
            if (TNorms.Value)
            {
                n0 = TWidth.FusedMultiplyAdd(xv, xv, n0);
            }
            xv = TWidth.Load(ref Unsafe.Add(ref x1, i));
            a10 = TWidth.FusedMultiplyAdd(xv, m0, a10);
            a11 = TWidth.FusedMultiplyAdd(xv, m1, a11);
            a12 = TWidth.FusedMultiplyAdd(xv, m2, a12);
            a13 = TWidth.FusedMultiplyAdd(xv, m3, a13);
            if (TNorms.Value)
            {
                n1 = TWidth.FusedMultiplyAdd(xv, xv, n1);
            }
            xv = TWidth.Load(ref Unsafe.Add(ref x2, i));
            a20 = TWidth.FusedMultiplyAdd(xv, m0, a20);
            a21 = TWidth.FusedMultiplyAdd(xv, m1, a21);
            a22 = TWidth.FusedMultiplyAdd(xv, m2, a22);
            a23 = TWidth.FusedMultiplyAdd(xv, m3, a23);
            if (TNorms.Value)
            {
                n2 = TWidth.FusedMultiplyAdd(xv, xv, n2);
            }
            xv = TWidth.Load(ref Unsafe.Add(ref x3, i));
            a30 = TWidth.FusedMultiplyAdd(xv, m0, a30);
            a31 = TWidth.FusedMultiplyAdd(xv, m1, a31);
            a32 = TWidth.FusedMultiplyAdd(xv, m2, a32);
            a33 = TWidth.FusedMultiplyAdd(xv, m3, a33);
            if (TNorms.Value)
            {
                n3 = TWidth.FusedMultiplyAdd(xv, xv, n3);
            }

        }

        if (componentStride == 1)
        {
            TWidth.Sum4(a00, a01, a02, a03, ref o);
            TWidth.Sum4(a10, a11, a12, a13, ref Unsafe.Add(ref o, rowStride));
            TWidth.Sum4(a20, a21, a22, a23, ref Unsafe.Add(ref o, 2 * rowStride));
            TWidth.Sum4(a30, a31, a32, a33, ref Unsafe.Add(ref o, 3 * rowStride));
        }
        else
        {
            // Rows contiguous (rowStride = 1): each Sum4 gathers one component's 4 rows.
            TWidth.Sum4(a00, a10, a20, a30, ref o);
            TWidth.Sum4(a01, a11, a21, a31, ref Unsafe.Add(ref o, componentStride));
            TWidth.Sum4(a02, a12, a22, a32, ref Unsafe.Add(ref o, 2 * componentStride));
            TWidth.Sum4(a03, a13, a23, a33, ref Unsafe.Add(ref o, 3 * componentStride));
        }
        if (TNorms.Value)
        {
            TWidth.Sum4(n0, n1, n2, n3, ref norms);
        }

        if (i < d)
        {
            BlockTail(ref x, d, ref p0, 4, i, ref o, rowStride, componentStride);
            if (TNorms.Value)
            {
                NormsTail(ref x, d, i, ref norms);
            }
        }
    }



    /// <summary>Continues the 4 rows' squared norms with scalar FMAs over [i, d), as <see cref="SquaredNorms4"/> does.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void NormsTail(ref double x, int d, int i, ref double norms)
    {
        for (int row = 0; row < 4; row++)
        {
            ref double xr = ref Unsafe.Add(ref x, row * d);
            Unsafe.Add(ref norms, row) = Tail(ref xr, ref xr, i, d, Unsafe.Add(ref norms, row));
        }
    }

    /// <summary>
    /// o[r·rowStride + j·componentStride] = x_r·p_j for 4 rows and 2 components (8 accumulators, for 16-register machines), and with
    /// <typeparamref name="TNorms"/> the 4 rows' squared norms too (4 more accumulators, so x is read once for both;
    /// the JIT compiles each flag separately and drops the dead branch).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DotsBlock4x2<TNorms>(ref double x, int d, ref double p0, ref double o, int rowStride, int componentStride, ref double norms)
        where TNorms : struct, INormsFlag
    {
        int lanes = TWidth.Lanes;
        ref double p1 = ref Unsafe.Add(ref p0, d);
        ref double x0 = ref x;
        ref double x1 = ref Unsafe.Add(ref x, d);
        ref double x2 = ref Unsafe.Add(ref x, 2 * d);
        ref double x3 = ref Unsafe.Add(ref x, 3 * d);
        TVector a00 = TWidth.Zero, a01 = TWidth.Zero, a10 = TWidth.Zero, a11 = TWidth.Zero;
        TVector a20 = TWidth.Zero, a21 = TWidth.Zero, a30 = TWidth.Zero, a31 = TWidth.Zero;
        TVector n0 = TWidth.Zero, n1 = TWidth.Zero, n2 = TWidth.Zero, n3 = TWidth.Zero;
        int i = 0;
        for (; i + lanes <= d; i += lanes)
        {
            TVector m0 = TWidth.Load(ref Unsafe.Add(ref p0, i));
            TVector m1 = TWidth.Load(ref Unsafe.Add(ref p1, i));
            TVector xv = TWidth.Load(ref Unsafe.Add(ref x0, i));
            a00 = TWidth.FusedMultiplyAdd(xv, m0, a00);
            a01 = TWidth.FusedMultiplyAdd(xv, m1, a01);
            if (TNorms.Value)
            {
                n0 = TWidth.FusedMultiplyAdd(xv, xv, n0);
            }
            xv = TWidth.Load(ref Unsafe.Add(ref x1, i));
            a10 = TWidth.FusedMultiplyAdd(xv, m0, a10);
            a11 = TWidth.FusedMultiplyAdd(xv, m1, a11);
            if (TNorms.Value)
            {
                n1 = TWidth.FusedMultiplyAdd(xv, xv, n1);
            }
            xv = TWidth.Load(ref Unsafe.Add(ref x2, i));
            a20 = TWidth.FusedMultiplyAdd(xv, m0, a20);
            a21 = TWidth.FusedMultiplyAdd(xv, m1, a21);
            if (TNorms.Value)
            {
                n2 = TWidth.FusedMultiplyAdd(xv, xv, n2);
            }
            xv = TWidth.Load(ref Unsafe.Add(ref x3, i));
            a30 = TWidth.FusedMultiplyAdd(xv, m0, a30);
            a31 = TWidth.FusedMultiplyAdd(xv, m1, a31);
            if (TNorms.Value)
            {
                n3 = TWidth.FusedMultiplyAdd(xv, xv, n3);
            }

        }

        if (rowStride == 1)
        {
            // Rows contiguous (the softmax's component-major layout): each Sum4 stores one component's 4 rows
            // as one vector, which the softmax then loads whole (from 4 scalar stores it could not be forwarded).
            TWidth.Sum4(a00, a10, a20, a30, ref o);
            TWidth.Sum4(a01, a11, a21, a31, ref Unsafe.Add(ref o, componentStride));
        }
        else
        {
            Span<double> sums = stackalloc double[8];
            ref double s = ref MemoryMarshal.GetReference(sums);
            TWidth.Sum4(a00, a01, a10, a11, ref s);
            TWidth.Sum4(a20, a21, a30, a31, ref Unsafe.Add(ref s, 4));
            for (int r = 0; r < 4; r++)
            {
                Unsafe.Add(ref o, r * rowStride) = Unsafe.Add(ref s, 2 * r);
                Unsafe.Add(ref o, (r * rowStride) + componentStride) = Unsafe.Add(ref s, (2 * r) + 1);
            }
        }

        if (TNorms.Value)
        {
            TWidth.Sum4(n0, n1, n2, n3, ref norms);
        }

        if (i < d)
        {
            BlockTail(ref x, d, ref p0, 2, i, ref o, rowStride, componentStride);
            if (TNorms.Value)
            {
                NormsTail(ref x, d, i, ref norms);
            }
        }
    }

    /// <summary>Continues o[r·rowStride + j·componentStride] (4 rows × <paramref name="count"/> components) with scalar FMAs over [i, d).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BlockTail(ref double x, int d, ref double p0, int count, int i, ref double o, int rowStride, int componentStride)
    {
        for (int r = 0; r < 4; r++)
        {
            ref double xr = ref Unsafe.Add(ref x, r * d);
            for (int j = 0; j < count; j++)
            {
                ref double target = ref Unsafe.Add(ref o, (r * rowStride) + (j * componentStride));
                target = Tail(ref xr, ref Unsafe.Add(ref p0, j * d), i, d, target);
            }
        }
    }

    /// <summary>
    /// output[r·stride] = x_r·p for 4 rows x_r = x[r d ..]: four chains, each the sequence of <see cref="Dot"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ColumnDots4(ref double x, int d, ref double p, ref double output, int stride)
    {
        int lanes = TWidth.Lanes;
        ref double x1 = ref Unsafe.Add(ref x, d);
        ref double x2 = ref Unsafe.Add(ref x, 2 * d);
        ref double x3 = ref Unsafe.Add(ref x, 3 * d);
        TVector a0 = TWidth.Zero, a1 = TWidth.Zero, a2 = TWidth.Zero, a3 = TWidth.Zero;
        int i = 0;
        for (; i + lanes <= d; i += lanes)
        {
            TVector pv = TWidth.Load(ref Unsafe.Add(ref p, i));
            a0 = TWidth.FusedMultiplyAdd(TWidth.Load(ref Unsafe.Add(ref x, i)), pv, a0);
            a1 = TWidth.FusedMultiplyAdd(TWidth.Load(ref Unsafe.Add(ref x1, i)), pv, a1);
            a2 = TWidth.FusedMultiplyAdd(TWidth.Load(ref Unsafe.Add(ref x2, i)), pv, a2);
            a3 = TWidth.FusedMultiplyAdd(TWidth.Load(ref Unsafe.Add(ref x3, i)), pv, a3);
        }

        Span<double> sums = stackalloc double[4];
        ref double s = ref MemoryMarshal.GetReference(sums);
        TWidth.Sum4(a0, a1, a2, a3, ref s);
        for (int r = 0; r < 4; r++)
        {
            Unsafe.Add(ref output, r * stride) = Tail(ref Unsafe.Add(ref x, r * d), ref p, i, d, Unsafe.Add(ref s, r));
        }
    }

    /// <summary>One row of <see cref="DotsWithRows4"/>, by the same sequence (4 components per pass): dots[k·componentStride] = x·μ_k.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DotsWithRows1(ref double x, int d, ReadOnlySpan<double> means, int components, ref double dots, int componentStride = 1)
    {
        Span<double> sums4 = stackalloc double[4];
        int lanes = TWidth.Lanes;
        ref double m = ref MemoryMarshal.GetReference(means);
        int k = 0;
        for (; k + 4 <= components; k += 4)
        {
            ref double p0 = ref Unsafe.Add(ref m, k * d);
            ref double p1 = ref Unsafe.Add(ref p0, d);
            ref double p2 = ref Unsafe.Add(ref p0, 2 * d);
            ref double p3 = ref Unsafe.Add(ref p0, 3 * d);
            TVector a0 = TWidth.Zero, a1 = TWidth.Zero, a2 = TWidth.Zero, a3 = TWidth.Zero;
            int i = 0;
            for (; i + lanes <= d; i += lanes)
            {
                TVector xv = TWidth.Load(ref Unsafe.Add(ref x, i));
                a0 = TWidth.FusedMultiplyAdd(xv, TWidth.Load(ref Unsafe.Add(ref p0, i)), a0);
                a1 = TWidth.FusedMultiplyAdd(xv, TWidth.Load(ref Unsafe.Add(ref p1, i)), a1);
                a2 = TWidth.FusedMultiplyAdd(xv, TWidth.Load(ref Unsafe.Add(ref p2, i)), a2);
                a3 = TWidth.FusedMultiplyAdd(xv, TWidth.Load(ref Unsafe.Add(ref p3, i)), a3);
            }

            Span<double> sums = sums4;
            ref double o = ref MemoryMarshal.GetReference(sums);
            TWidth.Sum4(a0, a1, a2, a3, ref o);
            for (int j = 0; j < 4; j++)
            {
                Unsafe.Add(ref dots, (k + j) * componentStride) = i < d ? Tail(ref x, ref Unsafe.Add(ref p0, j * d), i, d, Unsafe.Add(ref o, j)) : Unsafe.Add(ref o, j);
            }
        }

        for (; k < components; k++)
        {
            Unsafe.Add(ref dots, k * componentStride) = Dot(MemoryMarshal.CreateReadOnlySpan(ref x, d), means.Slice(k * d, d));
        }
    }

    /// <summary>
    /// <see cref="ScoreChunk"/> over a block of rows, <paramref name="chunk"/> rows at a time (one dispatch per
    /// block, not per chunk), with ln q_t(x) per row into <paramref name="logDensity"/> unless it is empty.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ScoreBlock(ref double x, int rows, int chunk, int d, ReadOnlySpan<double> means, int k, double alphaBar, ref double s, in ScoreChunkLayout layout, Span<double> score, Span<double> logDensity)
    {
        bool withScore = !score.IsEmpty;
        bool withLogDensity = !logDensity.IsEmpty;
        ref double output = ref MemoryMarshal.GetReference(score);
        for (int first = 0; first < rows; first += chunk)
        {
            int n = Math.Min(chunk, rows - first);
            ScoreChunk(ref Unsafe.Add(ref x, first * d), n, d, means, k, alphaBar, ref s, layout, ref Unsafe.Add(ref output, first * d), withScore, withLogDensity);
            if (withLogDensity)
            {
                MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref s, layout.LogNormaliser), n).CopyTo(logDensity.Slice(first, n));
            }
        }
    }

    /// <summary>
    /// For n ≤ chunk rows: per row the posterior weights w_k, the score coefficients w_k √ᾱ / v_k,
    /// κ = Σ_k w_k / v_k and (when <paramref name="withLogDensity"/>; else the largest logit) ln q_t(x) into
    /// the chunk area of the scratch, and (when <paramref name="withScore"/>) the score
    /// s = −κ x + Σ_k (w_k √ᾱ / v_k) μ_k. Logits are ln π_k − ½ d ln(2π v_k) − |x − √ᾱ μ_k|² / (2 v_k) with
    /// the squared distance formed as |x|² − 2√ᾱ x·μ_k + ᾱ|μ_k|² and clamped at 0 against cancellation. The
    /// level constants must be in the scratch's first five slots.
    /// <para>
    /// The softmax runs across rows: a vector holds one component's values for a vector of rows (the dot
    /// products are stored component-major for that), so its maximum, exponentials, sums, the division and
    /// κ are lane-wise operations over the components in order k = 0, 1, …, K−1 — no padding components,
    /// no reductions across lanes, one division per vector of rows. Each row's softmax is therefore the
    /// same sequence at every width (and in the rows a vector carries beyond n, whose values are ignored).
    /// </para>
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ScoreChunk(ref double x0, int n, int d, ReadOnlySpan<double> means, int k, double alphaBar, ref double s, in ScoreChunkLayout layout, ref double score, bool withScore, bool withLogDensity)
    {
        int lanes = TWidth.Lanes;
        int rs = layout.RowStride;
        int row = 0;
        for (; row + 4 <= n; row += 4)
        {
            NormsAndDotsWithRows4(ref Unsafe.Add(ref x0, row * d), d, means, k, ref Unsafe.Add(ref s, layout.Weights + row), 1, rs, ref Unsafe.Add(ref s, layout.SquaredNorm + row));
        }

        for (; row < n; row++)
        {
            ReadOnlySpan<double> xr = MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref x0, row * d), d);
            Unsafe.Add(ref s, layout.SquaredNorm + row) = Dot(xr, xr);
            DotsWithRows1(ref Unsafe.Add(ref x0, row * d), d, means, k, ref Unsafe.Add(ref s, layout.Weights + row), rs);
        }

        ref double inverseVariance = ref Unsafe.Add(ref s, ScoreChunkLayout.InverseVarianceSlot * k);
        ref double halfInverseVariance = ref Unsafe.Add(ref s, ScoreChunkLayout.HalfInverseVarianceSlot * k);
        ref double logitConstant = ref Unsafe.Add(ref s, ScoreChunkLayout.LogitConstantSlot * k);
        ref double meanTerm = ref Unsafe.Add(ref s, ScoreChunkLayout.MeanTermSlot * k);
        ref double meanCoefficient = ref Unsafe.Add(ref s, ScoreChunkLayout.MeanCoefficientSlot * k);
        TVector twoRootAlphaBar = TWidth.Create(2 * Math.Sqrt(alphaBar));

        // Three passes over the chunk's vectors of rows rather than one: each pass's work for one vector is a
        // short chain independent of the next vector's, so the core overlaps several vectors' latencies (the
        // exponential's above all); one pass doing all three kept about one vector in flight. The largest
        // logit and Σ e wait in the ln q and κ slots between passes.
        // Logits, and their maximum over the components.
        for (int r = 0; r < n; r += lanes)
        {
            ref double values = ref Unsafe.Add(ref s, layout.Weights + r);
            TVector squaredNorm = TWidth.Load(ref Unsafe.Add(ref s, layout.SquaredNorm + r));
            TVector max = TWidth.Create(double.NegativeInfinity);
            for (int c = 0; c < k; c++)
            {
                ref double v = ref Unsafe.Add(ref values, c * rs);
                TVector distance2 = TWidth.MaxNative(TWidth.Zero, TWidth.Add(TWidth.Subtract(squaredNorm, TWidth.Multiply(twoRootAlphaBar, TWidth.Load(ref v))), TWidth.Create(Unsafe.Add(ref meanTerm, c))));
                TVector logit = TWidth.Subtract(TWidth.Create(Unsafe.Add(ref logitConstant, c)), TWidth.Multiply(TWidth.Create(Unsafe.Add(ref halfInverseVariance, c)), distance2));
                TWidth.Store(logit, ref v);
                max = TWidth.MaxNative(max, logit);
            }

            TWidth.Store(max, ref Unsafe.Add(ref s, layout.LogNormaliser + r));
        }

        // e_k = exp(logit_k − max) and their sum.
        for (int r = 0; r < n; r += lanes)
        {
            ref double values = ref Unsafe.Add(ref s, layout.Weights + r);
            TVector max = TWidth.Load(ref Unsafe.Add(ref s, layout.LogNormaliser + r));
            TVector total = TWidth.Zero;
            if (k == 2)
            {
                // The larger logit's exponential is e⁰ = 1 exactly, so one exponential a row instead of two, with
                // the loop's values bit for bit: of a_k = logit_k − max one is exactly +0, so a_0 + a_1 is the
                // other; 1 + e is the loop's e_0 + e_1; and a NaN logit makes a_0 + a_1, e and the sum NaN as there.
                ref double v1 = ref Unsafe.Add(ref values, rs);
                TVector a0 = TWidth.Subtract(TWidth.Load(ref values), max);
                TVector a1 = TWidth.Subtract(TWidth.Load(ref v1), max);
                TVector e = Exp(TWidth.Add(a0, a1));
                TVector one = TWidth.Create(1.0);
                TWidth.Store(TWidth.Select(TWidth.LessThan(a0, TWidth.Zero), e, one), ref values);
                TWidth.Store(TWidth.Select(TWidth.LessThan(a1, TWidth.Zero), e, one), ref v1);
                total = TWidth.Add(one, e);
            }
            else
            {
                for (int c = 0; c < k; c++)
                {
                    ref double v = ref Unsafe.Add(ref values, c * rs);
                    TVector e = Exp(TWidth.Subtract(TWidth.Load(ref v), max));
                    TWidth.Store(e, ref v);
                    total = TWidth.Add(total, e);
                }
            }

            TWidth.Store(total, ref Unsafe.Add(ref s, layout.Kappa + r));
        }

        // w_k = e_k / Σ e, κ = Σ_k w_k / v_k, coefficients w_k √ᾱ / v_k.
        for (int r = 0; r < n; r += lanes)
        {
            ref double values = ref Unsafe.Add(ref s, layout.Weights + r);
            TVector total = TWidth.Load(ref Unsafe.Add(ref s, layout.Kappa + r));
            TVector inverse = TWidth.Divide(TWidth.Create(1.0), total);
            TVector kappa = TWidth.Zero;
            ref double coefficients = ref Unsafe.Add(ref s, layout.Coefficients + r);
            for (int c = 0; c < k; c++)
            {
                ref double v = ref Unsafe.Add(ref values, c * rs);
                TVector w = TWidth.Multiply(TWidth.Load(ref v), inverse);
                TWidth.Store(w, ref v);
                kappa = TWidth.Add(kappa, TWidth.Multiply(w, TWidth.Create(Unsafe.Add(ref inverseVariance, c))));
                TWidth.Store(TWidth.Multiply(w, TWidth.Create(Unsafe.Add(ref meanCoefficient, c))), ref Unsafe.Add(ref coefficients, c * rs));
            }

            if (withLogDensity)
            {
                for (int j = 0; j < lanes && r + j < n; j++)
                {
                    Unsafe.Add(ref s, layout.LogNormaliser + r + j) += Math.Log(Unsafe.Add(ref s, layout.Kappa + r + j));
                }
            }

            TWidth.Store(kappa, ref Unsafe.Add(ref s, layout.Kappa + r));
        }

        if (withScore)
        {
            // s = −κ x + Σ_k (w_k √ᾱ / v_k) μ_k
            int r = 0;
            for (; r + 4 <= n; r += 4)
            {
                Combine4(ref Unsafe.Add(ref x0, r * d), d, ref Unsafe.Add(ref s, layout.Kappa + r), ref Unsafe.Add(ref s, layout.Coefficients + r), rs, means, k, ref Unsafe.Add(ref score, r * d));
            }

            for (; r < n; r++)
            {
                CombineFrom(0, ref Unsafe.Add(ref x0, r * d), d, Unsafe.Add(ref s, layout.Kappa + r), ref Unsafe.Add(ref s, layout.Coefficients + r), rs, means, k, ref Unsafe.Add(ref score, r * d));
            }
        }
    }

    /// <summary>
    /// out = −κ x + Σ_k c_k μ_k (c_k = c[k·componentStride]) for coordinates [start, d), each coordinate as
    /// fma(c_{K−1}, μ_{K−1}, … fma(c_0, μ_0, (−κ)·x)) in vector lanes and in the scalar tail alike, so a
    /// coordinate's value depends neither on start nor on the width.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CombineFrom(int start, ref double xr, int d, double kappa, ref double c, int componentStride, ReadOnlySpan<double> means, int components, ref double o)
    {
        int lanes = TWidth.Lanes;
        double negativeKappa = -kappa;
        ref double m = ref MemoryMarshal.GetReference(means);
        int i = start;
        TVector scale = TWidth.Create(negativeKappa);

        // Eight vectors per pass: eight independent FMA chains hide the FMA latency, and each broadcast
        // coefficient feeds eight FMAs (10 registers, so it fits 16-register machines too).
        for (; i + (8 * lanes) <= d; i += 8 * lanes)
        {
            ref double xi = ref Unsafe.Add(ref xr, i);
            TVector a0 = TWidth.Multiply(scale, TWidth.Load(ref xi));
            TVector a1 = TWidth.Multiply(scale, TWidth.Load(ref Unsafe.Add(ref xi, lanes)));
            TVector a2 = TWidth.Multiply(scale, TWidth.Load(ref Unsafe.Add(ref xi, 2 * lanes)));
            TVector a3 = TWidth.Multiply(scale, TWidth.Load(ref Unsafe.Add(ref xi, 3 * lanes)));
            TVector a4 = TWidth.Multiply(scale, TWidth.Load(ref Unsafe.Add(ref xi, 4 * lanes)));
            TVector a5 = TWidth.Multiply(scale, TWidth.Load(ref Unsafe.Add(ref xi, 5 * lanes)));
            TVector a6 = TWidth.Multiply(scale, TWidth.Load(ref Unsafe.Add(ref xi, 6 * lanes)));
            TVector a7 = TWidth.Multiply(scale, TWidth.Load(ref Unsafe.Add(ref xi, 7 * lanes)));
            ref double mk = ref Unsafe.Add(ref m, i);
            for (int k = 0; k < components; k++)
            {
                TVector ck = TWidth.Create(Unsafe.Add(ref c, k * componentStride));
                a0 = TWidth.FusedMultiplyAdd(ck, TWidth.Load(ref mk), a0);
                a1 = TWidth.FusedMultiplyAdd(ck, TWidth.Load(ref Unsafe.Add(ref mk, lanes)), a1);
                a2 = TWidth.FusedMultiplyAdd(ck, TWidth.Load(ref Unsafe.Add(ref mk, 2 * lanes)), a2);
                a3 = TWidth.FusedMultiplyAdd(ck, TWidth.Load(ref Unsafe.Add(ref mk, 3 * lanes)), a3);
                a4 = TWidth.FusedMultiplyAdd(ck, TWidth.Load(ref Unsafe.Add(ref mk, 4 * lanes)), a4);
                a5 = TWidth.FusedMultiplyAdd(ck, TWidth.Load(ref Unsafe.Add(ref mk, 5 * lanes)), a5);
                a6 = TWidth.FusedMultiplyAdd(ck, TWidth.Load(ref Unsafe.Add(ref mk, 6 * lanes)), a6);
                a7 = TWidth.FusedMultiplyAdd(ck, TWidth.Load(ref Unsafe.Add(ref mk, 7 * lanes)), a7);
                mk = ref Unsafe.Add(ref mk, d);
            }

            ref double oi = ref Unsafe.Add(ref o, i);
            TWidth.Store(a0, ref oi);
            TWidth.Store(a1, ref Unsafe.Add(ref oi, lanes));
            TWidth.Store(a2, ref Unsafe.Add(ref oi, 2 * lanes));
            TWidth.Store(a3, ref Unsafe.Add(ref oi, 3 * lanes));
            TWidth.Store(a4, ref Unsafe.Add(ref oi, 4 * lanes));
            TWidth.Store(a5, ref Unsafe.Add(ref oi, 5 * lanes));
            TWidth.Store(a6, ref Unsafe.Add(ref oi, 6 * lanes));
            TWidth.Store(a7, ref Unsafe.Add(ref oi, 7 * lanes));
        }

        for (; i + lanes <= d; i += lanes)
        {
            TVector a0 = TWidth.Multiply(scale, TWidth.Load(ref Unsafe.Add(ref xr, i)));
            ref double mk = ref Unsafe.Add(ref m, i);
            for (int k = 0; k < components; k++)
            {
                a0 = TWidth.FusedMultiplyAdd(TWidth.Create(Unsafe.Add(ref c, k * componentStride)), TWidth.Load(ref mk), a0);
                mk = ref Unsafe.Add(ref mk, d);
            }

            TWidth.Store(a0, ref Unsafe.Add(ref o, i));
        }

        for (; i < d; i++)
        {
            double a = negativeKappa * Unsafe.Add(ref xr, i);
            for (int k = 0; k < components; k++)
            {
                a = Math.FusedMultiplyAdd(Unsafe.Add(ref c, k * componentStride), Unsafe.Add(ref m, (k * d) + i), a);
            }

            Unsafe.Add(ref o, i) = a;
        }
    }

    /// <summary>
    /// −κ_r x_r + Σ_k c_rk μ_k for 4 rows at once (row r: x[r d ..], κ_r, c_rk = coefficients[r + k·componentStride], output
    /// [r d ..]): 4 rows × 4 vectors per pass at 512 bits, 4 × 2 below, so each coefficient broadcast and
    /// each load of μ_k feeds several FMAs. Every output coordinate is computed by exactly the sequence of
    /// the one-row kernel.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Combine4(ref double x, int d, ref double kappa, ref double coefficients, int componentStride, ReadOnlySpan<double> means, int components, ref double output)
    {
        int i = TWidth.WideRegisterBlocks
            ? Combine4x4(ref x, d, ref kappa, ref coefficients, componentStride, means, components, ref output)
            : Combine4x2(ref x, d, ref kappa, ref coefficients, componentStride, means, components, ref output);
        if (i < d)
        {
            // The remaining coordinates of each row, by the one-row kernel's own sequence.
            for (int r = 0; r < 4; r++)
            {
                CombineFrom(i, ref Unsafe.Add(ref x, r * d), d, Unsafe.Add(ref kappa, r), ref Unsafe.Add(ref coefficients, r), componentStride, means, components, ref Unsafe.Add(ref output, r * d));
            }
        }
    }

    /// <summary>The 4 rows × 4 vectors tile of <see cref="Combine4"/> (16 accumulators); returns the first coordinate not done.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Combine4x4(ref double x, int d, ref double kappa, ref double coefficients, int componentStride, ReadOnlySpan<double> means, int components, ref double output)
    {
        int lanes = TWidth.Lanes;
        ref double m = ref MemoryMarshal.GetReference(means);
        TVector s0 = TWidth.Create(-kappa);
        TVector s1 = TWidth.Create(-Unsafe.Add(ref kappa, 1));
        TVector s2 = TWidth.Create(-Unsafe.Add(ref kappa, 2));
        TVector s3 = TWidth.Create(-Unsafe.Add(ref kappa, 3));
        ref double c0 = ref coefficients;
        ref double c1 = ref Unsafe.Add(ref coefficients, 1);
        ref double c2 = ref Unsafe.Add(ref coefficients, 2);
        ref double c3 = ref Unsafe.Add(ref coefficients, 3);
        int i = 0;
        for (; i + (4 * lanes) <= d; i += 4 * lanes)
        {
            ref double x0 = ref Unsafe.Add(ref x, i);
            ref double x1 = ref Unsafe.Add(ref x0, d);
            ref double x2 = ref Unsafe.Add(ref x0, 2 * d);
            ref double x3 = ref Unsafe.Add(ref x0, 3 * d);
            TVector a00 = TWidth.Multiply(s0, TWidth.Load(ref x0)), a01 = TWidth.Multiply(s0, TWidth.Load(ref Unsafe.Add(ref x0, lanes))), a02 = TWidth.Multiply(s0, TWidth.Load(ref Unsafe.Add(ref x0, 2 * lanes))), a03 = TWidth.Multiply(s0, TWidth.Load(ref Unsafe.Add(ref x0, 3 * lanes)));
            TVector a10 = TWidth.Multiply(s1, TWidth.Load(ref x1)), a11 = TWidth.Multiply(s1, TWidth.Load(ref Unsafe.Add(ref x1, lanes))), a12 = TWidth.Multiply(s1, TWidth.Load(ref Unsafe.Add(ref x1, 2 * lanes))), a13 = TWidth.Multiply(s1, TWidth.Load(ref Unsafe.Add(ref x1, 3 * lanes)));
            TVector a20 = TWidth.Multiply(s2, TWidth.Load(ref x2)), a21 = TWidth.Multiply(s2, TWidth.Load(ref Unsafe.Add(ref x2, lanes))), a22 = TWidth.Multiply(s2, TWidth.Load(ref Unsafe.Add(ref x2, 2 * lanes))), a23 = TWidth.Multiply(s2, TWidth.Load(ref Unsafe.Add(ref x2, 3 * lanes)));
            TVector a30 = TWidth.Multiply(s3, TWidth.Load(ref x3)), a31 = TWidth.Multiply(s3, TWidth.Load(ref Unsafe.Add(ref x3, lanes))), a32 = TWidth.Multiply(s3, TWidth.Load(ref Unsafe.Add(ref x3, 2 * lanes))), a33 = TWidth.Multiply(s3, TWidth.Load(ref Unsafe.Add(ref x3, 3 * lanes)));
            ref double mk = ref Unsafe.Add(ref m, i);
            for (int k = 0; k < components; k++)
            {
                TVector m0 = TWidth.Load(ref mk);
                TVector m1 = TWidth.Load(ref Unsafe.Add(ref mk, lanes));
                TVector m2 = TWidth.Load(ref Unsafe.Add(ref mk, 2 * lanes));
                TVector m3 = TWidth.Load(ref Unsafe.Add(ref mk, 3 * lanes));
                TVector b = TWidth.Create(Unsafe.Add(ref c0, k * componentStride));
                a00 = TWidth.FusedMultiplyAdd(b, m0, a00);
                a01 = TWidth.FusedMultiplyAdd(b, m1, a01);
                a02 = TWidth.FusedMultiplyAdd(b, m2, a02);
                a03 = TWidth.FusedMultiplyAdd(b, m3, a03);
                b = TWidth.Create(Unsafe.Add(ref c1, k * componentStride));
                a10 = TWidth.FusedMultiplyAdd(b, m0, a10);
                a11 = TWidth.FusedMultiplyAdd(b, m1, a11);
                a12 = TWidth.FusedMultiplyAdd(b, m2, a12);
                a13 = TWidth.FusedMultiplyAdd(b, m3, a13);
                b = TWidth.Create(Unsafe.Add(ref c2, k * componentStride));
                a20 = TWidth.FusedMultiplyAdd(b, m0, a20);
                a21 = TWidth.FusedMultiplyAdd(b, m1, a21);
                a22 = TWidth.FusedMultiplyAdd(b, m2, a22);
                a23 = TWidth.FusedMultiplyAdd(b, m3, a23);
                b = TWidth.Create(Unsafe.Add(ref c3, k * componentStride));
                a30 = TWidth.FusedMultiplyAdd(b, m0, a30);
                a31 = TWidth.FusedMultiplyAdd(b, m1, a31);
                a32 = TWidth.FusedMultiplyAdd(b, m2, a32);
                a33 = TWidth.FusedMultiplyAdd(b, m3, a33);
                mk = ref Unsafe.Add(ref mk, d);
            }

            ref double o0 = ref Unsafe.Add(ref output, i);
            ref double o1 = ref Unsafe.Add(ref o0, d);
            ref double o2 = ref Unsafe.Add(ref o0, 2 * d);
            ref double o3 = ref Unsafe.Add(ref o0, 3 * d);
            TWidth.Store(a00, ref o0); TWidth.Store(a01, ref Unsafe.Add(ref o0, lanes)); TWidth.Store(a02, ref Unsafe.Add(ref o0, 2 * lanes)); TWidth.Store(a03, ref Unsafe.Add(ref o0, 3 * lanes));
            TWidth.Store(a10, ref o1); TWidth.Store(a11, ref Unsafe.Add(ref o1, lanes)); TWidth.Store(a12, ref Unsafe.Add(ref o1, 2 * lanes)); TWidth.Store(a13, ref Unsafe.Add(ref o1, 3 * lanes));
            TWidth.Store(a20, ref o2); TWidth.Store(a21, ref Unsafe.Add(ref o2, lanes)); TWidth.Store(a22, ref Unsafe.Add(ref o2, 2 * lanes)); TWidth.Store(a23, ref Unsafe.Add(ref o2, 3 * lanes));
            TWidth.Store(a30, ref o3); TWidth.Store(a31, ref Unsafe.Add(ref o3, lanes)); TWidth.Store(a32, ref Unsafe.Add(ref o3, 2 * lanes)); TWidth.Store(a33, ref Unsafe.Add(ref o3, 3 * lanes));
        }

        return i;
    }

    /// <summary>The 4 rows × 2 vectors tile of <see cref="Combine4"/> (8 accumulators, for 16-register machines).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Combine4x2(ref double x, int d, ref double kappa, ref double coefficients, int componentStride, ReadOnlySpan<double> means, int components, ref double output)
    {
        int lanes = TWidth.Lanes;
        ref double m = ref MemoryMarshal.GetReference(means);
        TVector s0 = TWidth.Create(-kappa);
        TVector s1 = TWidth.Create(-Unsafe.Add(ref kappa, 1));
        TVector s2 = TWidth.Create(-Unsafe.Add(ref kappa, 2));
        TVector s3 = TWidth.Create(-Unsafe.Add(ref kappa, 3));
        ref double c0 = ref coefficients;
        ref double c1 = ref Unsafe.Add(ref coefficients, 1);
        ref double c2 = ref Unsafe.Add(ref coefficients, 2);
        ref double c3 = ref Unsafe.Add(ref coefficients, 3);
        int i = 0;
        for (; i + (2 * lanes) <= d; i += 2 * lanes)
        {
            ref double x0 = ref Unsafe.Add(ref x, i);
            ref double x1 = ref Unsafe.Add(ref x0, d);
            ref double x2 = ref Unsafe.Add(ref x0, 2 * d);
            ref double x3 = ref Unsafe.Add(ref x0, 3 * d);
            TVector a00 = TWidth.Multiply(s0, TWidth.Load(ref x0)), a01 = TWidth.Multiply(s0, TWidth.Load(ref Unsafe.Add(ref x0, lanes)));
            TVector a10 = TWidth.Multiply(s1, TWidth.Load(ref x1)), a11 = TWidth.Multiply(s1, TWidth.Load(ref Unsafe.Add(ref x1, lanes)));
            TVector a20 = TWidth.Multiply(s2, TWidth.Load(ref x2)), a21 = TWidth.Multiply(s2, TWidth.Load(ref Unsafe.Add(ref x2, lanes)));
            TVector a30 = TWidth.Multiply(s3, TWidth.Load(ref x3)), a31 = TWidth.Multiply(s3, TWidth.Load(ref Unsafe.Add(ref x3, lanes)));
            ref double mk = ref Unsafe.Add(ref m, i);
            for (int k = 0; k < components; k++)
            {
                TVector m0 = TWidth.Load(ref mk);
                TVector m1 = TWidth.Load(ref Unsafe.Add(ref mk, lanes));
                TVector b = TWidth.Create(Unsafe.Add(ref c0, k * componentStride));
                a00 = TWidth.FusedMultiplyAdd(b, m0, a00);
                a01 = TWidth.FusedMultiplyAdd(b, m1, a01);
                b = TWidth.Create(Unsafe.Add(ref c1, k * componentStride));
                a10 = TWidth.FusedMultiplyAdd(b, m0, a10);
                a11 = TWidth.FusedMultiplyAdd(b, m1, a11);
                b = TWidth.Create(Unsafe.Add(ref c2, k * componentStride));
                a20 = TWidth.FusedMultiplyAdd(b, m0, a20);
                a21 = TWidth.FusedMultiplyAdd(b, m1, a21);
                b = TWidth.Create(Unsafe.Add(ref c3, k * componentStride));
                a30 = TWidth.FusedMultiplyAdd(b, m0, a30);
                a31 = TWidth.FusedMultiplyAdd(b, m1, a31);
                mk = ref Unsafe.Add(ref mk, d);
            }

            ref double o0 = ref Unsafe.Add(ref output, i);
            ref double o1 = ref Unsafe.Add(ref o0, d);
            ref double o2 = ref Unsafe.Add(ref o0, 2 * d);
            ref double o3 = ref Unsafe.Add(ref o0, 3 * d);
            TWidth.Store(a00, ref o0); TWidth.Store(a01, ref Unsafe.Add(ref o0, lanes));
            TWidth.Store(a10, ref o1); TWidth.Store(a11, ref Unsafe.Add(ref o1, lanes));
            TWidth.Store(a20, ref o2); TWidth.Store(a21, ref Unsafe.Add(ref o2, lanes));
            TWidth.Store(a30, ref o3); TWidth.Store(a31, ref Unsafe.Add(ref o3, lanes));
        }

        return i;
    }
}
