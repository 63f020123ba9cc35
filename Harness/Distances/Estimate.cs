namespace Diffusion.Verify.Distances;

/// <summary>
/// One estimated number with its uncertainty: a standard error for Monte Carlo methods, or, for
/// deterministic quadrature and closed forms, a stated discretisation tolerance (StandardError = 0).
/// </summary>
public readonly record struct Estimate(double Value, double StandardError, double Tolerance = 0)
{
    public static Estimate Exact(double value, double tolerance = 0) => new(value, 0, tolerance);

    /// <summary>The larger of 3 standard errors and the tolerance: a value within this of zero is not resolved.</summary>
    public double ResolutionFloor => Math.Max(3 * StandardError, Tolerance);
}
