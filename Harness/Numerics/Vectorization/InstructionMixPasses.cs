using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Diffusion.Verify.Samplers;
using Diffusion.Verify.Targets;

namespace Diffusion.Verify.Numerics.Vectorization;

/// <summary>
/// The passes <c>bench --roofline</c> times, written once over the vector width: the FMA and triad probes of the
/// FMA and bandwidth ceilings, and the acc-ode kernels' own instruction sequences, run over small L1-resident arrays so that neither memory
/// nor the flop count limits them — only how fast the core issues the sequence. <c>bench --roofline</c>
/// times them to measure the instruction roof. Each pass returns how many vector operations it issued,
/// counted as the source writes them (one per load, store, arithmetic operation, compare, mask or
/// rounding; broadcast loop constants not counted, the JIT hoists them; loop and address arithmetic not
/// counted), the same convention as the instruction model of the kernels, so that the measured rate and the
/// model's counts are in the same unit.
/// </summary>
public static class InstructionMixPasses
{
    /// <summary>
    /// Vector operations of one exponential (<c>IsotropicMixtureKernel.Exp</c>): clamp 2, n = round(x·log₂e)
    /// 2, r by two FMAs 2, the degree-13 polynomial 13 FMAs, the underflow mask and its clearing 2, the split
    /// of the scale (floor of a product, a difference) 3, two powers of two (an add and a shift each) 4, two
    /// products 2, the final clear 1: 31.
    /// </summary>
    public const int ExponentialOperations = 31;

    /// <summary>Per vector in the softmax's exponential loop: load, subtract the maximum, the exponential, store, add to the sum.</summary>
    public const int SoftmaxExponentialOperations = ExponentialOperations + 4;

    /// <summary>Per vector of acc-ode's update y = ((s⁻·g + s)·c + (s·h + y))·r: 3 loads, 4 multiplies, 3 adds, 1 store, and the finite check riding along (a subtraction and an add): 13.</summary>
    public const int UpdateOperations = 11 + FusedFiniteCheckOperations;

    /// <summary>Per vector, the finite check fused into the update: y − y and its running sum.</summary>
    public const int FusedFiniteCheckOperations = 2;

    /// <summary>
    /// The softmax's exponential loop, e = exp(input − max) stored to <paramref name="output"/> and summed,
    /// over whole vectors of <paramref name="input"/>; returns the operations issued.
    /// </summary>
    public static long Exponentials(ReadOnlySpan<double> input, Span<double> output) => Simd.Width switch
    {
        SimdWidth.Vector512 => Exponentials<Width512, Vector512<double>>(input, output),
        SimdWidth.Vector256 => Exponentials<Width256, Vector256<double>>(input, output),
        SimdWidth.Vector128 => Exponentials<Width128, Vector128<double>>(input, output),
        _ => Exponentials<WidthScalar, double>(input, output),
    };

    /// <summary>acc-ode's update kernel over whole vectors of the arrays (the sampler's own code); returns the operations issued.</summary>
    public static long Updates(Span<double> y, ReadOnlySpan<double> score, ReadOnlySpan<double> scoreAtMinus)
    {
        int vectors = y.Length / Simd.Lanes;
        int n = vectors * Simd.Lanes;
        AccOdeKernels.Update(y[..n], score[..n], scoreAtMinus[..n], -0.9, 0.01, 0.001, 0.999);
        return (long)UpdateOperations * vectors;
    }

    /// <summary>Independent FMA chains held in registers, one per accumulator, so that FMA throughput rather than latency limits them.</summary>
    public const int FusedMultiplyAddChains = 12;

    /// <summary>
    /// <see cref="FusedMultiplyAddChains"/> chains a ← a·m + c for <paramref name="iterations"/> rounds at the
    /// selected width (the FMA ceiling's probe); returns the sum of the accumulators, for the caller to keep
    /// alive so the JIT cannot drop the work.
    /// </summary>
    public static double FusedMultiplyAdds(long iterations) => Simd.Width switch
    {
        SimdWidth.Vector512 => FusedMultiplyAdds<Width512, Vector512<double>>(iterations),
        SimdWidth.Vector256 => FusedMultiplyAdds<Width256, Vector256<double>>(iterations),
        SimdWidth.Vector128 => FusedMultiplyAdds<Width128, Vector128<double>>(iterations),
        _ => FusedMultiplyAdds<WidthScalar, double>(iterations),
    };

