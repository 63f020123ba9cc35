namespace Diffusion.Verify.Fitting;

/// <summary>
/// A fitted power law e ≈ C x^Slope (DESIGN §7), with a 95 % interval from the regression standard error
/// (Student t) and one from a parametric bootstrap over the estimates' own errors (NaN when they have none), the local slopes
/// between neighbouring points, and how many points were used or excluded as unresolved.
/// </summary>
public sealed record SlopeFit(
    double Slope,
    double Intercept,
    double SlopeStandardError,
    double Lower95,
    double Upper95,
    double BootstrapLower95,
    double BootstrapUpper95,
    int PointsUsed,
    int PointsExcluded,
    IReadOnlyList<(double X, double Slope)> LocalSlopes)
{
    /// <summary>False for deterministic estimates (no standard errors): no bootstrap interval is reported.</summary>
    public bool HasBootstrap => !double.IsNaN(BootstrapLower95);

    /// <summary>The wider of the two intervals (the regression one alone without a bootstrap).</summary>
    public double CombinedLower95 => HasBootstrap ? Math.Min(Lower95, BootstrapLower95) : Lower95;

    public double CombinedUpper95 => HasBootstrap ? Math.Max(Upper95, BootstrapUpper95) : Upper95;
}
