using System.Diagnostics;
using Diffusion.Verify.Distances;
using Diffusion.Verify.Numerics;
using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Scores;
using Diffusion.Verify.Targets;
using Xunit.Abstractions;

namespace Diffusion.Verify.Theory.Tests;

public class DensityPropagationTests(ITestOutputHelper output)
{
    private static IsotropicMixture Bimodal() => new([0.3, 0.7], [[-2.0], [1.5]], [0.09, 0.36]);

    /// <summary>
    /// On a Gaussian target every kernel is affine plus Gaussian noise, so p_1 is Gaussian with a mean and
    /// variance propagated in closed form; grid TV and both KLs must match the closed forms to 1e−9.
    /// </summary>
    [Theory]
    [InlineData("ddpm-type", 20, 0.36, StartDistribution.Gaussian)]
    [InlineData("ddpm-type", 100, 0.36, StartDistribution.Exact)]
    [InlineData("ddpm-type", 1000, 0.36, StartDistribution.Gaussian)]
    [InlineData("ddpm-type", 100, 0.01, StartDistribution.Gaussian)]
    [InlineData("acc-sde-like", 20, 0.36, StartDistribution.Exact)]
    [InlineData("acc-sde-like", 100, 0.36, StartDistribution.Gaussian)]
    [InlineData("acc-sde-like", 1000, 0.01, StartDistribution.Exact)]
    [InlineData("acc-sde-inside-like", 100, 0.36, StartDistribution.Gaussian)]
    public void GaussianTargetMatchesClosedForm(string kind, int steps, double variance0, StartDistribution start)
    {
        const double mean0 = 1.5;
        NoiseSchedule schedule = Li2024Schedule.Create(steps, 2, 6);
        IReadOnlyList<StochasticKernel> kernels = DensityPropagationKernels.Of(kind, schedule);
        var target = new IsotropicMixture([1.0], [[mean0]], [variance0]);

        DensityPropagationResult result = DensityPropagation.Propagate(kernels, schedule, target, start);

        (double m, double v) = DensityPropagationGaussianReference.Propagate(kernels, schedule, mean0, variance0, start);
        double mq = Math.Sqrt(schedule.AlphaBar(1)) * mean0;
        double vq = DensityPropagationGaussianReference.DiffusedVariance(variance0, schedule.AlphaBar(1));
        double tv = DensityPropagationGaussianReference.TotalVariation(m, v, mq, vq);
        double klPq = DensityPropagationGaussianReference.Kl(m, v, mq, vq);
        double klQp = DensityPropagationGaussianReference.Kl(mq, vq, m, v);
        output.WriteLine($"TV {result.TotalVariation:R} vs {tv:R}; KL(p‖q) {result.KlSamplerToTarget:R} vs {klPq:R}; KL(q‖p) {result.KlTargetToSampler:R} vs {klQp:R}");

        Assert.InRange(tv, 1e-5, 0.5); // a non-trivial comparison
        Assert.InRange(result.TotalVariation - tv, -1e-9, 1e-9);
        Assert.InRange(result.KlSamplerToTarget - klPq, -1e-9, 1e-9);
        Assert.InRange(result.KlTargetToSampler - klQp, -1e-9, 1e-9);
        Assert.InRange(result.Mass - 1, -1e-9, 1e-9);
    }

    /// <summary>
    /// The cosine schedule's first step has β ≈ 0.999: M' ≈ 0.03 squeezes the density into a spike far
    /// narrower than q's components before a post-noise of sd ≈ 30 spreads it. The grid must follow the
    /// sampler's own finest feature there: closed form on a Gaussian target, refinement on the mixture.
    /// </summary>
    [Fact]
    public void StronglyContractingStepIsResolved()
    {
        NoiseSchedule schedule = new ScheduleSpec("cosine").Build(50);
        IReadOnlyList<StochasticKernel> kernels = DensityPropagation.KernelsOf(new DdpmTypeSampler(), schedule);
        Assert.True(kernels[0].Scale * (1 - kernels[0].ScoreCoefficient) < 0.1, "the first step should contract strongly");

        var gaussian = new IsotropicMixture([1.0], [[0.8]], [0.05]);
        DensityPropagationResult result = DensityPropagation.Propagate(kernels, schedule, gaussian, StartDistribution.Gaussian);
        (double m, double v) = DensityPropagationGaussianReference.Propagate(kernels, schedule, 0.8, 0.05, StartDistribution.Gaussian);
        double tv = DensityPropagationGaussianReference.TotalVariation(m, v, Math.Sqrt(schedule.AlphaBar(1)) * 0.8, DensityPropagationGaussianReference.DiffusedVariance(0.05, schedule.AlphaBar(1)));
        output.WriteLine($"Gaussian: TV {result.TotalVariation:R} vs {tv:R}");
        Assert.InRange(result.TotalVariation - tv, -1e-9, 1e-9);

        DistanceReport report = DensityPropagation.Evaluate(kernels, schedule, Bimodal(), StartDistribution.Gaussian);
        output.WriteLine($"bimodal: TV = {report.TotalVariation.Value:R} ± {report.TotalVariation.Tolerance:G3}; {report.Notes}");
        Assert.True(report.TotalVariation.Tolerance < 1e-6 * report.TotalVariation.Value);
    }

