using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Diffusion.Verify.Samplers;
using Diffusion.Verify.Targets;

namespace Diffusion.Verify.Numerics.Vectorization;

/// <summary>
/// The acc-ode kernels' own instruction sequences, run over small L1-resident arrays so that neither memory
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
