using System.Globalization;

namespace Diffusion.Verify.Fitting;

/// <summary>
/// The verdict policy of DESIGN §7 for one claim e(T) ≤ C (ln T)^q T^(−p) on one T-series.
/// With g(T) = ln e + p ln T − q ln ln T the bound holds iff g stays bounded as T → ∞:
/// <list type="bullet">
/// <item>local slopes (of g and of ln e) between neighbouring resolved points; the series has settled when
/// the last two local slopes of ln e differ by less than <see cref="SettlingTolerance"/> (or their combined
/// 2σ uncertainty if larger); the asymptotic points are the last run of settled local slopes (at least 3
/// points), or the last 3 resolved points when nothing has settled;</item>
/// <item>the slope of g on those points, with an interval that includes the model error
/// (<see cref="SlopeIntervals"/>): consistent if ≤ 0 within it; contradicted if > 0 beyond it and settled;
/// pre-asymptotic if > 0 but still drifting, or ≤ 0 but drifting towards a slower decay (a decay still
/// steepening with g not growing is consistent: steepening only helps the bound);</item>
/// <item>unresolved when fewer than 3 points are resolved, with the reason;</item>
/// <item>beside it the strict rate (slope of ln e) and its tightness against T^(−p), with the crossover
/// T* = exp(q/δ) where the strict rate is slower by δ.</item>
/// </list>
/// </summary>
public sealed record RateAssessment(
    Verdict Verdict,
    UnresolvedReason Reason,
    string Detail,
    SlopeInterval? AsStated,
    SlopeInterval? Strict,
    Tightness? Tightness,
    bool Settled,
    double DriftPerDoubling,
    double LargestT,
    int PointsUsed,
    int ResolvedPoints,
    int TotalPoints,
    IReadOnlyList<LocalSlope> LocalSlopes,
    IReadOnlyList<LocalSlope> LocalSlopesOfG)
{
    /// <summary>Two successive local slopes closer than this (per neighbouring pair) count as settled.</summary>
    public const double SettlingTolerance = 0.03;

    public static RateAssessment Assess(IReadOnlyList<SeriesPoint> points, double p, double q, long seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(p);
        ArgumentOutOfRangeException.ThrowIfNegative(q);

        // ln ln T needs T > 1; every T-sweep has T ≥ 2.
        var all = points.Where(s => s.X > 1).OrderBy(s => s.X).ToList();
        var resolved = all.Where(s => s.IsResolved).ToList();
        int distinct = all.Select(s => s.X).Distinct().Count();
        double largest = resolved.Count > 0 ? resolved[^1].X : all.Count > 0 ? all[^1].X : double.NaN;
        if (distinct < 3 || resolved.Count < 3)
        {
            int saturated = all.Count(s => s.Status == PointStatus.Saturated);
            int floor = all.Count(s => s.Status is PointStatus.BelowFloor or PointStatus.Invalid);
            UnresolvedReason reason = distinct < 3 ? UnresolvedReason.TooFewSteps : saturated > 0 && saturated >= floor ? UnresolvedReason.Saturation : UnresolvedReason.Floor;
            string detail = distinct < 3
                ? $"only {distinct} distinct T (need 3)"
                : $"{resolved.Count} of {all.Count} points resolved: {saturated} saturated (at or above {ResolutionPolicy.BoundedCeiling}), {floor} at or below their floor";
            return new RateAssessment(Verdict.Unresolved, reason, detail, null, null, null, false, double.NaN, largest, 0, resolved.Count, all.Count, [], []);
        }

        double LogFactorG(double t) => p * Math.Log(t) - q * Math.Log(Math.Log(t));
        double G(SeriesPoint s) => Math.Log(s.Value) + LogFactorG(s.X);
        var localG = SlopeIntervals.Local(resolved, G);
        var localE = SlopeIntervals.Local(resolved, s => Math.Log(s.Value));

        // Settling is a property of the data: the local slopes of ln e. (Those of g also move with the
        // bound's own log factor, −q / ln T, which is known and says nothing about the series' regime.)
        bool Close(int j) => Math.Abs(localE[j].Slope - localE[j - 1].Slope)
            < Math.Max(SettlingTolerance, Math.Sqrt(localE[j].Uncertainty * localE[j].Uncertainty + localE[j - 1].Uncertainty * localE[j - 1].Uncertainty));
        int m = localE.Count;
        bool settled = Close(m - 1);
        int start = m - 2;
        if (settled)
        {
            start = m - 1;
            while (start >= 1 && Close(start))
            {
                start--;
            }
        }

        // Local slope j joins points j and j + 1: the window is points start..n−1.
        var window = resolved.Skip(start).ToList();
        var windowG = localG.Skip(start).ToList();
        var windowE = localE.Skip(start).ToList();
        double drift = (localE[m - 1].Slope - localE[m - 2].Slope) / Math.Log2(localE[m - 1].X / localE[m - 2].X);

        // g = ln e + p ln T − q ln ln T bends by q / ln T even on an exact power law, so a straight line through
        // a long settled run reports g's average slope over that run, not its slope at the largest T, which is
        // what decides whether g stays bounded: the as-stated slope is fitted on the last 3 points of the window
        // (the strict rate, whose local slopes have settled, on the whole window).
        int tail = Math.Max(0, window.Count - 3);
        SlopeInterval asStated = SlopeIntervals.Fit(window.Skip(tail).ToList(), LogFactorG, windowG.Skip(tail).ToList(), SlopeIntervals.Limit(localG), seed)!.Value;
        SlopeInterval strict = SlopeIntervals.Fit(window, _ => 0, windowE, SlopeIntervals.Limit(localE), seed)!.Value;

        Verdict verdict = asStated.Lower > 0
            ? (settled ? Verdict.Contradicted : Verdict.PreAsymptotic)
            : (settled || drift <= 0 ? Verdict.Consistent : Verdict.PreAsymptotic);

        string range = Invariant($"{window.Count} points T = {window[0].X:0}…{window[^1].X:0}");
        string slope = $"slope of g {SlopeFormat.Signed(asStated.Slope)} [{SlopeFormat.Signed(asStated.Lower)}, {SlopeFormat.Signed(asStated.Upper)}] on {range}";
        string motion = settled
            ? Invariant($"local slopes settled (last change {drift:+0.000;-0.000} per doubling)")
            : Invariant($"local slopes still {(drift < 0 ? "steepening" : "flattening")} by {Math.Abs(drift):0.000} per doubling at T = {largest:0}");
        string meaning = verdict switch
        {
            Verdict.Contradicted => "g grows: the series decays slower than the bound allows",
            Verdict.PreAsymptotic when asStated.Lower > 0 => "g grows so far, but the decay has not settled",
            Verdict.PreAsymptotic => "g does not grow so far, but the decay is still slowing",
            _ => "g does not grow: the bound holds as stated over the measured T",
        };

        return new RateAssessment(
            verdict, UnresolvedReason.None, $"{slope}; {motion}; {meaning}", asStated, strict, Fitting.Tightness.Of(strict, p, q),
            settled, drift, largest, window.Count, resolved.Count, all.Count, localE, localG);
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
