using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Diffusion.Verify.Numerics.Vectorization;

/// <summary>Vector256&lt;double&gt;: 4 lanes, reduced by the tree (l0+l1) + (l2+l3).</summary>
internal readonly struct Width256 : ISimdWidth<Vector256<double>>
{
    public static int Lanes => 4;

    public static bool WideRegisterBlocks => false;

    public static Vector256<double> Zero => Vector256<double>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Create(double value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Load(ref double source) => Vector256.LoadUnsafe(ref source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<double> value, ref double destination) => value.StoreUnsafe(ref destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Add(Vector256<double> a, Vector256<double> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Subtract(Vector256<double> a, Vector256<double> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Multiply(Vector256<double> a, Vector256<double> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Divide(Vector256<double> a, Vector256<double> b) => a / b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> FusedMultiplyAdd(Vector256<double> a, Vector256<double> b, Vector256<double> c) => Vector256.FusedMultiplyAdd(a, b, c);

    public static Vector256<double> FusedNegatedMultiplyAdd(Vector256<double> a, Vector256<double> b, Vector256<double> c)
        => Fma.IsSupported ? Fma.MultiplyAddNegated(a, b, c) : Vector256.FusedMultiplyAdd(-a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> MinNative(Vector256<double> a, Vector256<double> b) => Vector256.MinNative(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> MaxNative(Vector256<double> a, Vector256<double> b) => Vector256.MaxNative(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> LessThan(Vector256<double> a, Vector256<double> b) => Vector256.LessThan(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> AndNot(Vector256<double> a, Vector256<double> mask) => Vector256.AndNot(a, mask);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Select(Vector256<double> mask, Vector256<double> whereTrue, Vector256<double> whereFalse) => Vector256.ConditionalSelect(mask, whereTrue, whereFalse);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Round(Vector256<double> x) => Vector256.Round(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Floor(Vector256<double> x) => Vector256.Floor(x);

    /// <summary>
    /// Adding 1.5·2⁵² puts n + 1023 in the low mantissa bits (exactly, |n| ≪ 2⁵¹); shifting them into the
    /// exponent field leaves 2ⁿ. Avoids the double→int64 conversion AVX2 lacks.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> PowerOfTwo(Vector256<double> n) => Vector256.ShiftLeft((n + Vector256.Create(6755399441056767.0)).AsInt64(), 52).AsDouble();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Sum(Vector256<double> v) => (v.GetElement(0) + v.GetElement(1)) + (v.GetElement(2) + v.GetElement(3));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool LessThanAny(Vector256<double> a, Vector256<double> b) => Vector256.LessThanAny(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double MaxAcross(Vector256<double> v)
    {
        Vector128<double> q = Vector128.MaxNative(v.GetLower(), v.GetUpper());
        return Math.Max(q.GetElement(0), q.GetElement(1));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Sum4(Vector256<double> a0, Vector256<double> a1, Vector256<double> a2, Vector256<double> a3, ref double destination)
    {
        if (Avx.IsSupported)
        {
            // HorizontalAdd(a0, a1) = [a0₀+a0₁, a1₀+a1₁, a0₂+a0₃, a1₂+a1₃]; adding the 128-bit halves of the
            // pair of those gives [Σa0, Σa1, Σa2, Σa3], each by the tree of Sum.
            Vector256<double> u01 = Avx.HorizontalAdd(a0, a1);
            Vector256<double> u23 = Avx.HorizontalAdd(a2, a3);
            (Avx.Permute2x128(u01, u23, 0x20) + Avx.Permute2x128(u01, u23, 0x31)).StoreUnsafe(ref destination);
            return;
        }

        destination = Sum(a0);
        Unsafe.Add(ref destination, 1) = Sum(a1);
        Unsafe.Add(ref destination, 2) = Sum(a2);
        Unsafe.Add(ref destination, 3) = Sum(a3);
    }
}
