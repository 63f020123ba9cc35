using Diffusion.Verify.Randomness;

namespace Diffusion.Verify.Targets;

/// <summary>Operations every target gets from its closed forms.</summary>
public static class DiffusedTargetExtensions
{
    /// <summary>s(x, ᾱ) for one point (allocates scratch; not for hot loops).</summary>
    public static void Score(this IDiffusedTarget target, ReadOnlySpan<double> x, double alphaBar, Span<double> score)
    {
        var scratch = new double[target.ScratchLength(1)];
        target.ScoreBlock(x, 1, alphaBar, score, scratch);
    }

    /// <summary>
    /// An exact draw of X_t = √ᾱ X_0 + √(1−ᾱ) W, a pure function of (seed, sampleIndex): X_0 from the
    /// data stream, W from the diffusion stream.
    /// </summary>
    public static void SampleDiffused(this IDiffusedTarget target, long seed, long sampleIndex, double alphaBar, Span<double> x)
    {
        target.SampleData(seed, sampleIndex, x);
        double a = Math.Sqrt(alphaBar);
        double s = Math.Sqrt(1.0 - alphaBar);
        ulong key = CounterRandom.Key(seed, RandomStream.Diffusion, 0, sampleIndex);
        for (int j = 0; j < x.Length; j++)
        {
            x[j] = a * x[j] + s * CounterRandom.StandardNormal(key, j);
        }
    }
}
