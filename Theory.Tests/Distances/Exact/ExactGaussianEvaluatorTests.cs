using Diffusion.Verify.Distances;
using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Xunit.Abstractions;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>The public entry point: report contents, consistency between its numbers, speed, and small-TV resolution.</summary>
public sealed class ExactGaussianEvaluatorTests(ITestOutputHelper output)
{
    private static readonly GaussianLaw Anisotropic = new([1.0, -0.5, 0.0, 2.0], [0.2, 1.0, 3.0, 0.05]);

    [Theory]
    [InlineData("ddim-type", StartDistribution.Gaussian)]
    [InlineData("ddim-type", StartDistribution.Exact)]
    [InlineData("ddpm-type", StartDistribution.Gaussian)]
    [InlineData("ddpm-type", StartDistribution.Exact)]
    [InlineData("test-acc-sde", StartDistribution.Exact)]
    [InlineData("test-acc-ode", StartDistribution.Exact)]
    public void ReportIsExactAndSelfConsistent(string samplerName, StartDistribution start)
    {
        Sampler sampler = ExactGaussianPropagationTests.ByName(samplerName);
        NoiseSchedule schedule = LogSnrSchedule.Create(100);
        ExactGaussianEvaluation e = ExactGaussianEvaluator.Analyse(sampler, schedule, Anisotropic, start);
        DistanceReport r = e.Report;
        output.WriteLine($"{samplerName} {start}: TV {r.TotalVariation.Value:G6} (tol {r.TotalVariation.Tolerance:G2}, {e.TotalVariation.Formula}), KL(p‖q) {r.KlSamplerToTarget.Value:G6}, KL(q‖p) {r.KlTargetToSampler!.Value.Value:G6}, path KL {r.PathKl?.Value:G6}");

        Assert.Equal(DistanceMethod.Exact, r.Method);
        Assert.Equal(0, r.SampleCount);
        foreach (Estimate estimate in new[] { r.TotalVariation, r.KlSamplerToTarget, r.KlTargetToSampler!.Value })
        {
            Assert.Equal(0, estimate.StandardError);
            Assert.True(estimate.Tolerance > 0 && estimate.Tolerance < 1e-9 * Math.Max(estimate.Value, 1e-3), $"tolerance {estimate.Tolerance} for value {estimate.Value}");
        }

        Assert.Equal(GaussianDivergence.Kl(e.Output.Output, e.Target), r.KlSamplerToTarget.Value);
        Assert.Equal(GaussianDivergence.Kl(e.Target, e.Output.Output), r.KlTargetToSampler.Value.Value);
        Assert.Equal(GaussianTotalVariation.Compute(e.Output.Output, e.Target).Value, r.TotalVariation.Value);

        // Pinsker in both directions.
        Assert.True(r.TotalVariation.Value <= Math.Sqrt(r.KlSamplerToTarget.Value / 2));
        Assert.True(r.TotalVariation.Value <= Math.Sqrt(r.KlTargetToSampler.Value.Value / 2));
        Assert.True(r.TotalVariation.Value > 0);

        if (sampler.IsStochastic)
        {
            Assert.NotNull(r.PathKl);
            Assert.Equal(GaussianPathKl.Compute(sampler, schedule, Anisotropic, start).Total, r.PathKl!.Value.Value);
            Assert.True(r.PathKl.Value.Value >= r.KlTargetToSampler.Value.Value);
        }
        else
        {
            Assert.Null(r.PathKl);
            Assert.Null(e.PathKl);
        }
    }

