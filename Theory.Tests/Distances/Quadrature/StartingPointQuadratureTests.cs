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

    /// <summary>The exact start (the default experiments'); every sampler with the Gaussian start is in <see cref="BimodalQuadratureConvergenceTests"/>.</summary>
    [Theory]
    [InlineData(100, StartDistribution.Exact)]
    [InlineData(1000, StartDistribution.Exact)]
    public void BimodalTotalVariationIsConvergedUnderHalving(int steps, StartDistribution start)
    {
        NoiseSchedule schedule = new ScheduleSpec("li2024", 2, 6).Build(steps);
        var clock = Stopwatch.StartNew();
        DistanceReport report = StartingPointQuadrature.Evaluate(new DdimTypeSampler(), schedule, Bimodal, start);
        double seconds = clock.Elapsed.TotalSeconds;
        Estimate tv = report.TotalVariation;
        output.WriteLine($"T={steps} {start}: TV {tv.Value:R} ± {tv.Tolerance:G3} (rel {tv.Tolerance / tv.Value:G3}); KL(p|q) {report.KlSamplerToTarget.Value:R} ± {report.KlSamplerToTarget.Tolerance:G3}; KL(q|p) {report.KlTargetToSampler!.Value.Value:R}; {seconds:F2} s");
        output.WriteLine($"  {report.Notes}");

        // The tolerance is |TV(h, s) − TV(h/2, s/2)|: halving panel width and output span.
        Assert.True(tv.Value >= 1e-7);
        Assert.InRange(tv.Tolerance / tv.Value, 0, 1e-3);
        Assert.InRange(report.KlSamplerToTarget.Tolerance / report.KlSamplerToTarget.Value, 0, 1e-3);
        Assert.DoesNotContain("WARNING", report.Notes);
    }

    [Fact]
    public void BimodalValueDoesNotMoveUnderMuchFinerGrids()
    {
        // Four times finer panels, output span and more nodes: the value stays within the reported tolerance.
        NoiseSchedule schedule = new ScheduleSpec("li2024", 2, 6).Build(100);
        DistanceReport standard = StartingPointQuadrature.Evaluate(new DdimTypeSampler(), schedule, Bimodal, StartDistribution.Gaussian);
        DistanceReport fine = StartingPointQuadrature.Evaluate(new DdimTypeSampler(), schedule, Bimodal, StartDistribution.Gaussian, new StartingPointQuadratureOptions { PanelWidth = 0.125, OutputSpan = 0.05, NodesPerPanel = 16 });
        output.WriteLine($"standard {standard.TotalVariation.Value:R} ± {standard.TotalVariation.Tolerance:G3}; fine {fine.TotalVariation.Value:R}; KL {standard.KlSamplerToTarget.Value:R} vs {fine.KlSamplerToTarget.Value:R}");
        Assert.InRange(Math.Abs(standard.TotalVariation.Value - fine.TotalVariation.Value), 0, standard.TotalVariation.Tolerance + fine.TotalVariation.Tolerance);
        Assert.InRange(Math.Abs(standard.KlSamplerToTarget.Value - fine.KlSamplerToTarget.Value), 0, standard.KlSamplerToTarget.Tolerance + fine.KlSamplerToTarget.Tolerance);
    }

    [Fact]
    public void AGridFixedInStartSpaceMissesTheStructureBetweenTheModes()
    {
        // Without output-span refinement (a huge span), the x-interval that F stretches across the gap between
        // the modes (|F'| in the hundreds at T = 100) falls between nodes: the masses ∫φ r no longer add to 1.
        // With it they do. This is why the panels adapt to F.
        NoiseSchedule schedule = new ScheduleSpec("li2024", 2, 6).Build(100);
        DistanceReport fixedGrid = StartingPointQuadrature.Evaluate(new DdimTypeSampler(), schedule, Bimodal, StartDistribution.Gaussian, new StartingPointQuadratureOptions { OutputSpan = 1e6 });
        DistanceReport adaptive = StartingPointQuadrature.Evaluate(new DdimTypeSampler(), schedule, Bimodal, StartDistribution.Gaussian);
        output.WriteLine($"fixed {fixedGrid.TotalVariation.Value:R} ({fixedGrid.Notes}); adaptive {adaptive.TotalVariation.Value:R} ({adaptive.Notes})");
        Assert.True(Math.Abs(fixedGrid.TotalVariation.Value - adaptive.TotalVariation.Value) > 1e-7);
        Assert.True(Math.Abs(fixedGrid.TotalVariation.Value - adaptive.TotalVariation.Value) > 100 * adaptive.TotalVariation.Tolerance);
    }

    [Fact]
    public void AnyDeterministicSamplerWorksThroughTheAbstraction()
    {
        // A sampler defined here, not in the harness: exact DDIM (η = 0). On a Gaussian target it is affine, so
        // the closed forms apply; on the bimodal target the halving criterion must hold as for ddim-type.
        var sampler = new DdimForTest();
        NoiseSchedule schedule = new ScheduleSpec("li2024", 2, 6).Build(200);
        var target = new IsotropicMixture([1.0], [[-0.4]], [2.0]);
        SampleSet affine = SamplerRunner.RunFrom(sampler, schedule, new ExactScore(target), [0.0, 1.0], accumulateLogDeterminant: true);
        double b = affine.Output[0];
        double a = affine.Output[1] - affine.Output[0];
        Assert.Equal(Math.Log(a), affine.LogDeterminant![0], 1e-12);
        double alphaBar1 = schedule.AlphaBar(1);
        double qMean = Math.Sqrt(alphaBar1) * -0.4;
        double qVariance = alphaBar1 * 2.0 + schedule.OneMinusAlphaBar(1);
        DistanceReport report = StartingPointQuadrature.Evaluate(sampler, schedule, target, StartDistribution.Gaussian);
        double tv = GaussianTotalVariation(b, a * a, qMean, qVariance);
        output.WriteLine($"ddim on Gaussian: TV {report.TotalVariation.Value:R} closed {tv:R}; KL {report.KlSamplerToTarget.Value:R} closed {GaussianKl(b, a * a, qMean, qVariance):R}");
        Assert.InRange(Math.Abs(report.TotalVariation.Value - tv), 0, 1e-9);
        Assert.InRange(Math.Abs(report.KlSamplerToTarget.Value - GaussianKl(b, a * a, qMean, qVariance)), 0, 1e-9);

        DistanceReport bimodal = StartingPointQuadrature.Evaluate(sampler, new ScheduleSpec("li2024", 2, 6).Build(100), Bimodal, StartDistribution.Exact);
        output.WriteLine($"ddim on bimodal T=100: TV {bimodal.TotalVariation.Value:R} ± {bimodal.TotalVariation.Tolerance:G3}; {bimodal.Notes}");
        Assert.True(bimodal.TotalVariation.Value >= 1e-7);
        Assert.InRange(bimodal.TotalVariation.Tolerance / bimodal.TotalVariation.Value, 0, 1e-3);
    }

    [Fact]
    public void AFoldedMapGivesNoResolvedValue()
    {
        // acc-ode-ms at T = 16 on the logsnr grid (β_max ≈ 0.96) folds the line: p_1 is then a sum over
        // preimages and r = q_1|det J|/φ is not the density ratio. The value cannot be trusted, so its
        // tolerance must be at least the value (the pipeline then counts the point as unresolved), while a
        // monotone map at T = 32 keeps a tight tolerance.
        NoiseSchedule folded = new ScheduleSpec("logsnr").Build(16);
        DistanceReport report = StartingPointQuadrature.Evaluate(new AccOdeMultistepSampler(), folded, Bimodal, StartDistribution.Exact);
        output.WriteLine($"T=16: TV {report.TotalVariation.Value:R} ± {report.TotalVariation.Tolerance:G3}; {report.Notes}");
        Assert.Contains("not monotone", report.Notes);
        Assert.True(report.TotalVariation.Tolerance >= report.TotalVariation.Value);
        Assert.True(report.KlSamplerToTarget.Tolerance >= report.KlSamplerToTarget.Value);

        DistanceReport monotone = StartingPointQuadrature.Evaluate(new AccOdeMultistepSampler(), new ScheduleSpec("logsnr").Build(32), Bimodal, StartDistribution.Exact);
        output.WriteLine($"T=32: TV {monotone.TotalVariation.Value:R} ± {monotone.TotalVariation.Tolerance:G3}; {monotone.Notes}");
        Assert.DoesNotContain("not monotone", monotone.Notes);
        Assert.InRange(monotone.TotalVariation.Tolerance / monotone.TotalVariation.Value, 0, 1e-6);
    }

    [Fact]
    public void RejectsStochasticSamplersAndHighDimensions()
    {
        NoiseSchedule schedule = new ScheduleSpec("li2024", 2, 6).Build(100);
        Assert.Throws<InvalidSpecificationException>(() => StartingPointQuadrature.Evaluate(new DdpmTypeSampler(), schedule, Bimodal, StartDistribution.Gaussian));
        var threeDimensional = new IsotropicMixture([1.0], [[0.0, 0.0, 0.0]], [1.0]);
        Assert.Throws<InvalidSpecificationException>(() => StartingPointQuadrature.Evaluate(new DdimTypeSampler(), schedule, threeDimensional, StartDistribution.Gaussian));
    }

    /// <summary>TV of two 1-D Gaussians from the crossing points of their densities and erfc.</summary>
    internal static double GaussianTotalVariation(double m1, double v1, double m2, double v2)
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

    internal static double GaussianKl(double m1, double v1, double m2, double v2)
    {
        double ratio = v1 / v2;
        return 0.5 * (ratio - 1 - Math.Log(ratio) + (m1 - m2) * (m1 - m2) / v2);
    }

    /// <summary>
    /// Exact DDIM (η = 0), written here against the public <see cref="Sampler"/> abstraction only:
    /// Y_{t−1} = Y_t/√α_t − c_t s_t(Y_t), c_t = √(1−ᾱ_t) (√(1−ᾱ_{t−1}) − √(1−ᾱ_t)/√α_t), with
    /// J = (I − c_t √α_t ∇s) / √α_t.
    /// </summary>
    private sealed class DdimForTest() : Sampler("ddim-test", order: 1, evaluationsPerStep: 1, isStochastic: false)
    {

        public override void Step(SamplerBlock block, int t)
        {
            NoiseSchedule schedule = block.Schedule;
            double rootAlpha = Math.Sqrt(schedule.Alpha(t));
            double sigma = Math.Sqrt(schedule.OneMinusAlphaBar(t));
            double c = sigma * (Math.Sqrt(schedule.OneMinusAlphaBar(t - 1)) - sigma / rootAlpha);
            double alphaBar = schedule.AlphaBar(t);
            if (block.LogDeterminant is { } logDet)
            {
                for (int i = 0; i < block.Rows; i++)
                {
                    logDet[i] += -0.5 * block.Dimension * schedule.LogAlpha(t)
                        + block.Score.LogAbsDetIdentityPlusScaledJacobian(block.Row(block.State, i), alphaBar, -c * rootAlpha);
                }
            }

            block.EvaluateScore(block.State, alphaBar, block.ScoreAtState);
            Span<double> y = block.Active(block.State);
            ReadOnlySpan<double> s = block.Active(block.ScoreAtState);
            for (int k = 0; k < y.Length; k++)
            {
                y[k] = y[k] / rootAlpha - c * s[k];
            }
        }
    }
}
