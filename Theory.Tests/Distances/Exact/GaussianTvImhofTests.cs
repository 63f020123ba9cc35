using Diffusion.Verify.Distances;
using Diffusion.Verify.Randomness;
using Xunit.Abstractions;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// The general TV (numerical inversion of the log-likelihood ratio's characteristic functions) against
/// high-precision two-dimensional values, against every closed form on the cases they cover (including
/// TV ~ 1e−8, where the relative precision is the point), and against a 10⁷-sample density-ratio Monte Carlo.
/// </summary>
public sealed class GaussianTvImhofTests(ITestOutputHelper output)
{
    public static TheoryData<double[], double[], double[], double[], double> TwoDimensional() => new()
    {
        // Values from mpmath (30 digits): TV = ∫ dx₂ ∫ (p₁p₂ − q₁q₂)₊ dx₁, the inner integral in closed form
        // (normal CDFs between the crossings of p₁p₂(x₂) and q₁q₂(x₂)), the outer by tanh-sinh quadrature
        // with breakpoints where the number of crossings changes. Inputs are the doubles as written.
        { [0.3, -0.2], [1.2, 0.8], [0.0, 0.0], [1.0, 1.0], 0.1465165839692154392 },
        { [0.0, 0.0], [1.5, 0.6], [0.0, 0.0], [1.0, 1.0], 0.14723582449711819411 },
        { [1e-4, -1e-4], [1 + 2e-4, 1 - 1e-4], [0.0, 0.0], [1.0, 1.0], 0.000070659952251429577201 },
        { [2.0, 0.5], [0.3, 3.0], [0.0, 0.0], [1.0, 2.0], 0.81884817662087327252 },
        { [0.5, 0.0], [1.0, 1.4], [0.0, 0.0], [1.0, 1.0], 0.21578489601587325643 },
        { [3.0, 0.0], [1.01, 0.5], [0.0, 0.0], [1.0, 1.0], 0.87032177812120753291 },
        { [0.0, 0.1], [1 + 1e-9, 1.2], [0.0, 0.0], [1.0, 1.0], 0.055601381009816451402 },
    };

    [Theory]
    [MemberData(nameof(TwoDimensional))]
    public void MatchesHighPrecisionTwoDimensionalValues(double[] meanP, double[] varianceP, double[] meanQ, double[] varianceQ, double reference)
    {
        TotalVariationValue tv = GaussianTotalVariation.Compute(new GaussianLaw(meanP, varianceP), new GaussianLaw(meanQ, varianceQ), GaussianTvFormula.Imhof);
        Assert.Equal(GaussianTvFormula.Imhof, tv.Formula);
        Assert.True(tv.Converged);
        Assert.True(Math.Abs(tv.Value - reference) <= 1e-12 * reference, $"{tv.Value:R} vs {reference:R}, relative {(tv.Value - reference) / reference:G3}, stated tolerance {tv.Tolerance:G3}");
        Assert.True(tv.Tolerance < 1e-11, $"stated tolerance {tv.Tolerance}");
    }

