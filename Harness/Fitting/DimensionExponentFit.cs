namespace Diffusion.Verify.Fitting;

/// <summary>
/// The exponent b of e ∝ x^b for a dimension sweep at fixed T (DESIGN §6–§7, "Dimension"): x is the ambient
/// dimension d at fixed intrinsic dimension k, or k at fixed d. Dimension sweeps are not power laws over their
/// whole range (an embedded target's KL is KL_core + (d − k)·c: flat while the core dominates, then ∝ d), so the
/// exponent is the slope over the last <see cref="AsymptoticPoints"/> resolved points (largest x), and its
/// interval is the regression interval widened to every local slope among them (the model error). A flat series
/// (a sampler that does not pay for d) gives b ≈ 0 with an interval that contains 0: it is a result, not a failure.
/// </summary>
public static class DimensionExponentFit
{
    /// <summary>Resolved points used at the large-x end.</summary>
    public const int AsymptoticPoints = 3;

    /// <summary>The exponent over the last resolved points, or null (with the reason) when fewer than 3 are resolved.</summary>
    public static DimensionExponent Fit(IReadOnlyList<SeriesPoint> points)
    {
        var resolved = points.Where(p => p.IsResolved && p.X > 0).OrderBy(p => p.X).ToList();
        if (resolved.Count < AsymptoticPoints)
        {
            string why = points.Count(p => p.Value >= p.Ceiling) > 0
                ? $"{resolved.Count} resolved of {points.Count} (the others saturated above {points[0].Ceiling:G2} or below their floor)"
                : $"{resolved.Count} resolved of {points.Count} (the others below their floor)";
            return new DimensionExponent(null, resolved.Count, points.Count, why);
        }

        var used = resolved.Skip(resolved.Count - AsymptoticPoints).ToList();
        SlopeFit? fit = LogLogRegression.Fit(used);
        if (fit is null)
        {
            return new DimensionExponent(null, resolved.Count, points.Count, "fit failed");
        }

        double lower = fit.CombinedLower95;
        double upper = fit.CombinedUpper95;
        foreach ((double _, double slope) in fit.LocalSlopes)
        {
            lower = Math.Min(lower, slope);
            upper = Math.Max(upper, slope);
        }

        return new DimensionExponent(
            new DimensionExponentValue(fit.Slope, lower, upper, used[0].X, used[^1].X),
            resolved.Count,
            points.Count,
            "");
    }
}

/// <summary>The exponent with its interval (regression ∪ local slopes) and the x-range it was fitted on.</summary>
public sealed record DimensionExponentValue(double Exponent, double Lower95, double Upper95, double FromX, double ToX)
{
    /// <summary>The interval holds 0: no measurable growth with the dimension.</summary>
    public bool ConsistentWithZero => Lower95 <= 0 && Upper95 >= 0;
}

/// <summary>A fitted exponent, or null with the reason it could not be fitted (too few resolved points).</summary>
public sealed record DimensionExponent(DimensionExponentValue? Value, int ResolvedPoints, int TotalPoints, string Reason);