    /// <summary>
    /// The convergence requirement on the bimodal mixture, li2024 (c0 = 2, c1 = 6): halving the
    /// spacing changes TV by less than 1e−3 relative, and one evaluation (both resolutions) takes seconds;
    /// here for a kernel made by hand (the catalogue's samplers are in <see cref="BimodalQuadratureConvergenceTests"/>).
    /// </summary>
    [Theory]
    [InlineData("acc-sde-like", 1000)]
    public void BimodalRefinementConverges(string kind, int steps)
    {
        NoiseSchedule schedule = Li2024Schedule.Create(steps, 2, 6);
        IReadOnlyList<StochasticKernel> kernels = DensityPropagationKernels.Of(kind, schedule);
        var clock = Stopwatch.StartNew();
        DistanceReport report = DensityPropagation.Evaluate(kernels, schedule, Bimodal(), StartDistribution.Gaussian);
        clock.Stop();
        output.WriteLine($"{kind} T = {steps}: TV = {report.TotalVariation.Value:R} ± {report.TotalVariation.Tolerance:G3}, " +
                         $"KL(p‖q) = {report.KlSamplerToTarget.Value:G6} ± {report.KlSamplerToTarget.Tolerance:G3}, " +
                         $"KL(q‖p) = {report.KlTargetToSampler!.Value.Value:G6}; {clock.Elapsed.TotalSeconds:F2} s; {report.Notes}");

        Assert.Equal(DistanceMethod.Quadrature, report.Method);
        Assert.Equal(0, report.TotalVariation.StandardError);
        Assert.True(report.TotalVariation.Value >= 1e-7);
        Assert.True(report.TotalVariation.Tolerance < 1e-3 * report.TotalVariation.Value);
        Assert.True(report.KlSamplerToTarget.Tolerance < 1e-3 * report.KlSamplerToTarget.Value);
        Assert.True(report.KlTargetToSampler.Value.Tolerance < 1e-3 * report.KlTargetToSampler.Value.Value);
    }

    /// <summary>
    /// The propagated density is the law of the sampler actually run: the Kolmogorov–Smirnov distance
    /// between the grid CDF of p_1 and the empirical CDF of ddpm-type's samples stays below the 0.1 %
    /// critical value 1.95/√N, while the same statistic against q_1 is far above it (the test has power).
    /// </summary>
    [Fact]
    public void MatchesDdpmTypeSamples()
    {
        NoiseSchedule schedule = Li2024Schedule.Create(20, 2, 6);
        IsotropicMixture target = Bimodal();
        var sampler = new DdpmTypeSampler();
        const int n = 40_000;
        SampleSet samples = SamplerRunner.Run(sampler, schedule, new ExactScore(target), target, new SamplingOptions { Samples = n, Seed = 7 });
        DensityPropagationResult result = DensityPropagation.Propagate(DensityPropagation.KernelsOf(sampler, schedule), schedule, target, StartDistribution.Gaussian);

        AssertKolmogorovSmirnov(result, samples.Output, target, schedule);
    }

    /// <summary>The same check for a kernel with pre-noise, simulated directly from its definition.</summary>
    [Fact]
    public void MatchesSimulatedPreNoiseKernelChain()
    {
        NoiseSchedule schedule = Li2024Schedule.Create(20, 2, 6);
        IsotropicMixture target = Bimodal();
        IReadOnlyList<StochasticKernel> kernels = DensityPropagationKernels.Of("acc-sde-like", schedule);
        const int n = 40_000;
        var random = new Random(11);
        var y = new double[n];
        var score = new double[n];
        var scratch = new double[target.ScratchLength(n)];
        for (int i = 0; i < n; i++)
        {
            y[i] = Normal(random);
        }

        foreach (StochasticKernel k in kernels)
        {
            for (int i = 0; i < n; i++)
            {
                y[i] += k.PreNoise * Normal(random);
            }

            target.ScoreBlock(y, n, k.AlphaBar, score, scratch);
            for (int i = 0; i < n; i++)
            {
                y[i] = k.Scale * (y[i] + k.ScoreCoefficient * score[i]) + k.PostNoise * Normal(random);
            }
        }

        DensityPropagationResult result = DensityPropagation.Propagate(kernels, schedule, target, StartDistribution.Gaussian);
        AssertKolmogorovSmirnov(result, y, target, schedule);
    }

