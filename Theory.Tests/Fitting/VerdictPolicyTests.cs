using Diffusion.Verify.Fitting;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// The verdict policy of DESIGN §7 (<see cref="RateAssessment"/>) on synthetic series whose answer is known
/// from the construction: noise-free values (no standard error, the tolerance of a deterministic evaluator).
/// </summary>
public class VerdictPolicyTests
{
    private static double[] Doubling(int fromPower, int toPower) => Enumerable.Range(fromPower, toPower - fromPower + 1).Select(k => Math.Pow(2, k)).ToArray();

    /// <summary>Noise-free points at T = 2^10 … whose local slopes between neighbours are exactly <paramref name="slopes"/>.</summary>
    private static SeriesPoint[] WithLocalSlopes(double start, double[] slopes, bool bounded)
    {
        double[] t = Doubling(10, 10 + slopes.Length);
        var values = new double[t.Length];
        values[0] = start;
        for (int i = 1; i < t.Length; i++)
        {
            values[i] = values[i - 1] * Math.Pow(2, slopes[i - 1]);
        }

        return t.Select((x, i) => ResolutionPolicy.Point(x, values[i], 0, 1e-12 * values[i], bounded)).ToArray();
    }

    private static SeriesPoint[] Exact(double[] t, Func<double, double> e) =>
        t.Select(x => ResolutionPolicy.Point(x, e(x), 0, 1e-12 * e(x), bounded: false)).ToArray();

    [Fact]
    public void PowerTimesLogSixIsConsistentWithTheAccOdeBoundAndSlowerThanItsStrictRate()
    {
        // e = T^-2 (ln T)^6 is exactly the acc-ode bound's shape: g(T) is constant. Its own local slopes
        // −2 + 6/ln T change by < 0.03 per doubling only beyond T ≈ 2^17, so the sweep reaches 2^20.
        var points = Exact(Doubling(6, 20), t => Math.Pow(t, -2) * Math.Pow(Math.Log(t), 6));
        RateAssessment a = RateAssessment.Assess(points, p: 2, q: 6);

        Assert.Equal(Verdict.Consistent, a.Verdict);
        Assert.True(a.Settled);
        Assert.True(a.AsStated!.Value.Contains(0), $"{a.AsStated}");
        Assert.Equal(TightnessKind.Slower, a.Tightness!.Kind);
        Assert.True(a.Tightness.Excess.Lower > 0, a.Tightness.Describe());
    }

