namespace Diffusion.Verify.Fitting;

/// <summary>
/// Judges an upper-bound claim e = O(x^BoundSlope) on the asymptotic part of a series (DESIGN §7): the
/// points in the upper half of the x-range (at least 3 resolved). A bound can only be contradicted by a
/// decay slower than its slope beyond the interval; a faster decay is consistent.
/// For x = h (the step size), the bound's slope is positive and "slower decay" means a smaller slope, so
/// the direction is given by <paramref name="decreasingInX"/>.
/// </summary>
public sealed record ClaimAssessment(Verdict Verdict, SlopeFit? AsymptoticFit, SlopeFit? FullFit, double BoundSlope, string Reason)
{
    public static ClaimAssessment Assess(IReadOnlyList<SeriesPoint> points, double boundSlope, bool decreasingInX, long seed = 1)
    {
        SlopeFit? full = LogLogRegression.Fit(points, seed);
        var resolved = points.Where(p => p.IsResolved).OrderBy(p => p.X).ToArray();
        if (resolved.Length < 3)
        {
            return new ClaimAssessment(Verdict.Inconclusive, null, full, boundSlope, $"only {resolved.Length} point(s) above the floor (need 3)");
        }

        // The asymptotic regime is large T, i.e. small h.
        int take = Math.Max(3, (resolved.Length + 1) / 2);
        var asymptotic = decreasingInX ? resolved[^take..] : resolved[..take];
        SlopeFit fit = LogLogRegression.Fit(asymptotic, seed)!;
        bool slower = decreasingInX ? fit.CombinedLower95 > boundSlope : fit.CombinedUpper95 < boundSlope;
        string interval = $"slope {fit.Slope:F3} [{fit.CombinedLower95:F3}, {fit.CombinedUpper95:F3}] on {fit.PointsUsed} asymptotic points vs bound {boundSlope:+0.##;-0.##}";
        return slower
            ? new ClaimAssessment(Verdict.Contradicted, fit, full, boundSlope, $"{interval}: decays slower than the bound")
            : new ClaimAssessment(Verdict.Consistent, fit, full, boundSlope, $"{interval}: at least as fast as the bound");
    }
}
