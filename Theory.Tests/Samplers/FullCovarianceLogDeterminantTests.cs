using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Scores;
using Diffusion.Verify.Targets;
using Xunit.Abstractions;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// Full-covariance mixtures with several components active along the path (d = 40, K = 4, starts N(0, I), T = 30:
/// early steps mixed, middle steps with tiny non-zero weights that the truncation drops, late ones single):
/// accumulated ln|det J| of each deterministic sampler against the same run with every shortcut hidden (dense
/// Jacobians, LU), to 1e−10 relative — the truncation may move each step by at most 1e−13, rounding the rest.
/// And the same bits whatever the block size and thread count at d = 130 (the blocked LU and product with edges).
/// </summary>
public sealed class FullCovarianceLogDeterminantTests(ITestOutputHelper output)
{
    public static TheoryData<string> Samplers() => new() { "ddim-type", "ddim", "acc-ode", "dpm-solver-2", "acc-ode-ms" };

    [Theory]
    [MemberData(nameof(Samplers))]
    public void AccumulatedLogDeterminantEqualsTheDensePath(string name)
    {
        var exact = new ExactScore(RandomGaussianMixture.Create(40, 4, 4.0, CovarianceForm.Full, seed: 5));
        var probe = new TruncationProbe(exact);
        int d = exact.Dimension;
        Sampler sampler = SamplerCatalog.Get(name);
        NoiseSchedule schedule = new ScheduleSpec("li2024", C0: 2, C1: 4).Build(30);
        const int rows = 4;
        double[] starts = JacobianTestScores.Points(d, rows, seed: 19).SelectMany(p => p).ToArray();
        SampleSet fast = SamplerRunner.RunFrom(sampler, schedule, probe, starts, accumulateLogDeterminant: true, blockSize: rows, maxDegreeOfParallelism: 1);
        SampleSet dense = SamplerRunner.RunFrom(sampler, schedule, new DenseOnlyScore(exact), starts, accumulateLogDeterminant: true, blockSize: rows, maxDegreeOfParallelism: 1);
        Assert.True(fast.Output.AsSpan().SequenceEqual(dense.Output), "the ln|det| path changed the samples");
        double worst = 0;
        for (int i = 0; i < rows; i++)
        {
            double expected = dense.LogDeterminant![i];
            Assert.True(Math.Abs(expected) > 1e-2, $"vacuous: ln|det| = {expected}");
            worst = Math.Max(worst, Math.Abs(fast.LogDeterminant![i] - expected) / (1 + Math.Abs(expected)));
        }

        output.WriteLine($"{name}: ln|det J| vs dense {worst:E2}; forms with dropped weight {probe.Truncated}, mixed (dense) {probe.Mixed}");
        if (name != "acc-ode-ms")
        {
            Assert.True(probe.Truncated > 0, "no step had a dominant component with tiny non-zero others");
            Assert.True(probe.Mixed > 0, "no step had several components that matter");
        }

        Assert.True(worst < 1e-10, $"{name}: {worst:E3}");
    }

    [Theory]
    [InlineData("ddim")]
    [InlineData("dpm-solver-2")]
    [InlineData("acc-ode-ms")]
    public void SameBitsWhateverTheThreadCount(string name)
    {
        var score = new ExactScore(RandomGaussianMixture.Create(130, 3, 3.0, CovarianceForm.Full, seed: 8));
        Sampler sampler = SamplerCatalog.Get(name);
        NoiseSchedule schedule = new ScheduleSpec("li2024", C0: 2, C1: 4).Build(12);
        const int rows = 4;
        double[] starts = JacobianTestScores.Points(130, rows, seed: 3).SelectMany(p => p).ToArray();
        SampleSet serial = SamplerRunner.RunFrom(sampler, schedule, score, starts, accumulateLogDeterminant: true, blockSize: rows, maxDegreeOfParallelism: 1);
        SampleSet parallel = SamplerRunner.RunFrom(sampler, schedule, score, starts, accumulateLogDeterminant: true, blockSize: 1, maxDegreeOfParallelism: 2);
        Assert.True(serial.LogDeterminant!.AsSpan().SequenceEqual(parallel.LogDeterminant), "ln|det J| depends on block size or thread count");
        Assert.True(serial.LogDeterminant!.All(double.IsFinite));
    }

    /// <summary>Forwards everything; counts eigenbasis forms handed out with a non-zero residual, and points where none exists.</summary>
    private sealed class TruncationProbe(IScore inner) : IScore
    {
        private readonly EigenbasisJacobian _probe = new(inner.Dimension);

        public int Truncated { get; private set; }

        public int Mixed { get; private set; }

        public int Dimension => inner.Dimension;

        public string Description => inner.Description;

        public int ScratchLength(int rows) => inner.ScratchLength(rows);

        public void Evaluate(ReadOnlySpan<double> x, int rows, double alphaBar, Span<double> score, Span<double> scratch) => inner.Evaluate(x, rows, alphaBar, score, scratch);

        public void Jacobian(ReadOnlySpan<double> x, double alphaBar, Span<double> jacobian) => inner.Jacobian(x, alphaBar, jacobian);

        public double LogAbsDetIdentityPlusScaledJacobian(ReadOnlySpan<double> x, double alphaBar, double scale)
        {
            Count(x, alphaBar, _probe);
            return inner.LogAbsDetIdentityPlusScaledJacobian(x, alphaBar, scale);
        }

        public bool TryEigenbasisJacobian(ReadOnlySpan<double> x, double alphaBar, EigenbasisJacobian destination) => Count(x, alphaBar, destination);

        private bool Count(ReadOnlySpan<double> x, double alphaBar, EigenbasisJacobian destination)
        {
            bool found = inner.TryEigenbasisJacobian(x, alphaBar, destination);
            Truncated += found && destination.Residual is > 0 and < 1e-14 ? 1 : 0;
            Mixed += found && destination.Residual > 1e-3 ? 1 : 0;
            return found;
        }
    }
}
