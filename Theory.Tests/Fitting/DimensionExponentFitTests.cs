using Diffusion.Verify.Fitting;

namespace Diffusion.Verify.Theory.Tests;

public sealed class DimensionExponentFitTests
{
    private static readonly double[] Dimensions = [1, 10, 100, 1000, 10_000, 100_000];

    [Fact]
    public void AFlatSeriesGivesAnExponentConsistentWithZero()
    {
        // An adaptive sampler: the same (quadrature) value at every d, with a tolerance of 1e−12.
        var points = Dimensions.Select(d => new SeriesPoint(d, 3.4e-6, 0, 1e-12)).ToList();
        DimensionExponentValue v = DimensionExponentFit.Fit(points).Value!;
        Assert.InRange(v.Exponent, -1e-9, 1e-9);
        Assert.True(v.ConsistentWithZero);
    }

    [Fact]
    public void ALinearComplementTermGivesExponentOneAtLargeD()
    {
        // KL = KL_core + (d − 1) c: flat at small d, ∝ d at large d; the exponent is read at the large-d end.
        var points = Dimensions.Select(d => new SeriesPoint(d, 0.01 + (d - 1) * 1e-3, 0, 0)).ToList();
        DimensionExponentValue v = DimensionExponentFit.Fit(points).Value!;
        Assert.InRange(v.Exponent, 0.95, 1.0);
        Assert.False(v.ConsistentWithZero);
        Assert.InRange(v.Lower95, 0.5, 1.0);
        Assert.Equal(1000, v.FromX);
    }

    [Fact]
    public void SaturatedTotalVariationIsUnresolvedWithAReason()
    {
        var points = Dimensions.Select(d => new SeriesPoint(d, Math.Min(0.99, 0.1 * Math.Sqrt(d)), 0, 0, 0.5)).ToList();
        DimensionExponent fit = DimensionExponentFit.Fit(points);
        Assert.Null(fit.Value);
        Assert.Contains("saturated", fit.Reason);
    }
}
