using Diffusion.Verify.Distances;
using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Scores;
using Diffusion.Verify.Targets;
using static Diffusion.Verify.Theory.Tests.SampleDistanceGaussians;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// The `samples` evaluator end to end: ddpm-type on a Gaussian target (K = 1), whose output law is
/// computed exactly by propagating mean and variance through its affine recursion.
/// </summary>
public class SampleDistanceEvaluateTests
{
    private const double Mu = 1.0;
    private const double Sigma2 = 0.5;

    [Theory]
    [InlineData(1, 20_000)]
    [InlineData(8, 10_000)]
    public void DdpmTypeOnAGaussianTargetMatchesItsExactLaw(int d, int samples)
    {
        // li2024 at T = 50: the output is N(μ e₁ √ᾱ_1, V I) with V ≈ 0.695 against v_1 ≈ 0.500, so
        // TV ≈ 0.080 (d = 1) / 0.253 (d = 8) and KL(p‖q) ≈ 0.030 / 0.243.
        NoiseSchedule schedule = new ScheduleSpec("li2024").Build(50);
        IsotropicMixture target = Target(d);
        (double mean, double variance) = DdpmTypeOutput(schedule, Mu, Sigma2);
        double alphaBar = schedule.AlphaBar(1);
        double targetMean = Math.Sqrt(alphaBar) * Mu;
        double targetSd = Math.Sqrt(target.DiffusedVariance(0, alphaBar));
        double exactTv = TotalVariation(d, mean - targetMean, Math.Sqrt(variance), targetSd);
        double exactKl = Kl(d, mean - targetMean, Math.Sqrt(variance), targetSd);

        DistanceReport report = SampleDistance.Evaluate(new DdpmTypeSampler(), schedule, new ExactScore(target), target, Options(samples, seed: 4));

        Assert.Equal(DistanceMethod.Samples, report.Method);
        Assert.Equal(samples, report.SampleCount);
        Assert.Null(report.KlTargetToSampler);
        Estimate tv = report.TotalVariation;
        Estimate tvFloor = report.TotalVariationFloor!.Value;
        Estimate kl = report.KlSamplerToTarget;
        Estimate klFloor = report.KlFloor!.Value;

        // A lower bound: never above the exact TV beyond its error; clearly above its floor.
        Assert.True(tv.Value <= exactTv + (4 * tv.StandardError), $"TV bound {tv.Value} ± {tv.StandardError} above exact {exactTv}");
        Assert.True(tv.Value - tvFloor.Value > 4 * Combined(tv, tvFloor), $"TV {tv.Value} not above its floor {tvFloor.Value}");
        Assert.DoesNotContain("TV below floor", report.Notes);

        // The floors are what p = q gives: zero within their errors.
        Assert.InRange(tvFloor.Value, -4 * tvFloor.StandardError, 4 * tvFloor.StandardError);
        Assert.InRange(klFloor.Value, -4 * klFloor.StandardError, 4 * klFloor.StandardError);

        // An isotropic scale mismatch: the reference-corrected k-NN estimate is unbiased here.
        Assert.InRange(kl.Value, exactKl - (4 * kl.StandardError), exactKl + (4 * kl.StandardError));
        Assert.DoesNotContain("KL below floor", report.Notes);
    }

    [Fact]
    public void ExactDrawsOfTheTargetReadAsTheirFloor()
    {
        const int d = 4;
        const int n = 10_000;
        IsotropicMixture target = Target(d);
        var samples = new double[n * d];
        for (int i = 0; i < n; i++)
        {
            target.SampleDiffused(seed: 123, i, 0.99, samples.AsSpan(i * d, d));
        }

        SampleDistanceResult result = SampleDistance.Compare(samples, target, 0.99, seed: 7);
        DistanceReport report = result.ToReport();
        Assert.True(result.TotalVariationBelowFloor);
        Assert.True(result.KlBelowFloor);
        Assert.Contains("TV below floor", report.Notes);
        Assert.Contains("KL below floor", report.Notes);
        Estimate tv = report.TotalVariation;
        Estimate tvFloor = report.TotalVariationFloor!.Value;
        Estimate kl = report.KlSamplerToTarget;
        Estimate klFloor = report.KlFloor!.Value;
        Assert.True(Math.Abs(tv.Value - tvFloor.Value) <= 4 * Combined(tv, tvFloor));
        Assert.True(Math.Abs(kl.Value - klFloor.Value) <= 4 * Combined(kl, klFloor));
    }

    [Fact]
    public void ResultsArePureFunctionsOfTheSeed()
    {
        NoiseSchedule schedule = new ScheduleSpec("li2024").Build(20);
        IsotropicMixture target = Target(2);
        DistanceReport Run(int threads) => SampleDistance.Evaluate(
            new DdpmTypeSampler(),
            schedule,
            new ExactScore(target),
            target,
            Options(2_000, seed: 9) with { MaxDegreeOfParallelism = threads, BlockSize = threads == 1 ? 64 : 128 });
        Assert.Equal(Run(1), Run(2));
    }

    [Fact]
    public void MixtureMeansGiveTheDefaultDirections()
    {
        var target = new IsotropicMixture([0.3, 0.3, 0.4], [[2, 0, 0, 0], [-2, 0, 0, 0], [0, 2, 0, 0]], [0.2, 0.2, 0.2]);
        IReadOnlyList<ProjectionTvDirection> directions = SampleDistance.Directions(target, null, 4, randomDirections: 8, seed: 1);
        Assert.Equal(["mean 0", "mean 2", "mean 0 − mean 2", "mean 1 − mean 2"], directions.Take(4).Select(x => x.Name));
        Assert.Equal(12, directions.Count);
        IReadOnlyList<ProjectionTvDirection> given = SampleDistance.Directions(target, [[0, 0, 1, 0]], 4, randomDirections: 0, seed: 1);
        Assert.Equal("given 0", Assert.Single(given).Name);
        Assert.Throws<InvalidSpecificationException>(() => SampleDistance.Directions(target, [[1, 0]], 4, 0, 1));
    }

    private static IsotropicMixture Target(int d)
    {
        var mean = new double[d];
        mean[0] = Mu;
        return new IsotropicMixture([1.0], [mean], [Sigma2]);
    }

    private static double Combined(Estimate a, Estimate b) => Math.Sqrt((a.StandardError * a.StandardError) + (b.StandardError * b.StandardError));
}
