namespace Diffusion.Verify.Fitting;

/// <summary>
/// Which measured values carry a rate (DESIGN §2, §5, §7): a value must lie above its floor — and, for the
/// Gaussian start, above 3× the start error, which does not shrink with the discretisation — and, for
/// bounded metrics (TV, √(path KL / 2)), below the saturation ceiling.
/// </summary>
public static class ResolutionPolicy
{
    /// <summary>TV-like values at or above this are saturated (TV ≤ 1) and not in the asymptotic regime.</summary>
    public const double BoundedCeiling = 0.5;

    /// <summary>Points within this multiple of the start error are not fitted (DESIGN §2).</summary>
    public const double StartErrorMultiple = 3;

    public static SeriesPoint Point(double x, double value, double standardError, double floor, bool bounded, double startError = 0) =>
        new(x, value, standardError, Math.Max(floor, StartErrorMultiple * startError), bounded ? BoundedCeiling : double.PositiveInfinity);
}
