using Diffusion.Verify.Fitting;
using Diffusion.Verify.Randomness;

namespace Diffusion.Verify.Theory.Tests;

public class LogLogRegressionTests
{
    [Fact]
    public void ExactPowerLawGivesItsSlope()
    {
        var points = new[] { 10.0, 20, 40, 80, 160, 320 }.Select(t => new SeriesPoint(t, 3.0 * Math.Pow(t, -1.7), 0, 0)).ToArray();
        SlopeFit fit = LogLogRegression.Fit(points)!;
        Assert.Equal(-1.7, fit.Slope, 10);
        Assert.Equal(6, fit.PointsUsed);
        Assert.All(fit.LocalSlopes, l => Assert.Equal(-1.7, l.Slope, 10));
    }

    [Fact]
    public void UnresolvedPointsAreExcludedAndCounted()
    {
        var points = new List<SeriesPoint>
        {
            new(10, 1e-2, 1e-4, 3e-4),
            new(20, 2.5e-3, 1e-5, 3e-5),
            new(40, 6.25e-4, 1e-6, 3e-6),
            new(80, 1e-6, 1e-6, 3e-6),
            new(160, -1e-7, 1e-6, 3e-6),
        };
        SlopeFit fit = LogLogRegression.Fit(points)!;
        Assert.Equal(3, fit.PointsUsed);
        Assert.Equal(2, fit.PointsExcluded);
        Assert.Equal(-2, fit.Slope, 2);
    }

    [Fact]
    public void IntervalCoversTheTrueSlopeAtAboutNominalRate()
    {
        // 400 noisy series with 5 % relative errors: the 95 % regression interval must cover the truth in
        // 95 % ± 4.5σ of them (σ = √(0.95·0.05/400) ≈ 0.011), so neither too narrow nor vacuously wide.
        int covered = 0;
        const int trials = 400;
        for (int trial = 0; trial < trials; trial++)
        {
            ulong key = CounterRandom.Key(trial, RandomStream.Evaluation, 1, 0);
            var points = new[] { 10.0, 20, 40, 80, 160, 320, 640, 1280 }
                .Select((t, i) => new SeriesPoint(t, Math.Pow(t, -1.0) * Math.Exp(0.05 * CounterRandom.StandardNormal(key, i)), 0.05 * Math.Pow(t, -1.0), 0))
                .ToArray();
            SlopeFit fit = LogLogRegression.Fit(points, seed: trial, bootstrapReplicates: 200)!;
            if (fit.Lower95 <= -1.0 && -1.0 <= fit.Upper95)
            {
                covered++;
            }
        }

        double rate = covered / (double)trials;
        Assert.InRange(rate, 0.95 - 4.5 * 0.011, 0.95 + 4.5 * 0.011);
    }
}
