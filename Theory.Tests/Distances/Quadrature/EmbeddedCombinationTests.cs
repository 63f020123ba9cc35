using System.Diagnostics;
using Diffusion.Verify.Distances;
using Diffusion.Verify.Numerics;
using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Scores;
using Diffusion.Verify.Targets;
using MathNet.Numerics;
using Xunit.Abstractions;

namespace Diffusion.Verify.Theory.Tests;

public sealed class EmbeddedCombinationTests(ITestOutputHelper output)
{
    private const double ComplementVariance = 0.25;

    /// <summary>The 1-D bimodal core with both component variances equal to σ⊥², so that the embedded law is an isotropic mixture.</summary>
    private static readonly IsotropicMixture Core = new([0.3, 0.7], [[-2.0], [1.5]], [ComplementVariance, ComplementVariance]);

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(10)]
    [InlineData(100)]
    [InlineData(1000)]
    public void GaussianCoreMatchesTheIsotropicClosedForm(int d)
    {
        // Core N(0, σ⊥²) in any d: the full laws are N(0, V I_d) vs N(0, v I_d), and |y|² is Gamma(d/2, 2V) resp.
        // Gamma(d/2, 2v): TV = P(d/2, ρ*/(2v)) − P(d/2, ρ*/(2V)) at the crossing ρ* (MathNet's P, bulk values).
        NoiseSchedule schedule = new ScheduleSpec("li2024", 2, 6).Build(500);
        var sampler = new DdimTypeSampler();
        (double bigV, double v) = ComplementVariances(sampler, schedule, StartDistribution.Gaussian);
        double k = d / 2.0;
        double rhoStar = k * Math.Log(bigV / v) / (1 / (2 * v) - 1 / (2 * bigV));
        double tv = Math.Abs(SpecialFunctions.GammaLowerRegularized(k, rhoStar / (2 * v)) - SpecialFunctions.GammaLowerRegularized(k, rhoStar / (2 * bigV)));
        var core = new IsotropicMixture([1.0], [[0.0]], [ComplementVariance]);
        DistanceReport report = EmbeddedCombination.Evaluate(sampler, schedule, core, d, ComplementVariance, StartDistribution.Gaussian);
        double kl = d * StartingPointQuadratureTests.GaussianKl(0, bigV, 0, v);
        output.WriteLine($"d={d}: TV {report.TotalVariation.Value:R} ± {report.TotalVariation.Tolerance:G3}, closed {tv:R}, diff {report.TotalVariation.Value - tv:G3}; KL diff {report.KlSamplerToTarget.Value - kl:G3}");
        Assert.InRange(Math.Abs(report.TotalVariation.Value - tv), 0, 1e-9);
        Assert.InRange(Math.Abs(report.KlSamplerToTarget.Value - kl), 0, 1e-9 * Math.Max(1, kl));
        Assert.InRange(Math.Abs(report.KlTargetToSampler!.Value.Value - d * StartingPointQuadratureTests.GaussianKl(0, v, 0, bigV)), 0, 1e-9 * Math.Max(1, kl));
    }

    [Fact]
    public void TwoDimensionalGaussianCoreMatchesTheIsotropicClosedForm()
    {
        // r = 2 core (the 2-D quadrature) in d = 5.
        const int d = 5;
        NoiseSchedule schedule = new ScheduleSpec("li2024", 2, 6).Build(200);
        var sampler = new DdimTypeSampler();
        (double bigV, double v) = ComplementVariances(sampler, schedule, StartDistribution.Gaussian);
        double k = d / 2.0;
        double rhoStar = k * Math.Log(bigV / v) / (1 / (2 * v) - 1 / (2 * bigV));
        double tv = Math.Abs(SpecialFunctions.GammaLowerRegularized(k, rhoStar / (2 * v)) - SpecialFunctions.GammaLowerRegularized(k, rhoStar / (2 * bigV)));
        var core = new IsotropicMixture([1.0], [[0.0, 0.0]], [ComplementVariance]);
        var options = new StartingPointQuadratureOptions { OutputSpan = 1.0, OuterRelativeTolerance = 1e-6 };
        DistanceReport report = EmbeddedCombination.Evaluate(sampler, schedule, core, d, ComplementVariance, StartDistribution.Gaussian, options);
        double kl = d * StartingPointQuadratureTests.GaussianKl(0, bigV, 0, v);
        output.WriteLine($"TV {report.TotalVariation.Value:R} ± {report.TotalVariation.Tolerance:G3}, closed {tv:R}, diff {report.TotalVariation.Value - tv:G3}; KL diff {report.KlSamplerToTarget.Value - kl:G3}");
        output.WriteLine(report.Notes);
        Assert.InRange(Math.Abs(report.TotalVariation.Value - tv), 0, report.TotalVariation.Tolerance + 1e-9);
        Assert.InRange(report.TotalVariation.Tolerance, 0, 1e-6 * tv);
        Assert.InRange(Math.Abs(report.KlSamplerToTarget.Value - kl), 0, 1e-9 * Math.Max(1, kl));
    }

    [Theory]
    [InlineData(StartDistribution.Gaussian)]
    [InlineData(StartDistribution.Exact)]
    public void KlIsTheCoreKlPlusTheComplementKl(StartDistribution start)
    {
        const int d = 50;
        NoiseSchedule schedule = new ScheduleSpec("li2024", 2, 6).Build(200);
        var sampler = new DdimTypeSampler();
        (double bigV, double v) = ComplementVariances(sampler, schedule, start);
        DistanceReport core = StartingPointQuadrature.Evaluate(sampler, schedule, Core, start);
        DistanceReport embedded = EmbeddedCombination.Evaluate(sampler, schedule, Core, d, ComplementVariance, start);
        double complement = (d - 1) * StartingPointQuadratureTests.GaussianKl(0, bigV, 0, v);
        double complementReverse = (d - 1) * StartingPointQuadratureTests.GaussianKl(0, v, 0, bigV);
        output.WriteLine($"{start}: core {core.KlSamplerToTarget.Value:R} + complement {complement:R} vs embedded {embedded.KlSamplerToTarget.Value:R}");
        Assert.Equal(core.KlSamplerToTarget.Value + complement, embedded.KlSamplerToTarget.Value, 1e-10 * embedded.KlSamplerToTarget.Value);
        Assert.Equal(core.KlTargetToSampler!.Value.Value + complementReverse, embedded.KlTargetToSampler!.Value.Value, 1e-10 * embedded.KlTargetToSampler.Value.Value);

        // d = r: nothing is added, and the TV is the core's.
        if (start == StartDistribution.Exact)
        {
            return;
        }

        DistanceReport same = EmbeddedCombination.Evaluate(sampler, schedule, Core, 1, ComplementVariance, start);
        Assert.Equal(core.TotalVariation.Value, same.TotalVariation.Value, 1e-12);
        Assert.Equal(core.KlSamplerToTarget.Value, same.KlSamplerToTarget.Value, 1e-12);
    }

    [Theory]
    [InlineData(StartDistribution.Gaussian)]
    [InlineData(StartDistribution.Exact)]
    public void ThreeDimensionalEmbeddingMatchesDensityRatioMonteCarlo(StartDistribution start)
    {
        // The same law built directly as a 3-D isotropic mixture with means on the first axis, sampled by the
        // real sampler in 3-D with ln|det J|: ln p_1(Y_1) = ln φ(Y_T) − ln|det J|, r = q_1/p_1,
        // TV = E_p[(1 − r)_+], KL(p‖q) = E_p[r − 1 − ln r].
        const int d = 3;
        const int n = 12_000;
        NoiseSchedule schedule = new ScheduleSpec("li2024", 2, 6).Build(200);
        var sampler = new DdimTypeSampler();
        var full = new IsotropicMixture([0.3, 0.7], [[-2.0, 0.0, 0.0], [1.5, 0.0, 0.0]], [ComplementVariance, ComplementVariance]);
        SampleSet samples = SamplerRunner.Run(sampler, schedule, new ExactScore(full), full, new SamplingOptions
        {
            Samples = n,
            Seed = 20240611,
            Start = start,
            KeepStart = true,
            AccumulateLogDeterminant = true,
        });
        double alphaBarT = schedule.AlphaBar(schedule.Steps);
        double alphaBar1 = schedule.AlphaBar(1);
        var tvTerms = new double[n];
        var klTerms = new double[n];
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<double> y0 = samples.Start!.AsSpan(i * d, d);
            double logStart = start == StartDistribution.Gaussian
                ? -0.5 * (y0[0] * y0[0] + y0[1] * y0[1] + y0[2] * y0[2]) - 1.5 * Math.Log(2 * Math.PI)
                : full.LogDensity(y0, alphaBarT);
            double logP = logStart - samples.LogDeterminant![i];
            double l = full.LogDensity(samples.Sample(i), alphaBar1) - logP;
            tvTerms[i] = l < 0 ? -Elementary.ExpM1(l) : 0.0;
            klTerms[i] = Remainders.ExpM1MinusX(l);
        }

        (double tvMc, double tvSe) = MeanAndStandardError(tvTerms);
        (double klMc, double klSe) = MeanAndStandardError(klTerms);
        DistanceReport report = EmbeddedCombination.Evaluate(sampler, schedule, Core, d, ComplementVariance, start);
        output.WriteLine($"{start}: TV embedded {report.TotalVariation.Value:R} ± {report.TotalVariation.Tolerance:G3}; MC {tvMc:R} ± {tvSe:G3} ({(report.TotalVariation.Value - tvMc) / tvSe:F2} σ)");
        output.WriteLine($"  KL embedded {report.KlSamplerToTarget.Value:R}; MC {klMc:R} ± {klSe:G3} ({(report.KlSamplerToTarget.Value - klMc) / klSe:F2} σ)");
        output.WriteLine($"  {report.Notes}");
        Assert.InRange(Math.Abs(report.TotalVariation.Value - tvMc), 0, 4 * tvSe + report.TotalVariation.Tolerance);
        Assert.InRange(Math.Abs(report.KlSamplerToTarget.Value - klMc), 0, 4 * klSe + report.KlSamplerToTarget.Tolerance);
    }

    /// <summary>
    /// Issue 3's embedded check on real d = 200 samples, for every deterministic sampler: the sampler runs in
    /// d = 200 on the embedded target itself (random basis, unequal core variances, σ⊥² different from both)
    /// accumulating ln|det J|, and density-mc's TV and KL must agree with the combination formula within 4σ.
    /// T is chosen per sampler so that TV lies inside (0, 1), where the comparison has power (ddim-type's TV
    /// is still 0.99 at T = 500 in d = 200); acc-ode-ms, whose ln|det J| is the dense O(d³) one, uses fewer samples.
    /// </summary>
    [Theory]
    [InlineData("ddim-type", 2000, 4000)]
    [InlineData("ddim", 100, 4000)]
    [InlineData("acc-ode", 200, 4000)]
    [InlineData("acc-ode-ms", 20, 1000)]
    [InlineData("dpm-solver-2", 20, 4000)]
    public void CombinationAgreesWithDensityMonteCarloOnRealSamplesInDimension200(string samplerName, int steps, int n)
    {
        const int d = 200;
        var core = new IsotropicMixture([0.3, 0.7], [[-2.0], [1.5]], [0.09, 0.36]);
        var target = new EmbeddedMixture(core, d, 0.5, seed: 17);
        Sampler sampler = SamplerCatalog.Get(samplerName);
        NoiseSchedule schedule = new ScheduleSpec("li2024", 2, 6).Build(steps);
        var score = new ExactScore(target);
        var clock = Stopwatch.StartNew();
        DistanceReport combination = DistanceEvaluator.Evaluate(new EvaluationRequest(sampler, schedule, target, score, StartDistribution.Gaussian, DistanceMethod.Quadrature));
        double combinationSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        DistanceReport monteCarlo = DistanceEvaluator.Evaluate(new EvaluationRequest(sampler, schedule, target, score, StartDistribution.Gaussian, DistanceMethod.DensityMonteCarlo, Samples: n, Seed: 20240611));
        double monteCarloSeconds = clock.Elapsed.TotalSeconds;
        Estimate tv = monteCarlo.TotalVariation;
        Estimate kl = monteCarlo.KlSamplerToTarget;
        output.WriteLine($"{samplerName} T = {steps}, n = {n}: TV combination {combination.TotalVariation.Value:R} ± {combination.TotalVariation.Tolerance:G3} ({combinationSeconds:F2} s); " +
                         $"density-mc {tv.Value:R} ± {tv.StandardError:G3} ({(combination.TotalVariation.Value - tv.Value) / tv.StandardError:F2} σ; {monteCarloSeconds:F2} s)");
        output.WriteLine($"  KL combination {combination.KlSamplerToTarget.Value:R}; density-mc {kl.Value:R} ± {kl.StandardError:G3} ({(combination.KlSamplerToTarget.Value - kl.Value) / kl.StandardError:F2} σ)");

        Assert.Equal(DistanceMethod.Quadrature, combination.Method);
        Assert.Equal(DistanceMethod.DensityMonteCarlo, monteCarlo.Method);
        // The comparison has power: TV well inside (0, 1) and resolved to a few per cent.
        Assert.InRange(combination.TotalVariation.Value, 0.02, 0.9);
        Assert.InRange(tv.StandardError / tv.Value, 0, 0.05);
        Assert.InRange(Math.Abs(combination.TotalVariation.Value - tv.Value), 0, 4 * tv.StandardError + combination.TotalVariation.Tolerance);
        Assert.InRange(Math.Abs(combination.KlSamplerToTarget.Value - kl.Value), 0, 4 * kl.StandardError + combination.KlSamplerToTarget.Tolerance);
    }

    [Fact]
    public void TotalVariationGrowsWithDimensionAtAFixedCost()
    {
        NoiseSchedule schedule = new ScheduleSpec("li2024", 2, 6).Build(200);
        var sampler = new DdimTypeSampler();
        double previous = 0;
        var nodes = new Dictionary<int, long>();
        foreach (int d in new[] { 1, 2, 10, 1000, 100_000 })
        {
            DistanceReport report = EmbeddedCombination.Evaluate(sampler, schedule, Core, d, ComplementVariance, StartDistribution.Gaussian);
            nodes[d] = report.SampleCount;
            double tv = report.TotalVariation.Value;
            output.WriteLine($"d={d}: TV {tv:R} ± {report.TotalVariation.Tolerance:G3}; KL {report.KlSamplerToTarget.Value:G6}; {nodes[d]} nodes");

            // Adding independent coordinates cannot bring two laws closer (data processing), and TV ≤ 1.
            Assert.True(tv >= previous - report.TotalVariation.Tolerance);
            Assert.InRange(tv, 0, 1);
            previous = tv;
        }

        // The cost is the quadrature's node count (one sampler run each; the complement is closed-form), not wall time.
        Assert.InRange(nodes[100_000], 1, 3 * nodes[1]);
    }

    [Fact]
    public void RejectsAnAmbientDimensionBelowTheCore()
    {
        NoiseSchedule schedule = new ScheduleSpec("li2024", 2, 6).Build(100);
        var core = new IsotropicMixture([1.0], [[0.0, 1.0]], [ComplementVariance]);
        Assert.Throws<InvalidSpecificationException>(() => EmbeddedCombination.Evaluate(new DdimTypeSampler(), schedule, core, 1, ComplementVariance, StartDistribution.Gaussian));
        Assert.Throws<InvalidSpecificationException>(() => EmbeddedCombination.Evaluate(new DdimTypeSampler(), schedule, Core, 5, -1.0, StartDistribution.Gaussian));
    }

    /// <summary>The complement variances from the sampler run by the test itself on N(0, σ⊥²) (affine map A y + b).</summary>
    private static (double SamplerVariance, double TargetVariance) ComplementVariances(Sampler sampler, NoiseSchedule schedule, StartDistribution start)
    {
        var gaussian = new IsotropicMixture([1.0], [[0.0]], [ComplementVariance]);
        SampleSet run = SamplerRunner.RunFrom(sampler, schedule, new ExactScore(gaussian), [0.0, 1.0], accumulateLogDeterminant: false);
        double a = run.Output[1] - run.Output[0];
        int steps = schedule.Steps;
        double startVariance = start == StartDistribution.Gaussian ? 1.0 : schedule.AlphaBar(steps) * ComplementVariance + 1 - schedule.AlphaBar(steps);
        return (a * a * startVariance, schedule.AlphaBar(1) * ComplementVariance + 1 - schedule.AlphaBar(1));
    }

    private static (double Mean, double StandardError) MeanAndStandardError(double[] values)
    {
        double mean = values.Average();
        double variance = values.Sum(x => (x - mean) * (x - mean)) / (values.Length - 1);
        return (mean, Math.Sqrt(variance / values.Length));
    }
}
