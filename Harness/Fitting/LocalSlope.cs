namespace Diffusion.Verify.Fitting;

/// <summary>The slope between two neighbouring resolved points, at their geometric mean X, with its 2σ uncertainty from the estimates' errors.</summary>
public readonly record struct LocalSlope(double X, double Slope, double Uncertainty);
