using Diffusion.Verify.Distances;
using Diffusion.Verify.Targets;
using static Diffusion.Verify.Theory.Tests.SampleDistanceGaussians;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// The held-out projection TV lower bound on pairs of Gaussians with exact TV: it must not exceed the
/// exact TV by more than 4 standard errors, must read 0 within 4 standard errors when p = q, and must
/// recover a clear share of the projected TV when the pair differs (else it would be a vacuous bound).
/// </summary>
public class SampleDistanceProjectionTvTests
{
    [Theory]
    [InlineData(0.15, 1.0)]
    [InlineData(0.0, 1.25)]
    [InlineData(0.1, 0.85)]
    public void OneDimensionalBoundIsBelowTheExactErfTvAndRecoversMostOfIt(double shift, double sd)
    {
        const int n = 20_000;
        double exact = TotalVariation1D(shift, sd, 0, 1);
        ProjectionTvEstimate estimate = Estimate(1, n, shift, sd, seed: 11);
        Estimate bound = estimate.LowerBound;
        Assert.True(bound.StandardError > 0);
        Assert.True(bound.Value <= exact + (4 * bound.StandardError), $"bound {bound.Value} ± {bound.StandardError} above exact TV {exact}");

        // Power: with TV ≈ 0.05–0.08 and a standard error ≈ 0.005, at least half of the TV must show.
        Assert.True(bound.Value >= 0.5 * exact, $"bound {bound.Value} recovers less than half of TV {exact}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    public void EqualLawsGiveZeroWithinFourStandardErrors(int d)
    {
        ProjectionTvEstimate estimate = Estimate(d, 10_000, 0, 1, seed: 23);
        Estimate bound = estimate.LowerBound;
        Assert.InRange(bound.Value, -4 * bound.StandardError, 4 * bound.StandardError);

        // The binomial error at p = q is about √(2·P(A)(1 − P(A))/N) ≤ √(0.5/N): not vacuously large.
        Assert.InRange(bound.StandardError, 0.003, Math.Sqrt(0.5 / 10_000) * 1.2);
    }

    [Fact]
    public void EightDimensionalBoundIsBelowTheExactTvAndFindsTheShiftedAxis()
    {
        const int d = 8;
        const double shift = 0.3;
        const double sd = 0.9;
        double exact = TotalVariation(d, shift, sd, 1);
        double alongShift = TotalVariation1D(shift, sd, 0, 1);
        ProjectionTvEstimate estimate = Estimate(d, 10_000, shift, sd, seed: 5);
        Estimate bound = estimate.LowerBound;
        Assert.True(exact > alongShift, "the d-dimensional TV exceeds any projection's");
        Assert.True(bound.Value <= exact + (4 * bound.StandardError), $"bound {bound.Value} ± {bound.StandardError} above exact TV {exact}");
        Assert.True(bound.Value >= 0.5 * alongShift, $"bound {bound.Value} recovers less than half of the projected TV {alongShift}");
    }

    [Fact]
    public void BootstrapKeepsTheValueAndOnlyRaisesTheError()
    {
        double[] p = Draw(5_000, 2, 0.1, 1.1, seed: 31);
        double[] q = Draw(5_000, 2, 0, 1, seed: 32);
        double[] edges = Draw(4096, 2, 0, 1, seed: 33);
        IReadOnlyList<ProjectionTvDirection> directions = ProjectionTvDirection.Random(2, 4, seed: 34);
        Estimate binomial = ProjectionTv.Estimate(p, q, edges, 2, directions, seed: 35).LowerBound;
        Estimate bootstrap = ProjectionTv.Estimate(p, q, edges, 2, directions, new ProjectionTvOptions { BootstrapReplicates = 50 }, seed: 35).LowerBound;
        Assert.Equal(binomial.Value, bootstrap.Value);
        Assert.InRange(bootstrap.StandardError, binomial.StandardError, 3 * binomial.StandardError);
    }

    [Fact]
    public void ExactTvHelperAgreesWithErfAndWithMonteCarlo()
    {
        // d = 2 with equal scales reduces to the 1-D shift exactly.
        Assert.Equal(TotalVariation1D(0.4, 1, 0, 1), TotalVariation(2, 0.4, 1, 1), 7);

        // d = 8 with a scale change: E_p[(1 − q/p)_+] from 2·10⁵ exact draws of p.
        const int d = 8;
        const int n = 200_000;
        double[] x = Draw(n, d, 0.3, 0.9, seed: 99);
        var p = new IsotropicMixture([1.0], [Axis(d, 0.3)], [0.81]);
        var q = new IsotropicMixture([1.0], [new double[d]], [1.0]);
        var mean = new MeanAccumulator();
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<double> row = x.AsSpan(i * d, d);
            double logRatio = q.LogDensity(row, 1) - p.LogDensity(row, 1);
            mean.Add(Math.Max(0, 1 - Math.Exp(logRatio)));
        }

        Estimate monteCarlo = mean.Estimate();
        Assert.InRange(TotalVariation(d, 0.3, 0.9, 1), monteCarlo.Value - (4 * monteCarlo.StandardError), monteCarlo.Value + (4 * monteCarlo.StandardError));
    }

    [Fact]
    public void DirectionsFromMeansAreUnitAndDistinct()
    {
        double[][] means = [[2, 0, 0], [-2, 0, 0], [0, 3, 0], [0, 0, 0]];
        IReadOnlyList<ProjectionTvDirection> directions = ProjectionTvDirection.FromMeans(means);

        // e₁ (±, and as the differences with mean 1 and the zero mean), e₂, and (2, −3, 0), (−2, −3, 0).
        Assert.Equal(["mean 0", "mean 2", "mean 0 − mean 2", "mean 1 − mean 2"], directions.Select(x => x.Name));
        Assert.All(directions, x => Assert.Equal(1.0, Math.Sqrt(x.Unit.Sum(v => v * v)), 12));
        IReadOnlyList<ProjectionTvDirection> random = ProjectionTvDirection.Random(5, 4, seed: 3);
        Assert.Equal(4, random.Count);
        Assert.Equal(random.Select(x => x.Unit), ProjectionTvDirection.Random(5, 4, seed: 3).Select(x => x.Unit));

        // In d = 1 every direction is ±1.
        Assert.Single(ProjectionTvDirection.Distinct(ProjectionTvDirection.Random(1, 4, seed: 3)));
    }

    private static ProjectionTvEstimate Estimate(int d, int n, double shift, double sd, long seed)
    {
        double[] p = Draw(n, d, shift, sd, seed);
        double[] q = Draw(n, d, 0, 1, seed + 1000);
        double[] edges = Draw(4096, d, 0, 1, seed + 2000);
        var directions = ProjectionTvDirection.Distinct(
            new[] { ProjectionTvDirection.Along("e1", Axis(d, 1))! }.Concat(ProjectionTvDirection.Random(d, 8, seed)));
        return ProjectionTv.Estimate(p, q, edges, d, directions, seed: seed);
    }

    private static double[] Axis(int d, double length)
    {
        var v = new double[d];
        v[0] = length;
        return v;
    }
}
