using Diffusion.Verify.Distances;
using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Scores;
using Diffusion.Verify.Targets;
using MathNet.Numerics;
using Xunit.Abstractions;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// Issue 12: embedded targets with a core of any dimension k and complement variance σ⊥² ≥ 0, evaluated by the
/// core (quadrature for k ≤ 2, density-mc beyond) combined with the complement's exact radial law.
/// </summary>
[Collection(AllocationMeasurement.Name)]
public sealed class EmbeddedIntrinsicDimensionTests(ITestOutputHelper output)
{
    private static readonly string[] Deterministic = ["ddim-type", "ddim", "acc-ode", "acc-ode-ms", "dpm-solver-2"];

    /// <summary>A 4-component core in k = 4 with full, unequal covariances (the GeneralMixture path of the core).</summary>
    private static GeneralMixture FourComponentCore()
    {
        double[][] Covariance(double a, double b, double rho)
        {
            var m = new double[4][];
            for (int i = 0; i < 4; i++)
            {
                m[i] = new double[4];
                m[i][i] = i % 2 == 0 ? a : b;
            }

            m[0][1] = m[1][0] = rho * Math.Sqrt(a * b);
            m[2][3] = m[3][2] = -rho * Math.Sqrt(a * b);
            return m;
        }

        return GeneralMixture.FromCovariances(
            [0.2, 0.3, 0.25, 0.25],
            [[2.0, 0.0, 0.0, 0.0], [-2.0, 0.5, 0.0, 0.0], [0.0, 2.0, -1.0, 0.0], [0.0, -1.0, 1.5, 2.0]],
            [Covariance(0.3, 0.2, 0.5), Covariance(0.15, 0.4, -0.3), Covariance(0.25, 0.25, 0.0), Covariance(0.5, 0.1, 0.2)]);
    }

    private static readonly IsotropicMixture Bimodal = new([0.5, 0.5], [[-2.0], [2.0]], [0.25, 0.25]);

    /// <summary>
    /// k = 4, d = 50: the core density-mc combination (sampler run in k = 4 only, complement integrated out) against
    /// plain density-mc on real 50-dimensional samples of the embedded target (ln|det J| of the whole map), for every
    /// deterministic sampler and both σ⊥² = 0 and 0.5; independent samples, so the tolerance is 4 combined σ.
    /// T per case puts TV inside (0, 1), where the comparison has power, on a logsnr grid λ ∈ [−8, 4] (ᾱ_1 = 0.982).
    /// Not on the default logsnr grid at T = 16: there acc-ode-ms's steps (h ≈ 3 in λ) make its map numerically chaotic
    /// (a 1e−9 change of Y_T moves Y_1 by 1e−2), so ulp-level differences between the d- and k-dimensional runs
    /// decide the output and no density-based evaluator is meaningful.
    /// </summary>
    [Theory]
    [InlineData("ddim-type", 0.0, 128, 2000)]
    [InlineData("ddim-type", 0.5, 64, 2000)]
    [InlineData("ddim", 0.0, 16, 3000)]
    [InlineData("ddim", 0.5, 16, 3000)]
    [InlineData("acc-ode", 0.0, 32, 3000)]
    [InlineData("acc-ode", 0.5, 16, 3000)]
    [InlineData("acc-ode-ms", 0.0, 16, 1500)]
    [InlineData("acc-ode-ms", 0.5, 16, 1500)]
    [InlineData("dpm-solver-2", 0.0, 8, 3000)]
    [InlineData("dpm-solver-2", 0.5, 8, 3000)]
    public void CoreCombinationAgreesWithDensityMonteCarloOnRealSamplesAtK4D50(string samplerName, double complementVariance, int steps, int n)
    {
        const int d = 50;
        var target = new EmbeddedMixture(FourComponentCore(), d, complementVariance, seed: 5);
        Sampler sampler = SamplerCatalog.Get(samplerName);
        NoiseSchedule schedule = new ScheduleSpec("logsnr", LambdaMax: 4, LambdaMin: -8).Build(steps);
        var score = new ExactScore(target);
        DistanceReport combination = DistanceEvaluator.Evaluate(new EvaluationRequest(sampler, schedule, target, score, StartDistribution.Gaussian, DistanceMethod.Auto, Samples: 20_000, Seed: 3));
        DistanceReport plain = DensityMonteCarloEvaluator.Evaluate(sampler, schedule, score, target, new SamplingOptions { Samples = n, Seed = 20241204 });
        Estimate tv = combination.TotalVariation;
        Estimate kl = combination.KlSamplerToTarget;
        double tvSigma = Math.Sqrt(tv.StandardError * tv.StandardError + plain.TotalVariation.StandardError * plain.TotalVariation.StandardError);
        double klSigma = Math.Sqrt(kl.StandardError * kl.StandardError + plain.KlSamplerToTarget.StandardError * plain.KlSamplerToTarget.StandardError);
        output.WriteLine($"{samplerName} σ⊥²={complementVariance} T={steps}: TV combination {tv.Value:G6} ± {tv.StandardError:G2}, plain {plain.TotalVariation.Value:G6} ± {plain.TotalVariation.StandardError:G2} ({(tv.Value - plain.TotalVariation.Value) / tvSigma:F2} σ)");
        output.WriteLine($"  KL combination {kl.Value:G6} ± {kl.StandardError:G2}, plain {plain.KlSamplerToTarget.Value:G6} ± {plain.KlSamplerToTarget.StandardError:G2} ({(kl.Value - plain.KlSamplerToTarget.Value) / klSigma:F2} σ)");
        output.WriteLine($"  {combination.Notes}");

        Assert.Equal(DistanceMethod.DensityMonteCarlo, combination.Method);
        Assert.Contains("core density-mc", combination.Notes);
        Assert.InRange(tv.Value, 0.03, 0.9);
        Assert.InRange(plain.TotalVariation.StandardError / plain.TotalVariation.Value, 0, 0.1);
        Assert.InRange(Math.Abs(tv.Value - plain.TotalVariation.Value), 0, 4 * tvSigma);
        Assert.InRange(Math.Abs(kl.Value - plain.KlSamplerToTarget.Value), 0, 4 * klSigma + kl.Tolerance);
    }

