namespace Diffusion.Verify.Distances.Exact;

/// <summary>
/// A TV value from a closed form or a numerical inversion, with the formula's own error bound
/// (<see cref="Tolerance"/>, absolute). <see cref="Converged"/> is false when the inversion stopped at its
/// work limit; the tolerance then states what was reached.
/// </summary>
public readonly record struct TotalVariationValue(double Value, double Tolerance, GaussianTvFormula Formula, bool Converged = true, long Evaluations = 0);
