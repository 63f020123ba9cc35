using Diffusion.Verify.Distances;
using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Scores;
using Diffusion.Verify.Targets;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// The propagated output law p_1 against what the samplers actually produce: Monte Carlo runs (within 5σ)
/// and, for deterministic samplers, the affine map evaluated at arbitrary starting points.
/// </summary>
public sealed class ExactGaussianPropagationTests
{
    private static readonly double[] Mean = [1.5, -0.4, 0.0];
    private const double Variance = 0.3;

    public static TheoryData<string, StartDistribution> Cases() => new()
    {
        { "ddim-type", StartDistribution.Gaussian },
        { "ddim-type", StartDistribution.Exact },
        { "ddpm-type", StartDistribution.Gaussian },
        { "ddpm-type", StartDistribution.Exact },
        { "test-acc-sde", StartDistribution.Gaussian },
        { "test-acc-ode", StartDistribution.Exact },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void OutputMeanAndVarianceMatchAMonteCarloRunWithinFiveSigma(string samplerName, StartDistribution start)
    {
        Sampler sampler = ByName(samplerName);
        NoiseSchedule schedule = LinearSchedule.Create(25);
        var target = new IsotropicMixture([1.0], [Mean], [Variance]);
        var data = new GaussianLaw(Mean, Enumerable.Repeat(Variance, Mean.Length).ToArray());
        GaussianLaw exact = GaussianPropagation.Propagate(sampler, schedule, data, start).Output;

        const int n = 100_000;
        SampleSet run = SamplerRunner.Run(sampler, schedule, new ExactScore(target), target, new SamplingOptions { Samples = n, Seed = 17, Start = start });
        for (int j = 0; j < Mean.Length; j++)
        {
            double sum = 0;
            double sumSquares = 0;
            for (int i = 0; i < n; i++)
            {
                double y = run.Output[(i * Mean.Length) + j];
                sum += y;
                sumSquares += y * y;
            }

            double mean = sum / n;
            double variance = (sumSquares - (n * mean * mean)) / (n - 1);
            double v = exact.Variance(j);
            Assert.True(Math.Abs(mean - exact.Mean(j)) < 5 * Math.Sqrt(v / n), $"{samplerName} coordinate {j}: MC mean {mean} vs exact {exact.Mean(j)} (5σ = {5 * Math.Sqrt(v / n):G3})");
            Assert.True(Math.Abs(variance - v) < 5 * v * Math.Sqrt(2.0 / n), $"{samplerName} coordinate {j}: MC variance {variance} vs exact {v} (5σ = {5 * v * Math.Sqrt(2.0 / n):G3})");
        }
    }

    [Theory]
    [InlineData("ddim-type")]
    [InlineData("test-acc-ode")]
    public void DeterministicOutputIsTheAffineMapReadOffTheProbes(string samplerName)
    {
        // Anisotropic eigenvalues and distinct means: Y_1 from RunFrom at random starts must equal A Y_T + b.
        Sampler sampler = ByName(samplerName);
        NoiseSchedule schedule = LogSnrSchedule.Create(40);
        double[] means = [2.0, -1.0, 0.5, 0.0];
        double[] eigenvalues = [4.0, 0.01, 1.0, 0.25];
        var data = new GaussianLaw(means, eigenvalues);
        PropagatedGaussian propagated = GaussianPropagation.Propagate(sampler, schedule, data, StartDistribution.Gaussian);
        Assert.True(propagated.AffineResidual < 1e-13, $"affine residual {propagated.AffineResidual}");
        for (int j = 0; j < means.Length; j++)
        {
            // With the N(0, 1) start, p_1 = N(b, A²).
            Assert.Equal(propagated.Offsets![j], propagated.Output.Mean(j));
            Assert.Equal(propagated.Slopes![j] * propagated.Slopes[j], propagated.Output.Variance(j));
        }

        var random = new Random(3);
        int rows = 16;
        var starts = new double[rows * means.Length];
        for (int k = 0; k < starts.Length; k++)
        {
            starts[k] = (random.NextDouble() * 8) - 4;
        }

        SampleSet run = SamplerRunner.RunFrom(sampler, schedule, new DiagonalGaussianScore(means, eigenvalues), starts, accumulateLogDeterminant: false);
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < means.Length; j++)
            {
                double predicted = propagated.Offsets![j] + (propagated.Slopes![j] * starts[(i * means.Length) + j]);
                double actual = run.Output[(i * means.Length) + j];
                Assert.True(Math.Abs(actual - predicted) < 1e-12 * (1 + Math.Abs(actual)), $"row {i} coordinate {j}: {actual} vs {predicted}");
            }
        }
    }

    [Fact]
    public void IdenticalCoordinatesArePropagatedOnceInAnIsotropicD1000Law()
    {
        const int d = 1000;
        var data = GaussianLaw.Isotropic(d, 0.7, 0.2);
        PropagatedGaussian deterministic = GaussianPropagation.Propagate(new DdimTypeSampler(), LogSnrSchedule.Create(1000), data, StartDistribution.Exact);
        PropagatedGaussian stochastic = GaussianPropagation.Propagate(new DdpmTypeSampler(), LogSnrSchedule.Create(1000), data, StartDistribution.Exact);
        Assert.Equal(1, deterministic.Groups);
        Assert.Equal(1, stochastic.Groups);
        for (int j = 1; j < d; j++)
        {
            Assert.Equal(deterministic.Output.Mean(0), deterministic.Output.Mean(j));
            Assert.Equal(stochastic.Output.Variance(0), stochastic.Output.Variance(j));
        }
    }

    [Fact]
    public void GroupedPropagationEqualsCoordinateByCoordinatePropagation()
    {
        double[] means = [1.0, 1.0, -2.0, 1.0, -2.0];
        double[] eigenvalues = [0.5, 0.5, 3.0, 0.5, 2.0];
        var data = new GaussianLaw(means, eigenvalues);
        NoiseSchedule schedule = LogSnrSchedule.Create(30);
        foreach (Sampler sampler in new Sampler[] { new DdimTypeSampler(), new DdpmTypeSampler() })
        {
            GaussianLaw all = GaussianPropagation.Propagate(sampler, schedule, data, StartDistribution.Exact).Output;
            for (int j = 0; j < means.Length; j++)
            {
                GaussianLaw one = GaussianPropagation.Propagate(sampler, schedule, new GaussianLaw([means[j]], [eigenvalues[j]]), StartDistribution.Exact).Output;
                Assert.Equal(one.Mean(0), all.Mean(j), 14);
                Assert.Equal(one.Variance(0), all.Variance(j), 14);
            }
        }
    }

    [Fact]
    public void DdpmTypeOutputApproachesQ1AsTGrowsWithTheExactStart()
    {
        var data = new GaussianLaw([1.0, -0.5], [0.1, 2.0]);
        double previous = double.PositiveInfinity;
        foreach (int steps in new[] { 10, 40, 160 })
        {
            NoiseSchedule schedule = LogSnrSchedule.Create(steps);
            GaussianLaw p = GaussianPropagation.Propagate(new DdpmTypeSampler(), schedule, data, StartDistribution.Exact).Output;
            double kl = GaussianDivergence.Kl(data.Diffused(schedule, 1), p);
            Assert.True(kl < previous, $"T = {steps}: KL(q1‖p1) = {kl} did not decrease from {previous}");
            previous = kl;
        }
    }

    [Theory]
    [InlineData("ddpm-type")]
    [InlineData("test-acc-sde")]
    public void StochasticPropagationEqualsTheMomentRecursionWrittenFromTheUpdateRule(string samplerName)
    {
        // DESIGN §4 written out by hand per sampler, as an independent check of the kernel-based recursion:
        // ddpm-type: m ← (m + β s(m))/√α, V ← ((1 − β/v_t)² V + β)/α;
        // acc-sde:   V⁺ = V + β/2, m ← (m + β s(m))/√α, V ← (1 − β/v_t)² V⁺/α + β/2.
        double[] means = [2.0, -0.3];
        double[] eigenvalues = [0.05, 3.0];
        NoiseSchedule schedule = LogSnrSchedule.Create(60);
        GaussianLaw p = GaussianPropagation.Propagate(ByName(samplerName), schedule, new GaussianLaw(means, eigenvalues), StartDistribution.Gaussian).Output;
        for (int j = 0; j < means.Length; j++)
        {
            double m = 0;
            double v = 1;
            for (int t = schedule.Steps; t >= 2; t--)
            {
                double beta = schedule.Beta(t);
                double alpha = schedule.Alpha(t);
                double alphaBar = schedule.AlphaBar(t);
                double vt = (alphaBar * eigenvalues[j]) + (1 - alphaBar);
                double score = -(m - (Math.Sqrt(alphaBar) * means[j])) / vt;
                double gain = (1 - (beta / vt)) * (1 - (beta / vt)) / alpha;
                m = (m + (beta * score)) / Math.Sqrt(alpha);
                v = samplerName == "ddpm-type" ? (gain * v) + (beta / alpha) : (gain * (v + (beta / 2))) + (beta / 2);
            }

            Assert.Equal(m, p.Mean(j), 1e-12 * (1 + Math.Abs(m)));
            Assert.Equal(v, p.Variance(j), 1e-12 * v);
        }
    }

    internal static Sampler ByName(string name) => name switch
    {
        "test-acc-sde" => new ExactTestSamplers.AccSde(),
        "test-acc-ode" => new ExactTestSamplers.AccOde(),
        _ => SamplerCatalog.Get(name),
    };
}