    [Fact]
    public void MatchesTheOneDimensionalClosedFormFromTvOfOrderOneDownTo1eMinus12()
    {
        // d = 1 is the hardest case for the inversion: |φ| decays only like t^{−1/2}.
        var random = new Random(23);
        double worst = 0;
        for (int c = 0; c < 150; c++)
        {
            double meanQ = (random.NextDouble() * 4) - 2;
            double varianceQ = Math.Exp((random.NextDouble() * 6) - 3);
            double shiftScale = Math.Pow(10, -random.NextDouble() * 11);
            double varianceScale = Math.Pow(10, -random.NextDouble() * 11);
            double meanP = meanQ + (shiftScale * ((random.NextDouble() * 2) - 1) * Math.Sqrt(varianceQ) * (c % 5 == 0 ? 0 : 1));
            double varianceP = varianceQ * Math.Exp(varianceScale * ((random.NextDouble() * 2) - 1) * (c % 7 == 0 ? 0 : 1));
            if (meanP == meanQ && varianceP == varianceQ)
            {
                continue;
            }

            double closed = GaussianTotalVariation.OneDimensional(meanP, varianceP, meanQ, varianceQ);
            TotalVariationValue tv = GaussianTotalVariation.Compute(new GaussianLaw([meanP], [varianceP]), new GaussianLaw([meanQ], [varianceQ]), GaussianTvFormula.Imhof);
            double relative = Math.Abs(tv.Value - closed) / closed;
            if (relative > worst)
            {
                output.WriteLine($"case {c}: TV {closed:G3}, relative gap {relative:G3}, stated tolerance/TV {tv.Tolerance / closed:G3}");
            }

            worst = Math.Max(worst, relative);
            Assert.True(tv.Converged, $"case {c} did not converge");
            Assert.True(relative <= 1e-11, $"case {c}: ({meanP:R}, {varianceP:R}) vs ({meanQ:R}, {varianceQ:R}): inversion {tv.Value:R}, closed form {closed:R}, relative {relative:G3}");
        }

        Assert.True(worst > 0, "the comparison must not be vacuous");
    }

    [Theory]
    [InlineData(2, 1 + 1e-8)]
    [InlineData(2, 1.5)]
    [InlineData(3, 0.7)]
    [InlineData(7, 1 + 1e-4)]
    [InlineData(2, 101.0)]
    [InlineData(40, 0.9)]
    public void MatchesTheChiSquareClosedForm(int dimension, double varianceP)
    {
        var p = GaussianLaw.Isotropic(dimension, 1.0, varianceP);
        var q = GaussianLaw.Isotropic(dimension, 1.0, 1.0);
        double closed = GaussianTotalVariation.Compute(p, q, GaussianTvFormula.ChiSquare).Value;
        TotalVariationValue tv = GaussianTotalVariation.Compute(p, q, GaussianTvFormula.Imhof);
        Assert.True(Math.Abs(tv.Value - closed) <= 1e-11 * closed, $"{tv.Value:R} vs {closed:R}");
    }

    [Theory]
    [InlineData(1e-8)]
    [InlineData(0.1)]
    [InlineData(2.0)]
    public void MatchesTheMeanShiftClosedForm(double shift)
    {
        var p = new GaussianLaw([shift, -shift, 0.5 * shift], [1.0, 2.0, 0.3]);
        var q = new GaussianLaw([0.0, 0.0, 0.0], [1.0, 2.0, 0.3]);
        double closed = GaussianTotalVariation.Compute(p, q, GaussianTvFormula.MeanShift).Value;
        TotalVariationValue tv = GaussianTotalVariation.Compute(p, q, GaussianTvFormula.Imhof);
        Assert.True(Math.Abs(tv.Value - closed) <= 1e-11 * closed, $"{tv.Value:R} vs {closed:R}");
    }

