using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Diffusion.Verify.Numerics.Vectorization;

namespace Diffusion.Verify.Samplers;

/// <summary>
/// acc-ode's two element-wise passes, each fused into one sweep over the block (as separate whole-array
/// TensorPrimitives passes they read and write the block six times per step instead of twice: measured
/// in-process on the reference workload, d = 64, K = 8, the fused passes give ~8.3·10⁶ sample-steps per
/// CPU-second against ~6.7·10⁶, four paired runs each). Each element goes through the roundings the separate passes had (no fused
/// multiply-add), identically in vector lanes of any width and in the scalar tail.
/// </summary>
internal static class AccOdeKernels
{
    /// <summary>minus = ((score · a) + y) · b.</summary>
    public static void IntermediatePoint(ReadOnlySpan<double> y, ReadOnlySpan<double> score, double a, double b, Span<double> minus)
    {
        switch (Simd.Width)
        {
            case SimdWidth.Vector512: AccOdeKernels<Width512, Vector512<double>>.IntermediatePoint(y, score, a, b, minus); break;
            case SimdWidth.Vector256: AccOdeKernels<Width256, Vector256<double>>.IntermediatePoint(y, score, a, b, minus); break;
            case SimdWidth.Vector128: AccOdeKernels<Width128, Vector128<double>>.IntermediatePoint(y, score, a, b, minus); break;
            default: AccOdeKernels<WidthScalar, double>.IntermediatePoint(y, score, a, b, minus); break;
        }
    }

    /// <summary>
    /// y = ((s⁻·g + s)·c + (s·h + y)) · r; true when every new y is finite. The finite check rides along
    /// (a running sum of y − y, which is 0 for a finite y and NaN otherwise) so that the runner need not
    /// read the state again: the separate pass cost 4–9 % of a step at d = 16, K = 2.
    /// </summary>
    public static bool Update(Span<double> y, ReadOnlySpan<double> score, ReadOnlySpan<double> scoreAtMinus, double g, double h, double c, double r) => Simd.Width switch
    {
        SimdWidth.Vector512 => AccOdeKernels<Width512, Vector512<double>>.Update(y, score, scoreAtMinus, g, h, c, r),
        SimdWidth.Vector256 => AccOdeKernels<Width256, Vector256<double>>.Update(y, score, scoreAtMinus, g, h, c, r),
        SimdWidth.Vector128 => AccOdeKernels<Width128, Vector128<double>>.Update(y, score, scoreAtMinus, g, h, c, r),
        _ => AccOdeKernels<WidthScalar, double>.Update(y, score, scoreAtMinus, g, h, c, r),
    };
}

/// <summary>
/// <see cref="AccOdeKernels"/> at one vector width; compiled fully optimised at first call, as
/// <see cref="Targets.IsotropicMixtureKernel{TWidth, TVector}"/> says why.
/// </summary>
internal static class AccOdeKernels<TWidth, TVector>
    where TWidth : struct, ISimdWidth<TVector>
    where TVector : struct
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void IntermediatePoint(ReadOnlySpan<double> y, ReadOnlySpan<double> score, double a, double b, Span<double> minus)
    {
        int n = y.Length;
        int lanes = TWidth.Lanes;
        ref double yr = ref MemoryMarshal.GetReference(y);
        ref double sr = ref MemoryMarshal.GetReference(score);
        ref double mr = ref MemoryMarshal.GetReference(minus);
        TVector va = TWidth.Create(a);
        TVector vb = TWidth.Create(b);
        int i = 0;
        for (; i + lanes <= n; i += lanes)
        {
            TVector s = TWidth.Load(ref Unsafe.Add(ref sr, i));
            TWidth.Store(TWidth.Multiply(TWidth.Add(TWidth.Multiply(s, va), TWidth.Load(ref Unsafe.Add(ref yr, i))), vb), ref Unsafe.Add(ref mr, i));
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref mr, i) = ((Unsafe.Add(ref sr, i) * a) + Unsafe.Add(ref yr, i)) * b;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool Update(Span<double> y, ReadOnlySpan<double> score, ReadOnlySpan<double> scoreAtMinus, double g, double h, double c, double r)
    {
        int n = y.Length;
        int lanes = TWidth.Lanes;
        ref double yr = ref MemoryMarshal.GetReference(y);
        ref double sr = ref MemoryMarshal.GetReference(score);
        ref double mr = ref MemoryMarshal.GetReference(scoreAtMinus);
        TVector vg = TWidth.Create(g);
        TVector vh = TWidth.Create(h);
        TVector vc = TWidth.Create(c);
        TVector vr = TWidth.Create(r);
        TVector nonFinite = TWidth.Zero;
        int i = 0;
        for (; i + lanes <= n; i += lanes)
        {
            TVector s = TWidth.Load(ref Unsafe.Add(ref sr, i));
            TVector difference = TWidth.Add(TWidth.Multiply(TWidth.Load(ref Unsafe.Add(ref mr, i)), vg), s);
            TVector half = TWidth.Add(TWidth.Multiply(s, vh), TWidth.Load(ref Unsafe.Add(ref yr, i)));
            TVector next = TWidth.Multiply(TWidth.Add(TWidth.Multiply(difference, vc), half), vr);
            TWidth.Store(next, ref Unsafe.Add(ref yr, i));
            nonFinite = TWidth.Add(nonFinite, TWidth.Subtract(next, next));
        }

        double tail = 0;
        for (; i < n; i++)
        {
            double s = Unsafe.Add(ref sr, i);
            double difference = (Unsafe.Add(ref mr, i) * g) + s;
            double half = (s * h) + Unsafe.Add(ref yr, i);
            double next = ((difference * c) + half) * r;
            Unsafe.Add(ref yr, i) = next;
            tail += next - next;
        }

        // 0 when every y − y was 0; NaN (∞ − ∞, NaN − NaN) propagates through the sums otherwise.
        return TWidth.Sum(nonFinite) + tail == 0;
    }
}
