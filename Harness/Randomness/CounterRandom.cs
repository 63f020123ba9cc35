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
    /// (key, j): it is drawn by the ziggurat method from its own block of counters [64 j, 64 j + 64).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FillStandardNormal(ulong key, Span<double> destination)
    {
        for (int j = 0; j < destination.Length; j++)
        {
            destination[j] = StandardNormal(key, j);
        }
    }

    /// <summary>One N(0, 1) value at index j of the key's stream (the same value FillStandardNormal puts there).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double StandardNormal(ulong key, int index)
    {
        long counter = (long)index << 6;
        ulong bits = Bits(key, counter);
        int layer = (int)(bits & 0x7F);
        double u = ((bits >> 11) * TwoPow53Inverse * 2.0) - 1.0;

        // The rectangle of the layer accepts ~99 % of draws with one multiplication.
        if (Math.Abs(u) < Ziggurat.Ratio[layer])
        {
            return u * Ziggurat.X[layer];
        }

        return StandardNormalSlow(key, counter, layer, u);
    }

    /// <summary>Ziggurat wedges, the tail, and further attempts (Marsaglia–Tsang, Doornik's ZIGNOR form).</summary>
    private static double StandardNormalSlow(ulong key, long counter, int layer, double u)
    {
        long end = counter + 60;
        while (true)
        {
            if (layer == 0)
            {
                // Tail beyond R: Marsaglia's exponential rejection.
                double x, y;
                do
                {
                    x = Math.Log(UniformOpenClosed(key, ++counter)) / Ziggurat.TailStart;
                    y = Math.Log(UniformOpenClosed(key, ++counter));
                }
                while (-2 * y < x * x && counter < end);
                return u < 0 ? x - Ziggurat.TailStart : Ziggurat.TailStart - x;
            }

            double xw = u * Ziggurat.X[layer];
            double f0 = Math.Exp(-0.5 * ((Ziggurat.X[layer] * Ziggurat.X[layer]) - (xw * xw)));
            double f1 = Math.Exp(-0.5 * ((Ziggurat.X[layer + 1] * Ziggurat.X[layer + 1]) - (xw * xw)));
            if (f1 + (Uniform(key, ++counter) * (f0 - f1)) < 1.0 || counter >= end)
            {
                return xw;
            }

            ulong bits = Bits(key, ++counter);
            layer = (int)(bits & 0x7F);
            u = ((bits >> 11) * TwoPow53Inverse * 2.0) - 1.0;
            if (Math.Abs(u) < Ziggurat.Ratio[layer])
            {
                return u * Ziggurat.X[layer];
            }
        }
    }

    /// <summary>The 128-layer ziggurat for the standard normal (R = 3.442619855899, V = 9.91256303526217e−3).</summary>
    private static class Ziggurat
    {
        public const double TailStart = 3.442619855899;
        private const double LayerArea = 9.91256303526217e-3;

        public static readonly double[] X = BuildX();
        public static readonly double[] Ratio = BuildRatio();

        private static double[] BuildX()
        {
            var x = new double[129];
            double f = Math.Exp(-0.5 * TailStart * TailStart);
            x[0] = LayerArea / f;
            x[1] = TailStart;
            x[128] = 0;
            for (int i = 2; i < 128; i++)
            {
                x[i] = Math.Sqrt(-2 * Math.Log((LayerArea / x[i - 1]) + f));
                f = Math.Exp(-0.5 * x[i] * x[i]);
            }

            return x;
        }

        private static double[] BuildRatio()
        {
            var r = new double[128];
            for (int i = 0; i < 128; i++)
            {
                r[i] = X[i + 1] / X[i];
            }

            return r;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
