using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Xunit.Abstractions;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// acc-ode-ms's ln|det ∂Y_1/∂Y_T| through the subspace recursion (Samplers/AccOdeMultistepLogDeterminant: M_t and
/// ∇ε_t M_t kept as x I + B X̂ Bᵀ) against the dense tangent propagation on the same starting points (the score
/// wrapped so that it hides its low-rank form), (The check against central finite
/// differences of the whole map is LowRankJacobianTests.SamplerLogDeterminantMatchesFiniteDifferences.)
/// A wrong term in the two-step chain rule (e.g. dropping C_t ∇ε_{t+1} M_{t+1}, or using M_t in its place)
/// moves ln|det J| by 1e−3 or more; the bound is 1e−10 relative to 1 + |value|.
/// </summary>
public sealed class AccOdeMultistepLogDeterminantTests(ITestOutputHelper output)
{
    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (string kind in new[] { "isotropic", "isotropic-large", "isotropic-k1", "gaussian", "embedded-r1", "embedded-r2", "isotropic-k6-in-d3", "embedded-k4-in-d4-on-subspace", "scaled", "bias", "oscillatory", "oscillatory-embedded", "scaled-of-oscillatory" })
        {
            data.Add(kind, 12);
        }

        data.Add("isotropic", 80);
        data.Add("bias", 80);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SubspaceRecursionEqualsTheDenseTangents(string kind, int steps)
    {
        Sampler sampler = SamplerCatalog.Get("acc-ode-ms");
        NoiseSchedule schedule = new ScheduleSpec("li2024", C0: 2, C1: 4).Build(steps);
        var score = new CountingScore(JacobianTestScores.Make(kind));
        int d = score.Dimension;
        const int rows = 6;
        double[] starts = JacobianTestScores.Points(d, rows, seed: 11).SelectMany(p => p.Select(v => 1.5 * v)).ToArray();
        SampleSet lowRank = SamplerRunner.RunFrom(sampler, schedule, score, starts, accumulateLogDeterminant: true, blockSize: 4, maxDegreeOfParallelism: 1);
        Assert.Equal(0, score.DenseJacobians);
        Assert.True(score.LowRankForms >= rows * (steps - 1), $"the low-rank path ran {score.LowRankForms} times");

        SampleSet dense = SamplerRunner.RunFrom(sampler, schedule, new DenseOnlyScore(score.Inner), starts, accumulateLogDeterminant: true, blockSize: 4, maxDegreeOfParallelism: 1);
        Assert.True(lowRank.Output.AsSpan().SequenceEqual(dense.Output), "the ln|det| path changed the samples");
        double worst = 0;
        for (int i = 0; i < rows; i++)
        {
            double expected = dense.LogDeterminant![i];
            Assert.True(Math.Abs(expected) > 1e-2, $"vacuous: ln|det| = {expected}");
            worst = Math.Max(worst, Math.Abs(lowRank.LogDeterminant![i] - expected) / (1 + Math.Abs(expected)));
        }

        output.WriteLine($"acc-ode-ms on {kind} (d = {d}, T = {steps}): ln|det J| subspace vs dense {worst:E2}");
        Assert.True(worst < 1e-10, $"acc-ode-ms on {kind}: {worst:E3}");
    }
}
