namespace Diffusion.Verify.Numerics.Vectorization;

/// <summary>
/// The vector operations the hand-vectorised kernels use, for one register width over doubles. Kernels are
/// written once, generic over <c>TWidth : struct, ISimdWidth&lt;TVector&gt;</c>; the JIT compiles a separate
/// body per width with every call inlined, so the generic code costs nothing over hand-written
/// Vector512/256/128 code. <see cref="Simd.Width"/> picks which instantiation runs.
/// <para>
/// Lane-wise operations round identically at every width (one IEEE operation per element, fused
/// multiply-adds always fused), so only reductions across lanes — <see cref="Sum"/>, <see cref="Sum4"/> —
/// may round differently between widths; at a given width each has one fixed tree.
/// </para>
/// </summary>
internal interface ISimdWidth<TVector>
    where TVector : struct
{
    /// <summary>Doubles per vector.</summary>
    static abstract int Lanes { get; }

    /// <summary>
    /// Whether kernels may hold 16 accumulators in registers: true at 512 bits (32 zmm registers); at 256
    /// bits an AVX2 machine has only 16 ymm registers, so kernels use 8-accumulator blocks there.
    /// </summary>
    static abstract bool WideRegisterBlocks { get; }

    static abstract TVector Zero { get; }

    static abstract TVector Create(double value);

    static abstract TVector Load(ref double source);

    static abstract void Store(TVector value, ref double destination);

    static abstract TVector Add(TVector a, TVector b);

    static abstract TVector Subtract(TVector a, TVector b);

    static abstract TVector Multiply(TVector a, TVector b);

    /// <summary>a / b, correctly rounded lane by lane.</summary>
    static abstract TVector Divide(TVector a, TVector b);

    /// <summary>a·b + c with one rounding.</summary>
    static abstract TVector FusedMultiplyAdd(TVector a, TVector b, TVector c);

    /// <summary>c − a·b with one rounding: the bits of FusedMultiplyAdd(−a, b, c), in one instruction.</summary>
    static abstract TVector FusedNegatedMultiplyAdd(TVector a, TVector b, TVector c);

    /// <summary>
    /// The smaller of a and b by the platform's instruction: b where either is NaN on x86 (vminpd returns its
    /// second operand), NaN on ARM and in scalar code; so with b the value that may be NaN, NaN stays NaN.
    /// </summary>
    static abstract TVector MinNative(TVector a, TVector b);

    /// <summary>The larger of a and b by the platform's instruction, NaN as <see cref="MinNative"/>.</summary>
    static abstract TVector MaxNative(TVector a, TVector b);

    /// <summary>All bits set in the lanes where a &lt; b, zero elsewhere (false for NaN).</summary>
    static abstract TVector LessThan(TVector a, TVector b);

    /// <summary>a with the bits of <paramref name="mask"/> cleared: a where the mask lane is zero, +0 where it is all ones.</summary>
    static abstract TVector AndNot(TVector a, TVector mask);

    /// <summary><paramref name="whereTrue"/> in the lanes where <paramref name="mask"/> is all ones, <paramref name="whereFalse"/> where it is zero.</summary>
    static abstract TVector Select(TVector mask, TVector whereTrue, TVector whereFalse);

    /// <summary>Round to nearest, ties to even.</summary>
    static abstract TVector Round(TVector x);

    static abstract TVector Floor(TVector x);

    /// <summary>2ⁿ for integer-valued lanes n with n + 1023 in [1, 2046], built from its exponent bits.</summary>
    static abstract TVector PowerOfTwo(TVector n);

    /// <summary>Σ lanes by this width's fixed tree.</summary>
    static abstract double Sum(TVector v);

    /// <summary>Whether a &lt; b in any lane (false for NaN lanes).</summary>
    static abstract bool LessThanAny(TVector a, TVector b);

    /// <summary>Largest lane (exact in any order).</summary>
    static abstract double MaxAcross(TVector v);

    /// <summary>destination[j] = <see cref="Sum"/>(a_j) for j &lt; 4, bit for bit.</summary>
    static abstract void Sum4(TVector a0, TVector a1, TVector a2, TVector a3, ref double destination);
}
