using Diffusion.Verify.Distances;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// The isotropic zero-mean-shift TV (chi-square CDF at the crossing radius) against a brute-force
/// integral over the radius (d = 3) and 60-digit values, from d = 2 to d = 10⁵.
/// </summary>
public sealed class GaussianTvChiSquareTests
{
    [Theory]
    [InlineData(1.3)]
    [InlineData(0.7)]
    [InlineData(5.0)]
    [InlineData(1e-3)]
    [InlineData(1.0 + 1e-4)]
    public void ThreeDimensionalValueMatchesBruteForceIntegrationOverTheRadius(double varianceP)
    {
        // |X| is sufficient for the pair N(0, aI) vs N(0, bI), so TV is the TV of the radius laws,
        // f_a(r) = √(2/π) r² a^{−3/2} e^{−r²/2a}.
        static double Radius(double r, double a) => Math.Sqrt(2 / Math.PI) * r * r * Math.Pow(a, -1.5) * Math.Exp(-r * r / (2 * a));
        double top = 40 * Math.Sqrt(Math.Max(varianceP, 1.0));
        double brute = 0.5 * ExactReferenceQuadrature.IntegrateAbsolute(r => Radius(r, varianceP) - Radius(r, 1.0), 0, top, 20_000);

        var p = GaussianLaw.Isotropic(3, 0.25, varianceP);
        var q = GaussianLaw.Isotropic(3, 0.25, 1.0);
        TotalVariationValue tv = GaussianTotalVariation.Compute(p, q);
        Assert.Equal(GaussianTvFormula.ChiSquare, tv.Formula);
        Assert.True(Math.Abs(tv.Value - brute) <= 1e-14 + (1e-11 * brute), $"chi-square {tv.Value:R} vs brute force {brute:R}");
    }

    [Theory]
    // 60-digit mpmath values of |P(d/2, x₂) − P(d/2, x₁)| for the double variance ratio as given.
    [InlineData(2, 1 + 1e-8, 3.6787943709626852431e-9)]
    [InlineData(3, 0.7, 0.16367573872511370385)]
    [InlineData(10, 1.05, 0.042784190149066222396)]
    [InlineData(20, 1 - 1e-9, 1.2511003224533485764e-9)]
    [InlineData(50, 3.0, 0.99337302460432170074)]
    [InlineData(4, 1e-3, 0.9998906260756224134)]
    [InlineData(200, 1 + 1e-7, 3.9860994839369292117e-7)]
    [InlineData(1000, 1.01, 0.088565612827773516199)]
    [InlineData(100_000, 1.001, 0.08897626338382674161)]
    public void Matches_high_precision_values(int dimension, double varianceP, double reference)
    {
        double tv = GaussianTotalVariation.ChiSquare(dimension, (varianceP - 1.0) / 1.0);
        Assert.True(Math.Abs(tv - reference) <= 1e-12 * reference, $"d = {dimension}: {tv:R} vs {reference:R}, relative {(tv - reference) / reference:G3}");
    }

    [Fact]
    public void TwoDimensionalValueIsTheExponentialDifference()
    {
        // k = 1: P(1, x) = 1 − e^{−x}, so TV = e^{−x₁} − e^{−ρ x₁}, x₁ = ln ρ / (ρ − 1).
        foreach (double rho in new[] { 1.5, 0.2, 10.0, 1.01 })
        {
            double x1 = Math.Log(rho) / (rho - 1);
            double expected = Math.Abs(Math.Exp(-x1) - Math.Exp(-rho * x1));
            Assert.Equal(expected, GaussianTotalVariation.ChiSquare(2, rho - 1), 1e-14);
        }
    }

    [Fact]
    public void IsotropicD1000ChiSquareAgreesWithTheInversion()
    {
        var p = GaussianLaw.Isotropic(1000, -0.3, 1.02);
        var q = GaussianLaw.Isotropic(1000, -0.3, 1.0);
        TotalVariationValue chi = GaussianTotalVariation.Compute(p, q);
        TotalVariationValue imhof = GaussianTotalVariation.Compute(p, q, GaussianTvFormula.Imhof);
        Assert.Equal(GaussianTvFormula.ChiSquare, chi.Formula);
        Assert.True(imhof.Converged);
        Assert.True(Math.Abs(chi.Value - imhof.Value) <= 1e-11 * chi.Value, $"{chi.Value:R} vs {imhof.Value:R}");
    }
}
