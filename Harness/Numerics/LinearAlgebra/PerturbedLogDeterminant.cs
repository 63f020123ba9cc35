namespace Diffusion.Verify.Numerics.LinearAlgebra;

/// <summary>
/// How far ln|det| can move when a matrix A is replaced by A + E: the bound that lets ln|det J| paths drop
/// mixture components whose posterior weight is tiny but not exactly 0 and take a structured (eigenbasis)
/// determinant instead of a dense one.
/// <para>
/// Claim: with X = A⁻¹E and β = ‖X‖_* (nuclear norm, the sum of singular values) &lt; 1,
/// |ln|det(A + E)| − ln|det A|| ≤ β / (1 − β).
/// Proof: det(A + E) = det A · det(I + X) and ln|det(I + X)| = Σ_i ln|1 + μ_i| over the eigenvalues μ_i of X
/// (complex in general). Every |μ_i| ≤ ‖X‖₂ ≤ β &lt; 1, and for |μ| &lt; 1,
/// ln(1 − |μ|) ≤ ln|1 + μ| ≤ ln(1 + |μ|), so |ln|1 + μ|| ≤ −ln(1 − |μ|) ≤ |μ| / (1 − |μ|) ≤ |μ| / (1 − β).
/// Weyl's inequality Σ_i |μ_i| ≤ Σ_i σ_i(X) = β then gives the claim.
/// </para>
/// <para>
/// Callers bound β without forming X: β ≤ ‖A⁻¹‖₂ ‖E‖_*, where A is diagonal in a known orthonormal basis (so
/// ‖A⁻¹‖₂ = 1 / min_j |a_j|) and ‖E‖_* is bounded by the triangle inequality from weights, norms and traces
/// (<see cref="EigenbasisJacobian.Residual"/>).
/// </para>
/// </summary>
public static class PerturbedLogDeterminant
{
    /// <summary>
    /// The largest change of one step's ln|det J| that a ln|det J| path may accept when it drops terms:
    /// over T steps the accumulated ln|det J| moves by at most T · 1e−13, far below the dense LU's own rounding
    /// at d ~ 1000 (~d ε ≈ 2e−13 per step) and below anything density-mc's Monte Carlo error can see.
    /// </summary>
    public const double StepTolerance = 1e-13;

    /// <summary>β / (1 − β) for β = ‖A⁻¹E‖_* bound; +∞ when β ≥ 1 or β is not a number (no bound).</summary>
    public static double Bound(double beta) => beta is >= 0 and < 1 ? beta / (1 - beta) : double.PositiveInfinity;

    /// <summary>Whether dropping E changes ln|det| by at most <see cref="StepTolerance"/>, given β ≥ ‖A⁻¹E‖_*.</summary>
    public static bool IsNegligible(double beta) => Bound(beta) <= StepTolerance;
}
