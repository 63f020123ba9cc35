using System.Runtime.CompilerServices;

namespace Diffusion.Verify.Numerics.Vectorization;

/// <summary>One double per "vector": the kernels' own sequence, element by element (for CPUs without SIMD, and as a reference path).</summary>
internal readonly struct WidthScalar : ISimdWidth<double>
{
    public static int Lanes => 1;

    public static bool WideRegisterBlocks => false;

    public static double Zero => 0.0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Create(double value) => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Load(ref double source) => source;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(double value, ref double destination) => destination = value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Add(double a, double b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Subtract(double a, double b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Multiply(double a, double b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Divide(double a, double b) => a / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double FusedMultiplyAdd(double a, double b, double c) => Math.FusedMultiplyAdd(a, b, c);

    public static double FusedNegatedMultiplyAdd(double a, double b, double c) => Math.FusedMultiplyAdd(-a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double MinNative(double a, double b) => Math.Min(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double MaxNative(double a, double b) => Math.Max(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double LessThan(double a, double b) => a < b ? BitConverter.Int64BitsToDouble(-1L) : 0.0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double AndNot(double a, double mask) => BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits(a) & ~BitConverter.DoubleToInt64Bits(mask));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Select(double mask, double whereTrue, double whereFalse) => BitConverter.DoubleToInt64Bits(mask) != 0 ? whereTrue : whereFalse;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Round(double x) => Math.Round(x, MidpointRounding.ToEven);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Floor(double x) => Math.Floor(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double PowerOfTwo(double n) => BitConverter.Int64BitsToDouble(((long)n + 1023) << 52);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Sum(double v) => v;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool LessThanAny(double a, double b) => a < b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double MaxAcross(double v) => v;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Sum4(double a0, double a1, double a2, double a3, ref double destination)
    {
        destination = a0;
        Unsafe.Add(ref destination, 1) = a1;
        Unsafe.Add(ref destination, 2) = a2;
        Unsafe.Add(ref destination, 3) = a3;
    }
}
