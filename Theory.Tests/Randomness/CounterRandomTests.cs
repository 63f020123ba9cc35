using Diffusion.Verify.Randomness;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// The counter-based generator: correct N(0, 1) moments, and every value a pure function of its key and
/// index (DESIGN §8: results never depend on thread count, block size or shard).
/// </summary>
public sealed class CounterRandomTests
{
    [Fact]
    public void StandardNormalMomentsAreWithinFiveSigma()
    {
        const int n = 1 << 20;
        var values = new double[n];
        CounterRandom.FillStandardNormal(CounterRandom.Key(42, RandomStream.Evaluation, 0, 0), values);
        double mean = values.Average();
        double variance = values.Sum(v => (v - mean) * (v - mean)) / (n - 1);
        double fourth = values.Average(v => v * v * v * v);

        // se(mean) = 1/√n; se(variance) = √(2/n) for a normal; E Z⁴ = 3 with se √(96/n).
        Assert.InRange(mean, -5 / Math.Sqrt(n), 5 / Math.Sqrt(n));
        Assert.InRange(variance, 1 - 5 * Math.Sqrt(2.0 / n), 1 + 5 * Math.Sqrt(2.0 / n));
        Assert.InRange(fourth, 3 - 5 * Math.Sqrt(96.0 / n), 3 + 5 * Math.Sqrt(96.0 / n));
    }

    [Fact]
    public void BoxMullerPairsAreUncorrelated()
    {
        // The two values of one Box–Muller pair come from the same uniforms; they must still be uncorrelated.
        const int pairs = 1 << 19;
        var values = new double[2 * pairs];
        CounterRandom.FillStandardNormal(CounterRandom.Key(7, RandomStream.Evaluation, 3, 11), values);
        double withinPair = 0;
        double acrossPairs = 0;
        for (int i = 0; i < pairs; i++)
        {
            withinPair += values[2 * i] * values[2 * i + 1];
            acrossPairs += values[2 * i + 1] * values[(2 * i + 2) % values.Length];
        }

        double bound = 5 / Math.Sqrt(pairs);
        Assert.InRange(withinPair / pairs, -bound, bound);
        Assert.InRange(acrossPairs / pairs, -bound, bound);
    }

    [Fact]
    public void SameKeyGivesSameValues()
    {
        var first = new double[257];
        var second = new double[257];
        CounterRandom.FillStandardNormal(CounterRandom.Key(5, RandomStream.StepNoise, 17, 123456789), first);
        CounterRandom.FillStandardNormal(CounterRandom.Key(5, RandomStream.StepNoise, 17, 123456789), second);
        Assert.Equal(first, second);
        Assert.Equal(CounterRandom.Key(5, RandomStream.StepNoise, 17, 3), CounterRandom.Key(5, RandomStream.StepNoise, 17, 3));
    }

    [Fact]
    public void DifferentSeedsStreamsStepsAndSamplesGiveDifferentValues()
    {
        var keys = new List<(string What, ulong Key)>
        {
            ("base", CounterRandom.Key(1, RandomStream.StepNoise, 10, 100)),
            ("seed", CounterRandom.Key(2, RandomStream.StepNoise, 10, 100)),
            ("stream", CounterRandom.Key(1, RandomStream.StepNoiseSecond, 10, 100)),
            ("step", CounterRandom.Key(1, RandomStream.StepNoise, 11, 100)),
            ("sample", CounterRandom.Key(1, RandomStream.StepNoise, 10, 101)),
        };
        foreach (RandomStream stream in Enum.GetValues<RandomStream>())
        {
            keys.Add(($"stream {stream}", CounterRandom.Key(1, stream, 0, 0)));
        }

        for (int step = 0; step < 64; step++)
        {
            keys.Add(($"step {step}", CounterRandom.Key(9, RandomStream.Diffusion, step, 0)));
        }

        for (long sample = 0; sample < 64; sample++)
        {
            keys.Add(($"sample {sample}", CounterRandom.Key(9, RandomStream.Data, 0, sample)));
        }

        var seen = new Dictionary<double, string>();
        foreach ((string what, ulong key) in keys)
        {
            var values = new double[8];
            CounterRandom.FillStandardNormal(key, values);
            foreach (double v in values)
            {
                Assert.False(seen.TryGetValue(v, out string? other), $"{what} repeats a value of {other}");
                seen[v] = what;
            }
        }

        // Distinct keys must also give uncorrelated streams, not merely different ones.
        const int n = 1 << 16;
        var a = new double[n];
        var b = new double[n];
        CounterRandom.FillStandardNormal(CounterRandom.Key(1, RandomStream.StepNoise, 10, 100), a);
        CounterRandom.FillStandardNormal(CounterRandom.Key(1, RandomStream.StepNoise, 10, 101), b);
        double correlation = a.Zip(b, (x, y) => x * y).Sum() / n;
        Assert.InRange(correlation, -5 / Math.Sqrt(n), 5 / Math.Sqrt(n));
    }

