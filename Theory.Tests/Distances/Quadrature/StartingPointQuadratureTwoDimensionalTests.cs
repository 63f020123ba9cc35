using System.Diagnostics;
using Diffusion.Verify.Distances;
using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Scores;
using Diffusion.Verify.Targets;
using Xunit.Abstractions;

namespace Diffusion.Verify.Theory.Tests;

public sealed class StartingPointQuadratureTwoDimensionalTests(ITestOutputHelper output)
{
    [Fact]
    public void CentredGaussianMatchesClosedForm()
    {
        // ddim-type maps N(0, I_2) to N(0, A² I_2); q_1 = N(0, v I_2). |y|² is exponential under both laws, so
        // TV = |e^{−ρ*/(2V)} − e^{−ρ*/(2v)}| at the radius ρ* where the densities cross, and KL = 2 · 1-D KL.
        // The crossing is a circle: its tangency with the quadrature lines is what the outer adaptivity resolves.
        const double variance = 0.25;
        var target = new IsotropicMixture([1.0], [[0.0, 0.0]], [variance]);
        NoiseSchedule schedule = new ScheduleSpec("li2024", 2, 6).Build(200);
        var sampler = new DdimTypeSampler();
        var core = new IsotropicMixture([1.0], [[0.0]], [variance]);
        SampleSet affine = SamplerRunner.RunFrom(sampler, schedule, new ExactScore(core), [0.0, 1.0], accumulateLogDeterminant: false);
        double a = affine.Output[1] - affine.Output[0];
        double bigV = a * a;
        double v = schedule.AlphaBar(1) * variance + schedule.OneMinusAlphaBar(1);
        double rhoStar = Math.Log(bigV / v) / (1 / (2 * v) - 1 / (2 * bigV));
        double tv = Math.Abs(Math.Exp(-rhoStar / (2 * bigV)) - Math.Exp(-rhoStar / (2 * v)));
        double kl = 2 * StartingPointQuadratureTests.GaussianKl(0, bigV, 0, v);
        double klReverse = 2 * StartingPointQuadratureTests.GaussianKl(0, v, 0, bigV);

        var clock = Stopwatch.StartNew();
        DistanceReport report = StartingPointQuadrature.Evaluate(sampler, schedule, target, StartDistribution.Gaussian, new StartingPointQuadratureOptions { OutputSpan = 1.0, OuterRelativeTolerance = 1e-6 });
        output.WriteLine($"TV {report.TotalVariation.Value:R} ± {report.TotalVariation.Tolerance:G3} closed {tv:R} diff {report.TotalVariation.Value - tv:G3}; KL diff {report.KlSamplerToTarget.Value - kl:G3}, {report.KlTargetToSampler!.Value.Value - klReverse:G3}; {clock.Elapsed.TotalSeconds:F1} s");
        output.WriteLine(report.Notes);
        Assert.InRange(Math.Abs(report.TotalVariation.Value - tv), 0, Math.Max(report.TotalVariation.Tolerance, 1e-9));
        Assert.InRange(report.TotalVariation.Tolerance, 0, 1e-6 * tv);
        Assert.InRange(Math.Abs(report.KlSamplerToTarget.Value - kl), 0, 1e-9);
        Assert.InRange(Math.Abs(report.KlTargetToSampler.Value.Value - klReverse), 0, 1e-9);
    }
}
