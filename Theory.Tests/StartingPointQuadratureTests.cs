using System.Diagnostics;
using Diffusion.Verify.Distances;
using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Scores;
using Diffusion.Verify.Targets;
using MathNet.Numerics;
using Xunit.Abstractions;

namespace Diffusion.Verify.Theory.Tests;

public sealed class StartingPointQuadratureTests(ITestOutputHelper output)
{
    private static readonly IsotropicMixture Bimodal = new([0.3, 0.7], [[-2.0], [1.5]], [0.09, 0.36]);

    [Theory]
    [InlineData(100, StartDistribution.Gaussian)]
    [InlineData(1000, StartDistribution.Gaussian)]
    [InlineData(100, StartDistribution.Exact)]
    [InlineData(1000, StartDistribution.Exact)]
    public void GaussianTargetMatchesClosedForm(int steps, StartDistribution start)
    {
        // ddim-type is affine on a Gaussian target, F(x) = A x + b, so p_1 is Gaussian.
        var target = new IsotropicMixture([1.0], [[0.7]], [0.5]);
        NoiseSchedule schedule = new ScheduleSpec("li2024", 2, 6).Build(steps);
        var sampler = new DdimTypeSampler();
        SampleSet affine = SamplerRunner.RunFrom(sampler, schedule, new ExactScore(target), [0.0, 1.0], accumulateLogDeterminant: true);
        double b = affine.Output[0];
        double a = affine.Output[1] - affine.Output[0];
        Assert.Equal(Math.Log(a), affine.LogDeterminant![0], 1e-12);

        double alphaBarT = schedule.AlphaBar(steps);
        double startMean = start == StartDistribution.Gaussian ? 0.0 : Math.Sqrt(alphaBarT) * 0.7;
        double startVariance = start == StartDistribution.Gaussian ? 1.0 : alphaBarT * 0.5 + schedule.OneMinusAlphaBar(steps);
        double pMean = a * startMean + b;
        double pVariance = a * a * startVariance;
        double alphaBar1 = schedule.AlphaBar(1);
        double qMean = Math.Sqrt(alphaBar1) * 0.7;
        double qVariance = alphaBar1 * 0.5 + schedule.OneMinusAlphaBar(1);

        var clock = Stopwatch.StartNew();
        DistanceReport report = StartingPointQuadrature.Evaluate(sampler, schedule, target, start);
        double seconds = clock.Elapsed.TotalSeconds;
        double tv = GaussianTotalVariation(pMean, pVariance, qMean, qVariance);
        double klPq = GaussianKl(pMean, pVariance, qMean, qVariance);
        double klQp = GaussianKl(qMean, qVariance, pMean, pVariance);
        output.WriteLine($"T={steps} {start}: TV quad {report.TotalVariation.Value:R} (tol {report.TotalVariation.Tolerance:G3}) closed {tv:R} diff {report.TotalVariation.Value - tv:G3}");
        output.WriteLine($"  KL(p|q) quad {report.KlSamplerToTarget.Value:R} closed {klPq:R} diff {report.KlSamplerToTarget.Value - klPq:G3}");
        output.WriteLine($"  KL(q|p) quad {report.KlTargetToSampler!.Value.Value:R} closed {klQp:R} diff {report.KlTargetToSampler.Value.Value - klQp:G3}");
        output.WriteLine($"  {report.Notes}; {seconds:F2} s");
        Assert.Equal(DistanceMethod.Quadrature, report.Method);
        Assert.Equal(0.0, report.TotalVariation.StandardError);
        Assert.InRange(Math.Abs(report.TotalVariation.Value - tv), 0, 1e-9);
        Assert.InRange(Math.Abs(report.KlSamplerToTarget.Value - klPq), 0, 1e-9);
        Assert.InRange(Math.Abs(report.KlTargetToSampler.Value.Value - klQp), 0, 1e-9);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(1000)]
    public void BimodalTotalVariationIsConvergedUnderRefinement(int steps)
    {
        NoiseSchedule schedule = new ScheduleSpec("li2024", 2, 6).Build(steps);
        foreach (StartDistribution start in new[] { StartDistribution.Gaussian, StartDistribution.Exact })
        {
            var clock = Stopwatch.StartNew();
            DistanceReport report = StartingPointQuadrature.Evaluate(new DdimTypeSampler(), schedule, Bimodal, start);
            double seconds = clock.Elapsed.TotalSeconds;
            Estimate tv = report.TotalVariation;
            output.WriteLine($"T={steps} {start}: TV {tv.Value:R} ± {tv.Tolerance:G3} (rel {tv.Tolerance / tv.Value:G3}); KL(p|q) {report.KlSamplerToTarget.Value:G6} ± {report.KlSamplerToTarget.Tolerance:G3}; KL(q|p) {report.KlTargetToSampler!.Value.Value:G6}; {seconds:F2} s");
            output.WriteLine($"  {report.Notes}");
            Assert.True(tv.Value >= 1e-7);
            Assert.InRange(tv.Tolerance / tv.Value, 0, 1e-3);
            Assert.InRange(seconds, 0, 20);
        }
    }

    /// <summary>TV of two 1-D Gaussians from the crossing points of their densities and erfc.</summary>
    private static double GaussianTotalVariation(double m1, double v1, double m2, double v2)
    {
        // ln p − ln q = α x² + β x + γ
        double alpha = 1 / (2 * v2) - 1 / (2 * v1);
        double beta = m1 / v1 - m2 / v2;
        double gamma = -m1 * m1 / (2 * v1) + m2 * m2 / (2 * v2) + 0.5 * Math.Log(v2 / v1);
        var cuts = new List<double>();
        if (alpha == 0)
        {
            cuts.Add(-gamma / beta);
        }
        else
        {
            double discriminant = beta * beta - 4 * alpha * gamma;
            double root = Math.Sqrt(discriminant);
            double qq = -0.5 * (beta + (beta >= 0 ? root : -root));
            cuts.Add(qq / alpha);
            cuts.Add(gamma / qq);
        }

        cuts.Sort();
        var bounds = new List<double> { double.NegativeInfinity };
        bounds.AddRange(cuts);
        bounds.Add(double.PositiveInfinity);
        double sum = 0;
        for (int i = 0; i + 1 < bounds.Count; i++)
        {
            double p = Mass(m1, v1, bounds[i], bounds[i + 1]);
            double q = Mass(m2, v2, bounds[i], bounds[i + 1]);
            sum += Math.Abs(p - q);
        }

        return 0.5 * sum;
    }

    /// <summary>P(a &lt; X &lt; b) for X ~ N(m, v), from the tail on the side where it does not cancel.</summary>
    private static double Mass(double m, double v, double a, double b)
    {
        double s = Math.Sqrt(2 * v);
        double za = (a - m) / s;
        double zb = (b - m) / s;
        if (za >= 0)
        {
            return 0.5 * (SpecialFunctions.Erfc(za) - SpecialFunctions.Erfc(zb));
        }

        if (zb <= 0)
        {
            return 0.5 * (SpecialFunctions.Erfc(-zb) - SpecialFunctions.Erfc(-za));
        }

        return 1 - 0.5 * SpecialFunctions.Erfc(-za) - 0.5 * SpecialFunctions.Erfc(zb);
    }

    private static double GaussianKl(double m1, double v1, double m2, double v2)
    {
        double ratio = v1 / v2;
        return 0.5 * (ratio - 1 - Math.Log(ratio) + (m1 - m2) * (m1 - m2) / v2);
    }
}