    [Fact]
    public void IsotropicD1000GivesAFinitePositiveTvForBothSamplerKinds()
    {
        var data = GaussianLaw.Isotropic(1000, 0.5, 0.3);
        var started = System.Diagnostics.Stopwatch.StartNew();
        DistanceReport deterministic = ExactGaussianEvaluator.Evaluate(new DdimTypeSampler(), LogSnrSchedule.Create(500), data, StartDistribution.Gaussian);
        DistanceReport stochastic = ExactGaussianEvaluator.Evaluate(new DdpmTypeSampler(), LogSnrSchedule.Create(500), data, StartDistribution.Gaussian);
        double seconds = started.Elapsed.TotalSeconds;
        output.WriteLine($"d = 1000: {seconds:F3} s; ddim-type TV {deterministic.TotalVariation.Value:G6}, ddpm-type TV {stochastic.TotalVariation.Value:G6}, path KL {stochastic.PathKl?.Value:G6}");
        Assert.True(double.IsFinite(deterministic.TotalVariation.Value) && deterministic.TotalVariation.Value > 0);
        Assert.True(double.IsFinite(stochastic.TotalVariation.Value) && stochastic.TotalVariation.Value > 0);
    }

    [Fact]
    public void FiftyDistinctEigenvaluesUseTheInversionAndConverge()
    {
        var random = new Random(4);
        var means = new double[50];
        var eigenvalues = new double[50];
        for (int j = 0; j < 50; j++)
        {
            means[j] = random.NextDouble() - 0.5;
            eigenvalues[j] = Math.Exp((random.NextDouble() * 6) - 3);
        }

        ExactGaussianEvaluation e = ExactGaussianEvaluator.Analyse(new DdpmTypeSampler(), LogSnrSchedule.Create(200), new GaussianLaw(means, eigenvalues), StartDistribution.Exact);
        Assert.Equal(GaussianTvFormula.Imhof, e.TotalVariation.Formula);
        Assert.True(e.TotalVariation.Converged);
        Assert.Equal(50, e.Output.Groups);
    }

    [Fact]
    public void ResolvesTvNear1eMinus8WithSmallRelativeTolerance()
    {
        // A second-order sampler at large T with the exact start: TV ~ 1e−8 must come out with a tolerance
        // that is a small fraction of it, and shrink by about 4× when T doubles.
        var data = new GaussianLaw([1.0, -0.5], [0.5, 2.0]);
        double previous = double.NaN;
        foreach (int steps in new[] { 40_000, 80_000 })
        {
            DistanceReport r = ExactGaussianEvaluator.Evaluate(new ExactTestSamplers.AccOde(), LogSnrSchedule.Create(steps, 4, -8), data, StartDistribution.Exact);
            output.WriteLine($"acc-ode T = {steps}: TV {r.TotalVariation.Value:G6} ± {r.TotalVariation.Tolerance:G2}, KL(p‖q) {r.KlSamplerToTarget.Value:G6} ± {r.KlSamplerToTarget.Tolerance:G2}");
            Assert.True(r.TotalVariation.Value < 5e-8, $"TV {r.TotalVariation.Value}");
            Assert.True(r.TotalVariation.Tolerance < 1e-3 * r.TotalVariation.Value, $"TV {r.TotalVariation.Value} has tolerance {r.TotalVariation.Tolerance}");
            if (!double.IsNaN(previous))
            {
                double ratio = previous / r.TotalVariation.Value;
                Assert.InRange(ratio, 3.5, 4.5);
            }

            previous = r.TotalVariation.Value;
        }
    }

    [Fact]
    public void DdimTypeErrorHalvesWhenTDoublesOnTheLogSnrGrid()
    {
        // First order: TV ∝ 1/T asymptotically on the log-free grid (a check that can fail on any propagation slip).
        var data = new GaussianLaw([1.0, -0.5], [0.5, 2.0]);
        double tv400 = ExactGaussianEvaluator.Evaluate(new DdimTypeSampler(), LogSnrSchedule.Create(400), data, StartDistribution.Exact).TotalVariation.Value;
        double tv800 = ExactGaussianEvaluator.Evaluate(new DdimTypeSampler(), LogSnrSchedule.Create(800), data, StartDistribution.Exact).TotalVariation.Value;
        output.WriteLine($"ddim-type TV(400) = {tv400:G6}, TV(800) = {tv800:G6}, ratio {tv400 / tv800:F3}");
        Assert.InRange(tv400 / tv800, 1.8, 2.2);
    }
}
