using Diffusion.Verify.Numerics;
using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Scores;
using Diffusion.Verify.Targets;
using Xunit.Abstractions;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// The low-rank Jacobian form ∇s = −κ I + P C Qᵀ (exact scores of isotropic, embedded and Gaussian targets,
/// and the scaled, bias and oscillatory perturbations of them) against the dense Jacobians, its determinants
/// against dense LU, and the ln|det J| acc-ode and dpm-solver-2 accumulate through it against their dense
/// chain rule (the same runs with the low-rank form hidden) and against finite differences of the map.
/// Worst values seen: Jacobian 7e−15 (relative to max|J|), ln|det(I + c∇s)| 7e−15, sampler ln|det J|
/// 1e−14 (relative to 1 + |value|); the bounds (1e−13, 1e−12, 1e−10) sit ≥ 10× above, while a wrong
/// coefficient in the chain rule or a wrong block of M moves ln|det J| by 1e−3 or more.
/// </summary>
public sealed class LowRankJacobianTests(ITestOutputHelper output)
{
    public static TheoryData<string> Scores() =>
    [
        "isotropic", "isotropic-k1", "isotropic-large", "gaussian", "embedded-r1", "embedded-r2", "scaled", "bias", "oscillatory", "oscillatory-embedded", "scaled-of-oscillatory",
    ];

    [Theory]
    [MemberData(nameof(Scores))]
    public void LowRankFormEqualsTheDenseJacobian(string kind)
    {
        IScore score = JacobianTestScores.Make(kind);
        int d = score.Dimension;
        var lowRank = new LowRankJacobian(d);
        var dense = new double[d * d];
        var fromLowRank = new double[d * d];
        double worst = 0;
        foreach (double alphaBar in new[] { 0.02, 0.5, 0.995 })
        {
            foreach (double[] x in JacobianTestScores.Points(d, 4, seed: 3))
            {
                Assert.True(score.TryLowRankJacobian(x, alphaBar, lowRank), $"{kind} offers no low-rank form");
                lowRank.ToDense(fromLowRank);
                score.Jacobian(x, alphaBar, dense);
                double scale = dense.Max(Math.Abs);
                worst = Math.Max(worst, dense.Zip(fromLowRank, (p, q) => Math.Abs(p - q)).Max() / scale);
            }
        }

        output.WriteLine($"{kind}: max |dense − low-rank| / max|J| = {worst:E2}");
        Assert.True(worst < 1e-13, $"{kind}: {worst:E3}");
    }

    [Theory]
    [MemberData(nameof(Scores))]
    public void IdentityPlusScaledDeterminantEqualsDenseLu(string kind)
    {
        IScore score = JacobianTestScores.Make(kind);
        int d = score.Dimension;
        var lowRank = new LowRankJacobian(d);
        var m = new double[d * d];
        double worst = 0;
        foreach (double alphaBar in new[] { 0.02, 0.5, 0.995 })
        {
            foreach (double scale in new[] { 0.01, 0.3, -0.2 })
            {
                foreach (double[] x in JacobianTestScores.Points(d, 3, seed: 5))
                {
                    score.Jacobian(x, alphaBar, m);
                    double expected = DenseIdentityPlusScaled.LogAbsDeterminant(m, d, scale);
                    Assert.True(score.TryLowRankJacobian(x, alphaBar, lowRank));
                    double viaLowRank = LowRankDeterminant.IdentityPlusScaled(lowRank, scale);
                    double viaScore = score.LogAbsDetIdentityPlusScaledJacobian(x, alphaBar, scale);
                    worst = Math.Max(worst, Math.Max(Math.Abs(viaLowRank - expected), Math.Abs(viaScore - expected)) / (1 + Math.Abs(expected)));
                }
            }
        }

        output.WriteLine($"{kind}: ln|det(I + c∇s)| error {worst:E2}");
        Assert.True(worst < 1e-12, $"{kind}: {worst:E3}");
    }

    public static TheoryData<string, string> SamplerCases()
    {
        var data = new TheoryData<string, string>();
        foreach (string sampler in new[] { "acc-ode", "dpm-solver-2" })
        {
            foreach (string kind in new[] { "isotropic", "isotropic-large", "gaussian", "embedded-r1", "embedded-r2", "scaled", "bias", "oscillatory", "oscillatory-embedded", "scaled-of-oscillatory" })
            {
                data.Add(sampler, kind);
            }
        }

        return data;
    }