    [Fact]
    public void LocalSlopesStillSteepeningTowardsTheBoundAreNeverContradicted()
    {
        // Local slopes −1.80, −1.90, −1.95, −1.98 between T = 2^10 … 2^14: steepening towards −2.
        var points = WithLocalSlopes(1e-4, [-1.80, -1.90, -1.95, -1.98], bounded: true);
        foreach (double q in new[] { 0.0, 1.0 })
        {
            RateAssessment a = RateAssessment.Assess(points, p: 2, q: q);
            Assert.NotEqual(Verdict.Contradicted, a.Verdict);
            Assert.NotEqual(Verdict.Unresolved, a.Verdict);
        }

        // Nor with the last slope moved about −1.98 within the settling tolerance.
        foreach (double last in new[] { -1.97, -1.98, -1.99 })
        {
            Assert.NotEqual(Verdict.Contradicted, RateAssessment.Assess(WithLocalSlopes(1e-4, [-1.80, -1.90, -1.95, last], bounded: true), p: 2, q: 0).Verdict);
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    public void InverseSquareRootIsContradictedAgainstAOneOverTBound(double q)
    {
        var points = Exact(Doubling(4, 20), t => Math.Pow(t, -0.5));
        RateAssessment a = RateAssessment.Assess(points, p: 1, q: q);

        Assert.Equal(Verdict.Contradicted, a.Verdict);
        Assert.True(a.Settled);
        Assert.True(a.AsStated!.Value.Lower > 0);
        Assert.Equal(TightnessKind.Slower, a.Tightness!.Kind);
        Assert.InRange(a.Strict!.Value.Slope, -0.51, -0.49);
    }

    [Fact]
    public void InverseSquareRootReportsTheCrossoverOfALogPowerFourAndAHalf()
    {
        // Strict rate −0.5 against T^-1 (ln T)^4.5: slower by δ = 0.5, so the allowance lasts to T* = e^(4.5/0.5) = e^9.
        var points = Exact(Doubling(4, 20), t => Math.Pow(t, -0.5));
        RateAssessment a = RateAssessment.Assess(points, p: 1, q: 4.5);

        Assert.NotNull(a.Tightness!.CrossoverT);
        Assert.InRange(a.Tightness.CrossoverT!.Value, Math.Exp(9) * 0.95, Math.Exp(9) * 1.05);
        Assert.Contains("T* = ", a.Tightness.Describe());
    }

    [Theory]
    [InlineData(-1.0)]
    [InlineData(-2.0)]
    [InlineData(-0.5)]
    public void NoiseFreePointsNeverGiveAZeroWidthInterval(double slope)
    {
        var points = Exact(Doubling(6, 14), t => Math.Pow(t, slope));
        RateAssessment a = RateAssessment.Assess(points, p: -slope, q: 0);

        Assert.Equal(Verdict.Consistent, a.Verdict);
        Assert.True(a.AsStated!.Value.Upper - a.AsStated.Value.Lower >= 2 * SlopeIntervals.MinimumHalfWidth - 1e-12);
        Assert.True(a.Strict!.Value.Upper - a.Strict.Value.Lower >= 2 * SlopeIntervals.MinimumHalfWidth - 1e-12);
        Assert.True(a.Strict.Value.Contains(slope));

        // Nor does the regression itself report a bootstrap over estimates without standard errors.
        SlopeFit fit = LogLogRegression.Fit(points)!;
        Assert.False(fit.HasBootstrap);
    }

    [Fact]
    public void ASaturatedSeriesIsUnresolvedForSaturation()
    {
        var points = Doubling(6, 14).Select(t => ResolutionPolicy.Point(t, 0.9 - 0.01 * Math.Log2(t), 0, 1e-10, bounded: true)).ToArray();
        RateAssessment a = RateAssessment.Assess(points, p: 1, q: 0);

        Assert.Equal(Verdict.Unresolved, a.Verdict);
        Assert.Equal(UnresolvedReason.Saturation, a.Reason);
    }

    [Fact]
    public void ASeriesBelowItsFloorIsUnresolvedForTheFloorAndTwoStepsAreTooFew()
    {
        var floor = Doubling(6, 14).Select(t => ResolutionPolicy.Point(t, 1e-9, 1e-9, 3e-9, bounded: true)).ToArray();
        Assert.Equal(UnresolvedReason.Floor, RateAssessment.Assess(floor, p: 1, q: 0).Reason);

        // The start error of the Gaussian start is a floor too (DESIGN §2).
        var start = Doubling(6, 14).Select(t => ResolutionPolicy.Point(t, 1 / t, 0, 0, bounded: true, startError: 1e-4)).ToArray();
        Assert.Equal(6, RateAssessment.Assess(start, p: 1, q: 0).ResolvedPoints);

        var two = Exact(Doubling(6, 7), t => 1 / t);
        Assert.Equal(UnresolvedReason.TooFewSteps, RateAssessment.Assess(two, p: 1, q: 0).Reason);
    }

    [Fact]
    public void AFasterDecayIsConsistentAndLooseAndAFlatteningOneIsPreAsymptotic()
    {
        var faster = Exact(Doubling(6, 14), t => Math.Pow(t, -1.5));
        RateAssessment a = RateAssessment.Assess(faster, p: 1, q: 0);
        Assert.Equal(Verdict.Consistent, a.Verdict);
        Assert.Equal(TightnessKind.Faster, a.Tightness!.Kind);

        // Local slopes −1.3, −1.2, −1.1, −1.0 against T^-1: g not yet growing beyond its interval, but the decay keeps slowing.
        var flattening = WithLocalSlopes(1e-3, [-1.3, -1.2, -1.1, -1.0], bounded: false);
        RateAssessment b = RateAssessment.Assess(flattening, p: 1, q: 0);
        Assert.Equal(Verdict.PreAsymptotic, b.Verdict);
        Assert.False(b.Settled);
        Assert.True(b.DriftPerDoubling > 0);
    }

    [Fact]
    public void NoisyPowerLawsAreJudgedByTheirSlopeWithinTheInterval()
    {
        // Relative noise 1 % with stated standard errors, fixed pattern: slopes −2 and −3 are consistent with −2, −1 is contradicted.
        double[] t = Doubling(4, 12);
        SeriesPoint[] Series(double slope) => t.Select((x, i) => ResolutionPolicy.Point(x, Math.Pow(x, slope) * (1 + 0.01 * Math.Sin(7 * i)), 0.01 * Math.Pow(x, slope), 0, bounded: false)).ToArray();

        Assert.Equal(Verdict.Consistent, RateAssessment.Assess(Series(-2.0), 2, 0).Verdict);
        Assert.Equal(Verdict.Consistent, RateAssessment.Assess(Series(-3.0), 2, 0).Verdict);
        Assert.Equal(Verdict.Contradicted, RateAssessment.Assess(Series(-1.0), 2, 0).Verdict);
    }

    [Fact]
    public void TheDimensionExponentIsComparedWithTheBoundsExponent()
    {
        double[] d = [1, 10, 100, 1000];
        SeriesPoint[] Series(double b) => d.Select(x => ResolutionPolicy.Point(x, 1e-6 * Math.Pow(x, b), 0, 1e-18, bounded: true)).ToArray();

        DimensionAssessment loose = DimensionAssessment.Assess(Series(1.0), 3);
        Assert.Equal(Verdict.Consistent, loose.Verdict);
        Assert.Contains("loose by d^2.00", loose.Detail);
        Assert.Equal(Verdict.Contradicted, DimensionAssessment.Assess(Series(1.0), 0.5).Verdict);
        Assert.True(loose.Exponent!.Value.Upper - loose.Exponent.Value.Lower > 0);
    }
}