    [Fact]
    public void NonMonotoneMapIsRefusedWithAClearMessage()
    {
        NoiseSchedule schedule = Li2024Schedule.Create(20, 2, 6);
        var kernels = DensityPropagation.KernelsOf(new DdpmTypeSampler(), schedule).ToArray();

        // c = 0.5 against component variances ≈ 0.09: 1 + c s' < 0 near the narrow mode, > 0 between the modes.
        StochasticKernel last = kernels[^1];
        kernels[^1] = last with { ScoreCoefficient = 0.5 };
        var e = Assert.Throws<InvalidOperationException>(() => DensityPropagation.Propagate(kernels, schedule, Bimodal(), StartDistribution.Gaussian));
        Assert.Contains("not increasing", e.Message);
        Assert.Contains("t = 2", e.Message);
    }

    [Fact]
    public void RejectsWhatItCannotEvaluate()
    {
        NoiseSchedule schedule = Li2024Schedule.Create(20, 2, 6);
        IReadOnlyList<StochasticKernel> kernels = DensityPropagation.KernelsOf(new DdpmTypeSampler(), schedule);
        var twoD = new IsotropicMixture([1.0], [[0.0, 0.0]], [1.0]);
        Assert.Throws<InvalidSpecificationException>(() => DensityPropagation.Propagate(kernels, schedule, twoD, StartDistribution.Gaussian));
        Assert.Throws<InvalidSpecificationException>(() => DensityPropagation.Propagate(kernels.Take(5).ToArray(), schedule, Bimodal(), StartDistribution.Gaussian));
        Assert.Throws<InvalidSpecificationException>(() => DensityPropagation.Evaluate(new DdimTypeSampler(), schedule, Bimodal(), StartDistribution.Gaussian));
        Assert.Throws<InvalidSpecificationException>(() => DensityPropagation.Propagate(kernels, schedule, Bimodal(), StartDistribution.Gaussian, new DensityPropagationOptions { PointsPerSd = 4 }));
    }

    private void AssertKolmogorovSmirnov(DensityPropagationResult result, double[] samples, IsotropicMixture target, NoiseSchedule schedule)
    {
        GridDensity p = result.Density;
        var stencil = new LagrangeStencil(12);
        double[] sorted = samples.Order().ToArray();
        int n = sorted.Length;
        double alphaBar = schedule.AlphaBar(1);
        double cdf = 0;
        int below = 0;
        double ksSampler = 0;
        double ksTarget = 0;
        for (int i = 0; i < p.Count; i++)
        {
            double x = p.Node(i);
            while (below < n && sorted[below] <= x)
            {
                below++;
            }

            double empirical = (double)below / n;
            ksSampler = Math.Max(ksSampler, Math.Abs(empirical - cdf));
            double targetCdf = 0;
            for (int c = 0; c < target.Components; c++)
            {
                double v = target.DiffusedVariance(c, alphaBar);
                targetCdf += target.Weights[c] * DensityPropagationGaussianReference.Phi((x - Math.Sqrt(alphaBar) * target.Mean(c)[0]) / Math.Sqrt(v));
            }

            ksTarget = Math.Max(ksTarget, Math.Abs(empirical - targetCdf));
            cdf += p.Spacing * stencil.CellIntegral(p.Values, i);
        }

        double critical = 1.95 / Math.Sqrt(n);
        output.WriteLine($"KS vs propagated p_1: {ksSampler:G4}; vs q_1: {ksTarget:G4}; 0.1 % critical value {critical:G4}; TV(p_1, q_1) = {result.TotalVariation:G4}");
        Assert.True(ksSampler < critical, $"KS {ksSampler} ≥ {critical}");
        Assert.True(ksTarget > 3 * critical, "the KS check has no power at this configuration");
    }

    private static double Normal(Random random)
    {
        double u1 = 1.0 - random.NextDouble();
        double u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