    public static TheoryData<string> AllSamplers()
    {
        var data = new TheoryData<string>();
        foreach (string name in SamplerCatalog.Names)
        {
            data.Add(name);
        }

        return data;
    }

    /// <summary>
    /// σ⊥² = 0, k = 1, d = 10⁵, a Gaussian core N(0, 0.5): the whole problem is Gaussian, so the test computes,
    /// independently of the harness, the core and complement output variances by the scalar recursions of DESIGN §4
    /// (<see cref="ComplementRecursions"/>), the KL in closed form and the TV by a direct two-dimensional integral
    /// over the core coordinate u and the complement radius ρ = |w|² (Gamma densities, split at their crossing).
    /// </summary>
    [Theory]
    [MemberData(nameof(AllSamplers))]
    public void ZeroComplementVarianceAtD100000MatchesAnIndependentClosedForm(string samplerName)
    {
        const int d = 100_000;
        const double coreVariance = 0.5;
        Sampler sampler = SamplerCatalog.Get(samplerName);
        NoiseSchedule schedule = new ScheduleSpec("logsnr").Build(512);
        var core = new IsotropicMixture([1.0], [[0.0]], [coreVariance]);
        var target = new EmbeddedMixture(core, d, 0.0, seed: 1);
        DistanceReport report = DistanceEvaluator.Evaluate(new EvaluationRequest(sampler, schedule, target, new ExactScore(target), StartDistribution.Gaussian));

        double coreP = ComplementRecursions.OutputVariance(samplerName, schedule, coreVariance, StartDistribution.Gaussian);
        double coreQ = ComplementRecursions.TargetVariance(schedule, coreVariance);
        double bigV = ComplementRecursions.OutputVariance(samplerName, schedule, 0.0, StartDistribution.Gaussian);
        double v = ComplementRecursions.TargetVariance(schedule, 0.0);
        double kl = ComplementRecursions.Kl(coreP, coreQ) + (d - 1) * ComplementRecursions.Kl(bigV, v);
        double tv = GaussianTotalVariationByIntegration(coreP, coreQ, bigV, v, d - 1);
        output.WriteLine($"{samplerName}: V⊥/v⊥ − 1 = {bigV / v - 1:G4}, P/Q − 1 = {coreP / coreQ - 1:G4}; TV {report.TotalVariation.Value:R} (tol {report.TotalVariation.Tolerance:G2}) vs {tv:R}; KL {report.KlSamplerToTarget.Value:R} vs {kl:R} [{DistanceMethods.Name(report.Method)}]");

        Assert.Equal(DistanceMethod.Quadrature, report.Method);
        Assert.InRange(Math.Abs(report.TotalVariation.Value - tv), 0, report.TotalVariation.Tolerance + 2e-7);
        Assert.InRange(Math.Abs(report.KlSamplerToTarget.Value - kl), 0, report.KlSamplerToTarget.Tolerance + 1e-7 * kl + 1e-12);
    }

