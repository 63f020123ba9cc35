using Diffusion.Verify.Distances;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>The one-dimensional erf-based TV against brute-force ½∫|p − q| and against 50-digit values.</summary>
public sealed class GaussianTvOneDimensionalTests
{
    public static TheoryData<double, double, double, double> Pairs() => new()
    {
        { 0.3, 1.2, 0.0, 1.0 },
        { 0.0, 1.2, 0.0, 1.0 },
        { 0.5, 1.0, 0.0, 1.0 },
        { -2.0, 3.0, 0.0, 1.0 },
        { 0.5, 0.3, 0.0, 1.0 },
        { 3.0, 0.1, 0.0, 5.0 },
        { 1e-3, 1 - 1e-5, 0.0, 1.0 },
        { 1e-5, 1 - 1e-3, 0.0, 1.0 },
        { 5e-2, 1 + 1e-6, 0.0, 1.0 },
        { 1e-6, 2.0, 1e-6, 2.0 + 1e-5 },
        { 10.0, 0.01, 0.0, 1.0 },
        { 1.0, 30.0, 0.0, 1.0 },
    };

    [Theory]
    [MemberData(nameof(Pairs))]
    public void MatchesBruteForceIntegration(double meanP, double varianceP, double meanQ, double varianceQ)
    {
        double exact = GaussianTotalVariation.OneDimensional(meanP, varianceP, meanQ, varianceQ);
        double brute = ExactReferenceQuadrature.TotalVariation1D(meanP, varianceP, meanQ, varianceQ);

        // The brute force subtracts two densities, so it carries ~1e−16 absolute; the closed form carries far less.
        Assert.True(Math.Abs(exact - brute) <= 1e-14 + (1e-11 * brute), $"closed form {exact:R} vs brute force {brute:R}");
    }

    [Fact]
    public void RandomPairsMatchBruteForceIntegration()
    {
        var random = new Random(7);
        for (int c = 0; c < 40; c++)
        {
            double meanQ = (random.NextDouble() * 4) - 2;
            double varianceQ = Math.Exp((random.NextDouble() * 4) - 2);
            double scale = Math.Pow(10, -random.NextDouble() * 6);
            double meanP = meanQ + (scale * ((random.NextDouble() * 2) - 1) * Math.Sqrt(varianceQ));
            double varianceP = varianceQ * Math.Exp(scale * ((random.NextDouble() * 2) - 1));
            double exact = GaussianTotalVariation.OneDimensional(meanP, varianceP, meanQ, varianceQ);
            double brute = ExactReferenceQuadrature.TotalVariation1D(meanP, varianceP, meanQ, varianceQ);
            Assert.True(Math.Abs(exact - brute) <= 1e-14 + (1e-11 * brute), $"case {c}: ({meanP:R}, {varianceP:R}) vs ({meanQ:R}, {varianceQ:R}): {exact:R} vs {brute:R}");
        }
    }

    [Theory]
    // 50-digit values (mpmath, crossing points solved exactly, TV = Σ |F_p − F_q| at the crossings), for the
    // double inputs as given. TV ~ 5e−9 and 8e−13: brute force cannot resolve these, the closed form must.
    [InlineData(1e-8, 1 + 1e-8, 0.0, 1.0, 4.464585570610564021e-9)]
    [InlineData(0.0, 1 + 2e-8, 0.0, 1.0, 4.8394144663056150584e-9)]
    [InlineData(1e-12, 1 + 3e-12, 0.0, 1.0, 8.0507858674745406754e-13)]
    [InlineData(0.3, 1.2, 0.0, 1.0, 0.11921694807290186942)]
    [InlineData(0.0, 1e-6, 0.0, 1.0, 0.99683266748180534112)]
    [InlineData(1.0, 1e-4, 0.0, 1.0, 0.98314053643093194216)]
    [InlineData(1.3625648938519708, 0.14179389235656867, 1.361628532112403, 0.14174408583043271, 0.00099458305553193869425)]
    public void Matches_high_precision_values_with_full_relative_precision(double meanP, double varianceP, double meanQ, double varianceQ, double reference)
    {
        double exact = GaussianTotalVariation.OneDimensional(meanP, varianceP, meanQ, varianceQ);
        Assert.True(Math.Abs(exact - reference) <= 1e-14 * reference, $"{exact:R} vs {reference:R}: relative {(exact - reference) / reference:G3}");
    }

    [Fact]
    public void EqualVariancesGiveTheErfOfTheHalfShift()
    {
        foreach (double shift in new[] { 1e-9, 1e-4, 0.3, 2.0, 9.0 })
        {
            double sigma2 = 1.7;
            double expected = MathNet.Numerics.SpecialFunctions.Erf(shift / (2 * Math.Sqrt(2 * sigma2)));
            Assert.Equal(expected, GaussianTotalVariation.OneDimensional(shift, sigma2, 0.0, sigma2), 1e-15 * expected);
        }
    }

    [Fact]
    public void IsSymmetricBoundedAndZeroOnlyForIdenticalLaws()
    {
        var random = new Random(11);
        for (int c = 0; c < 200; c++)
        {
            double mp = random.NextDouble() * 6 - 3;
            double vp = Math.Exp((random.NextDouble() * 8) - 4);
            double mq = random.NextDouble() * 6 - 3;
            double vq = Math.Exp((random.NextDouble() * 8) - 4);
            double forward = GaussianTotalVariation.OneDimensional(mp, vp, mq, vq);
            double backward = GaussianTotalVariation.OneDimensional(mq, vq, mp, vp);
            Assert.InRange(forward, 0.0, 1.0);
            Assert.True(forward > 0);
            Assert.Equal(forward, backward, 1e-13 * Math.Max(forward, 1e-300));
        }

        Assert.Equal(0.0, GaussianTotalVariation.OneDimensional(0.4, 2.0, 0.4, 2.0));
    }

    [Fact]
    public void AutoPicksTheOneDimensionalFormulaWhenOneCoordinateDiffers()
    {
        var p = new GaussianLaw([0.0, 0.3, 1.0], [1.0, 1.2, 2.0]);
        var q = new GaussianLaw([0.0, 0.0, 1.0], [1.0, 1.0, 2.0]);
        TotalVariationValue tv = GaussianTotalVariation.Compute(p, q);
        Assert.Equal(GaussianTvFormula.OneDimensional, tv.Formula);
        Assert.Equal(GaussianTotalVariation.OneDimensional(0.3, 1.2, 0.0, 1.0), tv.Value);
    }
}
