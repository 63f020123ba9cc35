using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Diffusion.Verify.Numerics.Vectorization;

/// <summary>Vector128&lt;double&gt; (SSE, ARM NEON): 2 lanes, reduced as l0 + l1.</summary>
internal readonly struct Width128 : ISimdWidth<Vector128<double>>
{
    public static int Lanes => 2;

    public static bool WideRegisterBlocks => false;

    public static Vector128<double> Zero => Vector128<double>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Create(double value) => Vector128.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Load(ref double source) => Vector128.LoadUnsafe(ref source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<double> value, ref double destination) => value.StoreUnsafe(ref destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Add(Vector128<double> a, Vector128<double> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Subtract(Vector128<double> a, Vector128<double> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Multiply(Vector128<double> a, Vector128<double> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Divide(Vector128<double> a, Vector128<double> b) => a / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> FusedMultiplyAdd(Vector128<double> a, Vector128<double> b, Vector128<double> c) => Vector128.FusedMultiplyAdd(a, b, c);

    public static Vector128<double> FusedNegatedMultiplyAdd(Vector128<double> a, Vector128<double> b, Vector128<double> c)
        => Fma.IsSupported ? Fma.MultiplyAddNegated(a, b, c) : Vector128.FusedMultiplyAdd(-a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> MinNative(Vector128<double> a, Vector128<double> b) => Vector128.MinNative(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> MaxNative(Vector128<double> a, Vector128<double> b) => Vector128.MaxNative(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> LessThan(Vector128<double> a, Vector128<double> b) => Vector128.LessThan(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> AndNot(Vector128<double> a, Vector128<double> mask) => Vector128.AndNot(a, mask);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Select(Vector128<double> mask, Vector128<double> whereTrue, Vector128<double> whereFalse) => Vector128.ConditionalSelect(mask, whereTrue, whereFalse);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Round(Vector128<double> x) => Vector128.Round(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> Floor(Vector128<double> x) => Vector128.Floor(x);

    /// <summary>As <see cref="Width256.PowerOfTwo"/>: exponent bits by adding 1.5·2⁵² and shifting.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<double> PowerOfTwo(Vector128<double> n) => Vector128.ShiftLeft((n + Vector128.Create(6755399441056767.0)).AsInt64(), 52).AsDouble();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Sum(Vector128<double> v) => v.GetElement(0) + v.GetElement(1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool LessThanAny(Vector128<double> a, Vector128<double> b) => Vector128.LessThanAny(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double MaxAcross(Vector128<double> v) => Math.Max(v.GetElement(0), v.GetElement(1));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Sum4(Vector128<double> a0, Vector128<double> a1, Vector128<double> a2, Vector128<double> a3, ref double destination)
    {
        destination = Sum(a0);
        Unsafe.Add(ref destination, 1) = Sum(a1);
        Unsafe.Add(ref destination, 2) = Sum(a2);
        Unsafe.Add(ref destination, 3) = Sum(a3);
    }
}