    /// <summary>
    /// σ⊥² = 0, k = 1 bimodal core: going from d = 1 to d = 10⁵ adds exactly (d − 1) KL(N(0, V⊥) ‖ N(0, v⊥)) to the KL,
    /// with V⊥ from the test's own recursion; and TV can only grow (data processing) and stays ≤ 1.
    /// </summary>
    [Theory]
    [MemberData(nameof(AllSamplers))]
    public void ZeroComplementVarianceAddsTheIndependentComplementKl(string samplerName)
    {
        const int d = 100_000;
        Sampler sampler = SamplerCatalog.Get(samplerName);
        NoiseSchedule schedule = new ScheduleSpec("logsnr").Build(128);
        DistanceReport Evaluate(int dimension)
        {
            var target = new EmbeddedMixture(Bimodal, dimension, 0.0, seed: 2);
            return DistanceEvaluator.Evaluate(new EvaluationRequest(sampler, schedule, target, new ExactScore(target), StartDistribution.Exact));
        }

        DistanceReport low = Evaluate(1);
        DistanceReport high = Evaluate(d);
        double complement = (d - 1) * ComplementRecursions.Kl(
            ComplementRecursions.OutputVariance(samplerName, schedule, 0.0, StartDistribution.Exact),
            ComplementRecursions.TargetVariance(schedule, 0.0));
        double added = high.KlSamplerToTarget.Value - low.KlSamplerToTarget.Value;
        output.WriteLine($"{samplerName}: KL d=1 {low.KlSamplerToTarget.Value:G6}, d=1e5 {high.KlSamplerToTarget.Value:G6}; added {added:R}, independent {complement:R}; TV {low.TotalVariation.Value:G6} -> {high.TotalVariation.Value:G6}");
        Assert.InRange(Math.Abs(added - complement), 0, 1e-8 * Math.Max(complement, high.KlSamplerToTarget.Value) + 1e-12);
        Assert.InRange(high.TotalVariation.Value, low.TotalVariation.Value - low.TotalVariation.Tolerance - high.TotalVariation.Tolerance, 1.0);
    }

    /// <summary>
    /// The cost does not grow with d, asserted structurally: at d = 10⁵ the evaluation takes the same route, runs the
    /// sampler on the same number of core points (quadrature: within a factor 2, the panels adapt to the integrand)
    /// and allocates about as much memory as at d = k + 1 — a single d-dimensional array of the samples would be
    /// N·d·8 bytes (1.6 GB for the quadrature's points, 0.8 GB for density-mc's). Wall time is measured elsewhere.
    /// </summary>
    [Theory]
    [InlineData("acc-ode", 1)]
    [InlineData("ddpm-posterior", 1)]
    [InlineData("dpm-solver-2", 4)]
    public void EvaluationAtD100000DoesTheWorkOfD2(string samplerName, int k)
    {
        Sampler sampler = SamplerCatalog.Get(samplerName);
        NoiseSchedule schedule = new ScheduleSpec("logsnr").Build(64);
        IDiffusedTarget core = k == 1 ? Bimodal : FourComponentCore();
        (DistanceReport Report, long Bytes) Evaluate(int d)
        {
            var target = new EmbeddedMixture(core, d, 0.0, seed: 4);
            var request = new EvaluationRequest(sampler, schedule, target, new ExactScore(target), StartDistribution.Gaussian, Samples: 1000, Seed: 9);
            long before = GC.GetTotalAllocatedBytes(precise: true);
            DistanceReport report = DistanceEvaluator.Evaluate(request);
            return (report, GC.GetTotalAllocatedBytes(precise: true) - before);
        }

        Evaluate(k + 1); // warm-up (JIT, caches)
        (DistanceReport small, long smallBytes) = Evaluate(k + 1);
        (DistanceReport large, long largeBytes) = Evaluate(100_000);
        output.WriteLine($"{samplerName} k={k}: d={k + 1}: {DistanceMethods.Name(small.Method)}, {small.SampleCount} core points, {smallBytes / 1e6:F1} MB; d=1e5: {large.SampleCount} core points, {largeBytes / 1e6:F1} MB; TV {small.TotalVariation.Value:G4} -> {large.TotalVariation.Value:G4}");
        Assert.Equal(small.Method, large.Method);
        Assert.InRange(large.SampleCount, small.SampleCount / 2, 2 * small.SampleCount);
        Assert.InRange(largeBytes, 0, 2 * smallBytes + 32_000_000);
    }

