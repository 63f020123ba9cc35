using System.Runtime.CompilerServices;

namespace Diffusion.Verify.Randomness;

/// <summary>
/// Counter-based randomness: every number is a pure function of (seed, stream, step, sample, index),
/// so a result never depends on thread count, block size or sharding. The generator is SplitMix64
/// evaluated at a counter position (it passes BigCrush as a sequence), keyed by a mixed hash of the
/// coordinates of the draw.
/// </summary>
public static class CounterRandom
{
    private const ulong Golden = 0x9E3779B97F4A7C15UL;
    private const double TwoPow53Inverse = 1.0 / (1UL << 53);

    /// <summary>The key of one sample's draws for one purpose at one step.</summary>
    public static ulong Key(long seed, RandomStream stream, int step, long sample)
    {
        ulong h = Mix((ulong)seed ^ 0x5851F42D4C957F2DUL);
        h = Mix(h ^ ((ulong)stream * Golden));
        h = Mix(h ^ ((ulong)(uint)step * 0xD1B54A32D192ED03UL));
        return Mix(h ^ ((ulong)sample * 0x8CB92BA72F3D8DD7UL));
    }

    /// <summary>The key-th stream's 64 random bits at position <paramref name="counter"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Bits(ulong key, long counter) => Mix(key + ((ulong)counter + 1) * Golden);

    /// <summary>Uniform on (0, 1]: never 0, so its logarithm is finite.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double UniformOpenClosed(ulong key, long counter) => ((Bits(key, counter) >> 11) + 1) * TwoPow53Inverse;

    /// <summary>Uniform on [0, 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Uniform(ulong key, long counter) => (Bits(key, counter) >> 11) * TwoPow53Inverse;

    /// <summary>
    /// Fills <paramref name="destination"/> with independent N(0, 1) values; value j depends only on
    /// (key, j), by Box–Muller on the uniforms at counters 2⌊j/2⌋ and 2⌊j/2⌋+1.
    /// </summary>
    public static void FillStandardNormal(ulong key, Span<double> destination)
    {
        int n = destination.Length;
        int j = 0;
        for (; j + 1 < n; j += 2)
        {
            (double a, double b) = NormalPair(key, j);
            destination[j] = a;
            destination[j + 1] = b;
        }

        if (j < n)
        {
            destination[j] = NormalPair(key, j).First;
        }
    }

    /// <summary>One N(0, 1) value at index j of the key's stream (the same value FillStandardNormal puts there).</summary>
    public static double StandardNormal(ulong key, int index)
    {
        (double a, double b) = NormalPair(key, index & ~1);
        return (index & 1) == 0 ? a : b;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (double First, double Second) NormalPair(ulong key, int evenIndex)
    {
        double u1 = UniformOpenClosed(key, evenIndex);
        double u2 = Uniform(key, evenIndex + 1);
        double radius = Math.Sqrt(-2.0 * Math.Log(u1));
        (double sin, double cos) = Math.SinCos(2.0 * Math.PI * u2);
        return (radius * cos, radius * sin);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
