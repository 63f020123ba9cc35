using Diffusion.Verify.Distances;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>Closed-form Gaussian KL against direct numerical integration and 50-digit values for nearly equal laws.</summary>
public sealed class ExactGaussianKlTests
{
    [Theory]
    [InlineData(0.3, 1.2, 0.0, 1.0)]
    [InlineData(2.0, 0.01, -1.0, 3.0)]
    [InlineData(0.0, 5.0, 0.0, 1.0)]
    [InlineData(-1.0, 0.2, 0.5, 0.25)]
    [InlineData(1e-3, 1.001, 0.0, 1.0)]
    public void OneDimensionalValueMatchesDirectIntegration(double meanP, double varianceP, double meanQ, double varianceQ)
    {
        // ∫ p (ln p − ln q) with the log-densities written out; composite Gauss–Legendre over ±40 sd of p.
        double sd = Math.Sqrt(varianceP);
        double LogNormal(double x, double m, double v) => (-0.5 * (x - m) * (x - m) / v) - (0.5 * Math.Log(2 * Math.PI * v));
        double direct = ExactReferenceQuadrature.Integrate(
            x => Math.Exp(LogNormal(x, meanP, varianceP)) * (LogNormal(x, meanP, varianceP) - LogNormal(x, meanQ, varianceQ)),
            meanP - (40 * sd),
            meanP + (40 * sd),
            4000);
        double closed = GaussianDivergence.KlCoordinate(meanP, varianceP, meanQ, varianceQ);
        Assert.True(Math.Abs(closed - direct) <= 1e-15 + (1e-10 * closed), $"{closed:R} vs {direct:R}");
    }

    [Theory]
    // 50-digit values of ½[r − 1 − ln r + Δ²/v_q] for the double inputs as given.
    [InlineData(1e-9, 1 + 1e-9, 0.0, 1.0, 7.5000004120352056541e-19)]
    [InlineData(0.0, 1 + 1e-12, 0.0, 1.0, 2.5004445226683217983e-25)]
    [InlineData(3e-7, 2.0, 0.0, 2.0 + 4e-7, 3.2499992822807720923e-14)]
    [InlineData(0.3, 1.2, 0.0, 1.0, 0.053839221603022679863)]
    [InlineData(2.0, 0.01, -1.0, 3.0, 3.853557903994767186)]
    public void Keeps_full_relative_precision_for_nearly_equal_laws(double meanP, double varianceP, double meanQ, double varianceQ, double reference)
    {
        double closed = GaussianDivergence.KlCoordinate(meanP, varianceP, meanQ, varianceQ);
        Assert.True(Math.Abs(closed - reference) <= 1e-14 * reference, $"{closed:R} vs {reference:R}");
    }

    [Theory]
    [InlineData(1e-12, 4.9999999999966664655e-25)]
    [InlineData(1e-6, 4.9999966666691662121e-13)]
    [InlineData(0.1, 0.0046898201956751404607)]
    [InlineData(0.2499, 0.026836451885960923343)]
    [InlineData(0.25, 0.026856448685790244234)]
    [InlineData(-0.2, 0.023143551314209758542)]
    [InlineData(-0.2500001, 0.037682105785123150621)]
    [InlineData(-0.9, 1.4025850929940458839)]
    [InlineData(3.0, 1.6137056388801093812)]
    public void ExcessOverLogIsAccurateOnBothSidesOfTheSeriesSwitch(double delta, double reference)
    {
        double excess = -Remainders.Log1PMinusX(delta);
        Assert.True(Math.Abs(excess - reference) <= 2e-15 * reference, $"δ = {delta}: {excess:R} vs {reference:R}");
    }

    [Fact]
    public void MultivariateValueIsTheSumOverCoordinatesAndIsZeroOnlyForEqualLaws()
    {
        var p = new GaussianLaw([0.1, -2.0, 0.0], [1.0, 0.5, 3.0]);
        var q = new GaussianLaw([0.0, -2.5, 0.0], [1.1, 0.5, 2.0]);
        double sum = 0;
        for (int j = 0; j < 3; j++)
        {
            sum += GaussianDivergence.KlCoordinate(p.Mean(j), p.Variance(j), q.Mean(j), q.Variance(j));
        }

        Assert.Equal(sum, GaussianDivergence.Kl(p, q), 1e-15);
        Assert.True(GaussianDivergence.Kl(p, q) > 0);
        Assert.True(GaussianDivergence.Kl(p, q) != GaussianDivergence.Kl(q, p));
        Assert.Equal(0.0, GaussianDivergence.Kl(p, p));
    }
}
