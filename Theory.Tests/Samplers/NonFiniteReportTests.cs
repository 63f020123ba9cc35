using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Scores;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// A non-finite value in the state is reported with the sampler, the step and the global sample index
/// where it first appears — also for acc-ode, whose update pass checks the new state itself (the runner
/// skips its own pass then), in the vector lanes and in the scalar tail of a row.
/// </summary>
public sealed class NonFiniteReportTests
{
    [Theory]
    [InlineData("acc-ode", 18, 21, 3)]
    [InlineData("acc-ode", 18, 21, 17)]
    [InlineData("acc-ode", 16, 21, 15)]
    [InlineData("acc-ode", 18, 36, 17)]
    [InlineData("ddim-type", 18, 21, 17)]
    public void TheFirstNonFiniteCoordinateIsReportedWithStepAndSample(string name, int d, int bad, int coordinate)
    {
        // 37 rows in blocks of 8: the last block holds 5 rows, 90 coordinates at d = 18, so its last two
        // (row 36, coordinates 16 and 17) are past the last whole vector at 128, 256 and 512 bits.
        const int rows = 37;
        const int steps = 50;
        var starts = new double[rows * d];
        for (int i = 0; i < starts.Length; i++)
        {
            starts[i] = 0.01 * ((i % 13) - 6);
        }

        // One coordinate of one row so large that the score overflows there (and nowhere else) at the first step.
        starts[(bad * d) + coordinate] = 1e200;
        Sampler sampler = SamplerCatalog.Get(name);
        NoiseSchedule schedule = Li2024Schedule.Create(steps, 2, 6);
        // The runner's parallel loop wraps what a block throws.
        var thrown = Assert.Throws<AggregateException>(() =>
            SamplerRunner.RunFrom(sampler, schedule, new OverflowingScore(d), starts, accumulateLogDeterminant: false, blockSize: 8, maxDegreeOfParallelism: 1));
        var e = Assert.IsType<NumericalFailureException>(Assert.Single(thrown.Flatten().InnerExceptions));
        Assert.Equal(name, e.Sampler);
        Assert.Equal(steps, e.Step);
        Assert.Equal(bad, e.SampleIndex);
        Assert.Contains($"[{coordinate}] = ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FiniteRunsAreNotReported()
    {
        const int d = 18;
        var starts = new double[40 * d];
        for (int i = 0; i < starts.Length; i++)
        {
            starts[i] = 0.1 * ((i % 7) - 3);
        }

        SampleSet result = SamplerRunner.RunFrom(SamplerCatalog.Get("acc-ode"), Li2024Schedule.Create(50, 2, 6), new OverflowingScore(d), starts, accumulateLogDeterminant: false, blockSize: 8, maxDegreeOfParallelism: 1);
        Assert.Equal(40, result.Count);
    }

    /// <summary>s(x) = −x, except that a coordinate beyond 1e100 gets 1e300·x, which overflows to ±∞.</summary>
    private sealed class OverflowingScore(int dimension) : IScore
    {
        public int Dimension => dimension;

        public string Description => "−x, overflowing beyond 1e100";

        public int ScratchLength(int rows) => 0;

        public void Evaluate(ReadOnlySpan<double> x, int rows, double alphaBar, Span<double> score, Span<double> scratch)
        {
            for (int i = 0; i < rows * dimension; i++)
            {
                score[i] = Math.Abs(x[i]) > 1e100 ? 1e300 * x[i] : -x[i];
            }
        }

        public void Jacobian(ReadOnlySpan<double> x, double alphaBar, Span<double> jacobian) => throw new NotSupportedException();

        public double LogAbsDetIdentityPlusScaledJacobian(ReadOnlySpan<double> x, double alphaBar, double scale) => throw new NotSupportedException();
    }
}