    [Fact]
    public void ValueAtAnIndexDoesNotDependOnTheLengthFilled()
    {
        ulong key = CounterRandom.Key(3, RandomStream.Start, 0, 77);
        var reference = new double[40];
        CounterRandom.FillStandardNormal(key, reference);
        for (int length = 1; length <= reference.Length; length++)
        {
            var shorter = new double[length];
            CounterRandom.FillStandardNormal(key, shorter);
            for (int j = 0; j < length; j++)
            {
                Assert.Equal(reference[j], shorter[j]);
            }
        }

        for (int j = 0; j < reference.Length; j++)
        {
            Assert.Equal(reference[j], CounterRandom.StandardNormal(key, j));
        }
    }

    [Fact]
    public void UniformsStayInTheirIntervals()
    {
        ulong key = CounterRandom.Key(11, RandomStream.Data, 0, 0);
        double sum = 0;
        const int n = 1 << 18;
        for (int i = 0; i < n; i++)
        {
            double openClosed = CounterRandom.UniformOpenClosed(key, i);
            double closedOpen = CounterRandom.Uniform(key, i);
            Assert.True(openClosed > 0 && openClosed <= 1);
            Assert.True(closedOpen >= 0 && closedOpen < 1);
            sum += closedOpen;
        }

        // mean ½, se √(1/12 n)
        double bound = 5 * Math.Sqrt(1.0 / (12.0 * n));
        Assert.InRange(sum / n, 0.5 - bound, 0.5 + bound);
    }
}

public class CounterRandomDistributionTests
{
    [Fact]
    public void NormalsPassKolmogorovSmirnovAndTailChecks()
    {
        // 10⁶ draws across many keys: KS distance against Φ below the 1e−6 critical value 2.63/√n,
        // and the mass beyond the ziggurat's tail start R = 3.4426 within 5σ of 2Φ(−R).
        const int n = 1_000_000;
        var values = new double[n];
        for (int s = 0; s < n / 1000; s++)
        {
            Diffusion.Verify.Randomness.CounterRandom.FillStandardNormal(
                Diffusion.Verify.Randomness.CounterRandom.Key(11, Diffusion.Verify.Randomness.RandomStream.Evaluation, 3, s),
                values.AsSpan(s * 1000, 1000));
        }

        Array.Sort(values);
        double ks = 0;
        for (int i = 0; i < n; i++)
        {
            double cdf = MathNet.Numerics.Distributions.Normal.CDF(0, 1, values[i]);
            ks = Math.Max(ks, Math.Max(Math.Abs(cdf - (double)i / n), Math.Abs(cdf - (double)(i + 1) / n)));
        }

        Assert.True(ks < 2.63 / Math.Sqrt(n), $"KS distance {ks}");
        double tailProbability = 2 * MathNet.Numerics.Distributions.Normal.CDF(0, 1, -3.442619855899);
        int tail = values.Count(v => Math.Abs(v) > 3.442619855899);
        double sigma = Math.Sqrt(n * tailProbability * (1 - tailProbability));
        Assert.InRange(tail, n * tailProbability - 5 * sigma, n * tailProbability + 5 * sigma);
    }
}