    /// <summary>
    /// The accumulated ln|det ∂Y_1/∂Y_T| with the low-rank path against the dense chain rule on the same
    /// starting points (score wrapped so that it hides its low-rank form), over a whole run; and a check that
    /// the low-rank path really ran.
    /// </summary>
    [Theory]
    [MemberData(nameof(SamplerCases))]
    public void SamplerLogDeterminantEqualsTheDensePath(string name, string kind)
    {
        Sampler sampler = SamplerCatalog.Get(name);
        NoiseSchedule schedule = new ScheduleSpec("li2024", C0: 2, C1: 4).Build(12);
        var score = new CountingScore(JacobianTestScores.Make(kind));
        int d = score.Dimension;
        double[] starts = JacobianTestScores.Points(d, 6, seed: 11).SelectMany(p => p.Select(v => 1.5 * v)).ToArray();
        SampleSet lowRank = SamplerRunner.RunFrom(sampler, schedule, score, starts, accumulateLogDeterminant: true, blockSize: 4, maxDegreeOfParallelism: 1);
        SampleSet dense = SamplerRunner.RunFrom(sampler, schedule, new DenseOnlyScore(score.Inner), starts, accumulateLogDeterminant: true, blockSize: 4, maxDegreeOfParallelism: 1);
        Assert.True(score.LowRankForms >= 2 * 6 * 11, $"the low-rank path ran {score.LowRankForms} times");
        Assert.True(lowRank.Output.AsSpan().SequenceEqual(dense.Output), "the ln|det| path changed the samples");
        double worst = 0;
        for (int i = 0; i < 6; i++)
        {
            double expected = dense.LogDeterminant![i];
            worst = Math.Max(worst, Math.Abs(lowRank.LogDeterminant![i] - expected) / (1 + Math.Abs(expected)));
            Assert.True(Math.Abs(expected) > 1e-2, $"vacuous: ln|det| = {expected}");
        }

        output.WriteLine($"{name} on {kind}: ln|det J| low-rank vs dense {worst:E2}");
        Assert.True(worst < 1e-10, $"{name} on {kind}: {worst:E3}");
    }

    /// <summary>
    /// The low-rank path against central finite differences of the whole map Y_T → Y_1 (independent of both
    /// chain-rule derivations), on a d = 10 mixture where the low-rank path is taken.
    /// </summary>
    [Theory]
    [InlineData("acc-ode")]
    [InlineData("dpm-solver-2")]
    [InlineData("acc-ode-ms")]
    public void SamplerLogDeterminantMatchesFiniteDifferences(string name)
    {
        const double step = 1e-5;
        Sampler sampler = SamplerCatalog.Get(name);
        NoiseSchedule schedule = new ScheduleSpec("logsnr", LambdaMax: 4, LambdaMin: -4).Build(8);
        var score = new CountingScore(JacobianTestScores.Make("isotropic"));
        int d = score.Dimension;
        double[] point = JacobianTestScores.Points(d, 1, seed: 17)[0];
        var starts = new double[(2 * d + 1) * d];
        for (int r = 0; r < 2 * d + 1; r++)
        {
            Span<double> row = starts.AsSpan(r * d, d);
            point.CopyTo(row);
            if (r > 0)
            {
                row[(r - 1) / 2] += (r % 2 == 1 ? 1 : -1) * step;
            }
        }

        SampleSet result = SamplerRunner.RunFrom(sampler, schedule, score, starts, accumulateLogDeterminant: true, blockSize: 5, maxDegreeOfParallelism: 1);
        Assert.True(score.LowRankForms > 0);
        var jacobian = new double[d * d];
        for (int j = 0; j < d; j++)
        {
            ReadOnlySpan<double> plus = result.Sample(1 + 2 * j);
            ReadOnlySpan<double> minus = result.Sample(2 + 2 * j);
            for (int i = 0; i < d; i++)
            {
                jacobian[i * d + j] = (plus[i] - minus[i]) / (2 * step);
            }
        }

        double finiteDifference = DenseLu.LogAbsDeterminant(jacobian, d);
        double accumulated = result.LogDeterminant![0];
        output.WriteLine($"{name}: accumulated {accumulated:R}, finite difference {finiteDifference:R}");
        Assert.True(Math.Abs(accumulated) > 1e-2);
        Assert.Equal(finiteDifference, accumulated, 1e-6);
    }
}