    [Fact]
    public void AutoPicksCoreDensityMonteCarloAtK4AndCallsStochasticSamplersUnresolved()
    {
        var target = new EmbeddedMixture(FourComponentCore(), 1000, 0.0, seed: 6);
        NoiseSchedule schedule = new ScheduleSpec("logsnr").Build(32);
        foreach (string name in SamplerCatalog.Names)
        {
            Sampler sampler = SamplerCatalog.Get(name);
            var request = new EvaluationRequest(sampler, schedule, target, new ExactScore(target));
            if (sampler.IsStochastic)
            {
                var error = Assert.Throws<InvalidSpecificationException>(() => DistanceEvaluator.Choose(request));
                Assert.Contains("unresolved", error.Message);
            }
            else
            {
                Assert.Equal(DistanceMethod.DensityMonteCarlo, DistanceEvaluator.Choose(request));
            }
        }

        // A 1-D bimodal core keeps the quadrature for every sampler.
        var flat = new EmbeddedMixture(Bimodal, 1000, 0.0, seed: 6);
        foreach (string name in SamplerCatalog.Names)
        {
            Assert.Equal(DistanceMethod.Quadrature, DistanceEvaluator.Choose(new EvaluationRequest(SamplerCatalog.Get(name), schedule, flat, new ExactScore(flat))));
        }
    }

    /// <summary>
    /// TV between N(0, diag(P, V I_m)) and N(0, diag(Q, v I_m)) as ½ ∫ du ∫ dρ |φ_P(u) f_V(ρ) − φ_Q(u) f_v(ρ)|, f the
    /// Gamma(m/2, 2·variance) density of ρ = |w|²: composite Gauss–Legendre in u (symmetric, u ≥ 0) and in ρ over the
    /// windows holding each Gamma law, each split at the crossing of the two weighted densities (where |·| has its kink).
    /// </summary>
    private static double GaussianTotalVariationByIntegration(double p, double q, double bigV, double v, int m)
    {
        double k = m / 2.0;
        double logGammaK = SpecialFunctions.GammaLn(k);
        double LogGamma(double rho, double variance) => (k - 1) * Math.Log(rho) - rho / (2 * variance) - k * Math.Log(2 * variance) - logGammaK;
        double LogNormal(double u, double variance) => -0.5 * u * u / variance - 0.5 * Math.Log(2 * Math.PI * variance);

        // ρ windows: mean 2kσ² ± 40 sd (sd = 2σ²√k), merged where they overlap.
        var windows = new List<(double Lo, double Hi)>();
        foreach (double variance in new[] { bigV, v })
        {
            double mean = 2 * k * variance;
            double sd = 2 * variance * Math.Sqrt(k);
            windows.Add((Math.Max(mean - 40 * sd, 0), mean + 40 * sd));
        }

        windows.Sort();
        if (windows[1].Lo <= windows[0].Hi)
        {
            windows = [(windows[0].Lo, Math.Max(windows[0].Hi, windows[1].Hi))];
        }

        double Inner(double u)
        {
            double a = LogNormal(u, p);
            double b = LogNormal(u, q);

            // a + ln f_V(ρ) = b + ln f_v(ρ) is linear in ρ (the (k − 1) ln ρ terms cancel).
            double slope = -1 / (2 * bigV) + 1 / (2 * v);
            double crossing = slope == 0 ? double.NaN : (b - a + k * Math.Log(bigV / v)) / slope;
            double total = 0;
            foreach ((double lo, double hi) in windows)
            {
                var cuts = new List<double> { lo };
                if (crossing > lo && crossing < hi)
                {
                    cuts.Add(crossing);
                }

                cuts.Add(hi);
                for (int c = 0; c + 1 < cuts.Count; c++)
                {
                    total += Composite(rho => Math.Abs(Math.Exp(a + LogGamma(rho, bigV)) - Math.Exp(b + LogGamma(rho, v))), cuts[c], cuts[c + 1], 60);
                }
            }

            return total;
        }

        double uMax = 40 * Math.Sqrt(Math.Max(p, q));
        return 0.5 * 2 * Composite(Inner, 0, uMax, 160);
    }

    private static double Composite(Func<double, double> f, double a, double b, int panels)
    {
        double h = (b - a) / panels;
        double sum = 0;
        for (int i = 0; i < panels; i++)
        {
            sum += MathNet.Numerics.Integration.GaussLegendreRule.Integrate(f, a + i * h, a + (i + 1) * h, 16);
        }

        return sum;
    }
}
