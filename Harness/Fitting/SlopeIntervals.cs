namespace Diffusion.Verify.Fitting;

/// <summary>
/// Slope intervals that include the model error (DESIGN §7). Deterministic evaluators have (near-)zero
/// standard errors, so a regression interval on a few noise-free points is meaninglessly narrow; the
/// interval is therefore the union of the regression (and, for noisy estimates, bootstrap) interval, the
/// spread of the local slopes over the fitted points, the limit the local slopes are heading for where
/// they converge geometrically, and ± <see cref="MinimumHalfWidth"/> about the fitted slope.
/// </summary>
public static class SlopeIntervals
{
    /// <summary>
    /// No interval is narrower than ±0.01: the settling test compares local slopes to 0.03, so a slope is
    /// not known better than a fraction of that, however smooth the points.
    /// </summary>
    public const double MinimumHalfWidth = 0.01;

    /// <summary>The slope of ln(e · factor(x)) against ln x on the window, with the model-error interval; null when fewer than 3 points.</summary>
    public static SlopeInterval? Fit(IReadOnlyList<SeriesPoint> window, Func<double, double> logFactor, IReadOnlyList<LocalSlope> windowSlopes, double? limit, long seed)
    {
        // Scaling a value, its error and its floor by the same factor keeps relative errors, so the
        // weighted log-log regression applies unchanged to g(T) = ln(e · T^p / (ln T)^q).
        var scaled = window.Select(s =>
        {
            double f = Math.Exp(logFactor(s.X));
            return new SeriesPoint(s.X, s.Value * f, s.StandardError * f, s.Floor * f);
        }).ToList();
        SlopeFit? fit = LogLogRegression.Fit(scaled, seed);
        if (fit is null)
        {
            return null;
        }

        double lower = Math.Min(fit.CombinedLower95, fit.Slope - MinimumHalfWidth);
        double upper = Math.Max(fit.CombinedUpper95, fit.Slope + MinimumHalfWidth);
        foreach (LocalSlope l in windowSlopes)
        {
            lower = Math.Min(lower, l.Slope);
            upper = Math.Max(upper, l.Slope);
        }

        if (limit is double x && double.IsFinite(x))
        {
            lower = Math.Min(lower, x);
            upper = Math.Max(upper, x);
        }

        return new SlopeInterval(fit.Slope, lower, upper);
    }

    /// <summary>Local slopes of f(point) against ln x between neighbouring points, with 2σ uncertainties from the relative errors.</summary>
    public static IReadOnlyList<LocalSlope> Local(IReadOnlyList<SeriesPoint> points, Func<SeriesPoint, double> f)
    {
        var local = new List<LocalSlope>();
        for (int i = 1; i < points.Count; i++)
        {
            double dx = Math.Log(points[i].X) - Math.Log(points[i - 1].X);
            double r0 = points[i - 1].RelativeError, r1 = points[i].RelativeError;
            local.Add(new LocalSlope(Math.Sqrt(points[i].X * points[i - 1].X), (f(points[i]) - f(points[i - 1])) / dx, 2 * Math.Sqrt(r0 * r0 + r1 * r1) / dx));
        }

        return local;
    }

    /// <summary>
    /// Where the local slopes are heading when their last two changes have one sign and shrink
    /// (a geometric tail, Aitken's Δ²): s_last + Δ₂ r / (1 − r), r = Δ₂ / Δ₁. Null otherwise.
    /// </summary>
    public static double? Limit(IReadOnlyList<LocalSlope> local)
    {
        if (local.Count < 3)
        {
            return null;
        }

        double d1 = local[^2].Slope - local[^3].Slope, d2 = local[^1].Slope - local[^2].Slope;
        if (d1 * d2 <= 0 || Math.Abs(d2) >= Math.Abs(d1))
        {
            return null;
        }

        double r = d2 / d1;
        return local[^1].Slope + d2 * r / (1 - r);
    }
}