    /// <summary>The bandwidth probe's triad a = c·s + b at the selected width, four vectors per pass (scalar tail).</summary>
    public static void Triad(Span<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> c, double s)
    {
        switch (Simd.Width)
        {
            case SimdWidth.Vector512: Triad<Width512, Vector512<double>>(a, b, c, s); break;
            case SimdWidth.Vector256: Triad<Width256, Vector256<double>>(a, b, c, s); break;
            case SimdWidth.Vector128: Triad<Width128, Vector128<double>>(a, b, c, s); break;
            default: Triad<WidthScalar, double>(a, b, c, s); break;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Triad<TWidth, TVector>(Span<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> c, double s)
        where TWidth : struct, ISimdWidth<TVector>
        where TVector : struct
    {
        ref double ar = ref MemoryMarshal.GetReference(a);
        ref double br = ref MemoryMarshal.GetReference(b);
        ref double cr = ref MemoryMarshal.GetReference(c);
        int n = a.Length;
        int lanes = TWidth.Lanes;
        TVector v = TWidth.Create(s);
        int i = 0;
        for (; i + (4 * lanes) <= n; i += 4 * lanes)
        {
            TWidth.Store(TWidth.FusedMultiplyAdd(TWidth.Load(ref Unsafe.Add(ref cr, i)), v, TWidth.Load(ref Unsafe.Add(ref br, i))), ref Unsafe.Add(ref ar, i));
            TWidth.Store(TWidth.FusedMultiplyAdd(TWidth.Load(ref Unsafe.Add(ref cr, i + lanes)), v, TWidth.Load(ref Unsafe.Add(ref br, i + lanes))), ref Unsafe.Add(ref ar, i + lanes));
            TWidth.Store(TWidth.FusedMultiplyAdd(TWidth.Load(ref Unsafe.Add(ref cr, i + (2 * lanes))), v, TWidth.Load(ref Unsafe.Add(ref br, i + (2 * lanes)))), ref Unsafe.Add(ref ar, i + (2 * lanes)));
            TWidth.Store(TWidth.FusedMultiplyAdd(TWidth.Load(ref Unsafe.Add(ref cr, i + (3 * lanes))), v, TWidth.Load(ref Unsafe.Add(ref br, i + (3 * lanes)))), ref Unsafe.Add(ref ar, i + (3 * lanes)));
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref ar, i) = Math.FusedMultiplyAdd(Unsafe.Add(ref cr, i), s, Unsafe.Add(ref br, i));
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static double FusedMultiplyAdds<TWidth, TVector>(long iterations)
        where TWidth : struct, ISimdWidth<TVector>
        where TVector : struct
    {
        TVector m = TWidth.Create(0.999999), c = TWidth.Create(1e-7);
        TVector a0 = TWidth.Create(1.0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (long i = 0; i < iterations; i++)
        {
            a0 = TWidth.FusedMultiplyAdd(a0, m, c); a1 = TWidth.FusedMultiplyAdd(a1, m, c); a2 = TWidth.FusedMultiplyAdd(a2, m, c);
            a3 = TWidth.FusedMultiplyAdd(a3, m, c); a4 = TWidth.FusedMultiplyAdd(a4, m, c); a5 = TWidth.FusedMultiplyAdd(a5, m, c);
            a6 = TWidth.FusedMultiplyAdd(a6, m, c); a7 = TWidth.FusedMultiplyAdd(a7, m, c); a8 = TWidth.FusedMultiplyAdd(a8, m, c);
            a9 = TWidth.FusedMultiplyAdd(a9, m, c); a10 = TWidth.FusedMultiplyAdd(a10, m, c); a11 = TWidth.FusedMultiplyAdd(a11, m, c);
        }

        TVector sum = TWidth.Add(TWidth.Add(TWidth.Add(a0, a1), TWidth.Add(a2, a3)), TWidth.Add(TWidth.Add(a4, a5), TWidth.Add(a6, a7)));
        return TWidth.Sum(TWidth.Add(sum, TWidth.Add(TWidth.Add(a8, a9), TWidth.Add(a10, a11))));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long Exponentials<TWidth, TVector>(ReadOnlySpan<double> input, Span<double> output)
        where TWidth : struct, ISimdWidth<TVector>
        where TVector : struct
    {
        int lanes = TWidth.Lanes;
        int vectors = input.Length / lanes;
        ref double ir = ref MemoryMarshal.GetReference(input);
        ref double or = ref MemoryMarshal.GetReference(output);
        TVector max = TWidth.Create(0.5);
        TVector total = TWidth.Zero;
        for (int v = 0; v < vectors; v++)
        {
            TVector e = IsotropicMixtureKernel<TWidth, TVector>.Exp(TWidth.Subtract(TWidth.Load(ref Unsafe.Add(ref ir, v * lanes)), max));
            TWidth.Store(e, ref Unsafe.Add(ref or, v * lanes));
            total = TWidth.Add(total, e);
        }

        Unsafe.Add(ref or, 0) += TWidth.Sum(total) * 1e-300;
        return (long)SoftmaxExponentialOperations * vectors;
    }
}
