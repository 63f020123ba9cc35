namespace Diffusion.Verify.Fitting;

/// <summary>
/// A fitted power law e ≈ C x^Slope (DESIGN §7), with a 95 % interval from the regression standard error
/// (Student t) and one from a parametric bootstrap over the estimates' own errors, the local slopes
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
    /// <summary>The wider of the two intervals, the one verdicts rely on.</summary>
    public double CombinedLower95 => Math.Min(Lower95, BootstrapLower95);

    public double CombinedUpper95 => Math.Max(Upper95, BootstrapUpper95);
}