    [Fact]
    public void MatchesATenMillionSampleDensityRatioMonteCarloWithinFourSigma()
    {
        // d = 4, unequal covariances on both sides of 1 and a mean shift: TV = E_p[(1 − q/p)₊].
        double[] meanP = [0.3, -0.2, 0.1, 0.0];
        double[] varianceP = [1.2, 0.8, 1.0, 0.5];
        double[] meanQ = [0.0, 0.0, 0.0, 0.25];
        double[] varianceQ = [1.0, 1.0, 1.3, 0.6];
        TotalVariationValue tv = GaussianTotalVariation.Compute(new GaussianLaw(meanP, varianceP), new GaussianLaw(meanQ, varianceQ));
        Assert.Equal(GaussianTvFormula.Imhof, tv.Formula);

        const int chunks = 100;
        const int perChunk = 100_000;
        var sums = new double[chunks];
        var squares = new double[chunks];
        Parallel.For(0, chunks, c =>
        {
            Span<double> z = stackalloc double[4];
            double sum = 0;
            double square = 0;
            for (int i = 0; i < perChunk; i++)
            {
                CounterRandom.FillStandardNormal(CounterRandom.Key(99, RandomStream.Evaluation, 0, ((long)c * perChunk) + i), z);
                double logRatio = 0; // ln q − ln p at X = μ_p + √v_p z
                for (int j = 0; j < 4; j++)
                {
                    double x = meanP[j] + (Math.Sqrt(varianceP[j]) * z[j]);
                    double u = x - meanQ[j];
                    logRatio += (-0.5 * u * u / varianceQ[j]) + (0.5 * z[j] * z[j]) - (0.5 * Math.Log(varianceQ[j] / varianceP[j]));
                }

                double term = Math.Max(0, 1 - Math.Exp(logRatio));
                sum += term;
                square += term * term;
            }

            sums[c] = sum;
            squares[c] = square;
        });

        double n = (double)chunks * perChunk;
        double mean = sums.Sum() / n;
        double standardError = Math.Sqrt(((squares.Sum() / n) - (mean * mean)) / n);
        output.WriteLine($"inversion {tv.Value:R} (tolerance {tv.Tolerance:G3}), Monte Carlo {mean:R} ± {standardError:G3}, z = {(tv.Value - mean) / standardError:F2}");
        Assert.True(Math.Abs(tv.Value - mean) < 4 * standardError, $"inversion {tv.Value:R} vs Monte Carlo {mean:R} ± {standardError:G3}");
        Assert.True(standardError < 1e-3 * mean, $"the Monte Carlo check must be sharp: standard error {standardError:G3} for TV {mean:G4}");
    }

    [Fact]
    public void IsSymmetricAndConvergesForRandomAnisotropicPairsInSeveralDimensions()
    {
        var random = new Random(5);
        for (int c = 0; c < 30; c++)
        {
            int d = 2 + random.Next(30);
            double scale = Math.Pow(10, -random.Next(9));
            var mp = new double[d];
            var vp = new double[d];
            var mq = new double[d];
            var vq = new double[d];
            for (int j = 0; j < d; j++)
            {
                mq[j] = (random.NextDouble() * 2) - 1;
                vq[j] = Math.Exp((random.NextDouble() * 4) - 2);
                mp[j] = mq[j] + (scale * ((random.NextDouble() * 2) - 1));
                vp[j] = vq[j] * (1 + (scale * ((random.NextDouble() * 2) - 1)));
            }

            var p = new GaussianLaw(mp, vp);
            var q = new GaussianLaw(mq, vq);
            TotalVariationValue forward = GaussianTotalVariation.Compute(p, q, GaussianTvFormula.Imhof);
            TotalVariationValue backward = GaussianTotalVariation.Compute(q, p, GaussianTvFormula.Imhof);
            var (lower, upper) = GaussianTotalVariation.ProductBounds(CoordinatePair.Differing(p, q));
            Assert.True(forward.Converged && backward.Converged);
            Assert.True(forward.Tolerance <= 1e-10 * Math.Max(forward.Value, 1e-3), $"case {c}: tolerance {forward.Tolerance} for TV {forward.Value}");
            Assert.Equal(forward.Value, backward.Value, 1e-11 * forward.Value);
            Assert.InRange(forward.Value, lower * (1 - 1e-12), upper * (1 + 1e-12));
        }
    }

    [Fact]
    public void AbsurdlyUnequalVariancesFallBackToATightBracket()
    {
        // Variance ratio 1e−31: the inversion cannot resolve it, but this coordinate alone has TV ≈ 1.
        var p = new GaussianLaw([-1.82, 0.1], [1.1e-31, 1.0]);
        var q = new GaussianLaw([-1.92, 0.0], [0.2, 1.1]);
        TotalVariationValue tv = GaussianTotalVariation.Compute(p, q);
        Assert.True(double.IsFinite(tv.Value) && double.IsFinite(tv.Tolerance));
        Assert.Equal(GaussianTvFormula.ProductBounds, tv.Formula);
        Assert.True(tv.Tolerance < 1e-13 && tv.Value > 1 - 1e-12);
    }
}
