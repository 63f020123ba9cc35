namespace Diffusion.Verify.Numerics.LinearAlgebra;

/// <summary>
/// A score Jacobian in the form ∇s(x) = Q diag(λ) Qᵀ with Q orthonormal, as a full-covariance mixture has it
/// where all posterior weight sits on one component k (∇s = −P_k, Q = Q_k, λ_j = −1/(ᾱ λ_kj + 1 − ᾱ)).
/// <see cref="Basis"/> identifies Q: two Jacobians with the same basis object commute and are diagonal together,
/// so maps built from them have determinants that are products over the eigen-directions, O(d) instead of O(d³).
/// Where other components hold tiny but non-zero weight, the form is ∇s = Q diag(λ) Qᵀ + E with
/// ‖E‖_* ≤ <see cref="Residual"/>: callers accept it only when <see cref="PerturbedLogDeterminant"/> shows
/// that E moves their ln|det| by less than its tolerance. A reusable buffer: filling it allocates nothing.
/// </summary>
public sealed class EigenbasisJacobian(int dimension)
{
    private readonly double[] _eigenvalues = new double[dimension];

    public int Dimension { get; } = dimension;

    /// <summary>An object standing for Q (the same object means the same Q); null when unset.</summary>
    public object? Basis { get; private set; }

    /// <summary>λ, the eigenvalues of ∇s in the columns of Q.</summary>
    public Span<double> Eigenvalues => _eigenvalues;

    /// <summary>
    /// A bound on the nuclear norm ‖∇s − Q diag(λ) Qᵀ‖_* (sum of singular values) of what this form leaves out;
    /// 0 when it is exact.
    /// </summary>
    public double Residual { get; set; }

    /// <summary>Largest |λ_j|, the spectral norm of Q diag(λ) Qᵀ.</summary>
    public double SpectralNorm()
    {
        double largest = 0;
        foreach (double v in _eigenvalues)
        {
            largest = Math.Max(largest, Math.Abs(v));
        }

        return largest;
    }

    /// <summary>
    /// Starts a new, exact (<see cref="Residual"/> = 0) Jacobian in <paramref name="basis"/>; the caller fills
    /// <see cref="Eigenvalues"/>.
    /// </summary>
    public void Reset(object basis)
    {
        Basis = basis ?? throw new ArgumentNullException(nameof(basis));
        Residual = 0;
    }

    /// <summary>∇s ← f ∇s (the residual bound scales by |f|).</summary>
    public void Scale(double factor)
    {
        Residual *= Math.Abs(factor);
        foreach (ref double v in _eigenvalues.AsSpan())
        {
            v *= factor;
        }
    }
}
