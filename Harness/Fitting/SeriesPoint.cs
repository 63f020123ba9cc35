namespace Diffusion.Verify.Fitting;

/// <summary>
/// One measured point of a series e(x): x is T, NFE, h = max β or d; <see cref="Floor"/> is the level below
/// which the value is not resolved (3 standard errors, the method's tolerance, a sample estimator's floor,
/// or 3× the start error, whichever is largest); <see cref="Ceiling"/> the level above which it is saturated
/// (a TV near 1 says nothing about a rate), so that neither end enters a fit. Build points with
/// <see cref="ResolutionPolicy"/> so floors and ceilings follow one rule.
/// </summary>
public readonly record struct SeriesPoint(double X, double Value, double StandardError, double Floor, double Ceiling = double.PositiveInfinity)
{
    public PointStatus Status =>
        !double.IsFinite(Value) || Value <= 0 ? PointStatus.Invalid
        : Value <= Floor ? PointStatus.BelowFloor
        : Value >= Ceiling ? PointStatus.Saturated
        : PointStatus.Resolved;

    public bool IsResolved => Status == PointStatus.Resolved;

    /// <summary>The relative error of ln e a fit uses: the standard error, or a third of the floor (a tolerance) where larger.</summary>
    public double RelativeError => Math.Max(StandardError, Floor / 3) / Value;
}
