namespace Diffusion.Verify.Numerics.LinearAlgebra;

/// <summary>
/// A score Jacobian in the form ∇s(x) = Q diag(λ) Qᵀ with Q orthonormal, as a full-covariance mixture has it
/// where all posterior weight sits on one component k (∇s = −P_k, Q = Q_k, λ_j = −1/(ᾱ λ_kj + 1 − ᾱ)).
/// <see cref="Basis"/> identifies Q: two Jacobians with the same basis object commute and are diagonal together,
/// so maps built from them have determinants that are products over the eigen-directions, O(d) instead of O(d³).
/// A reusable buffer: filling it allocates nothing.
/// </summary>
public sealed class EigenbasisJacobian(int dimension)
{
    private readonly double[] _eigenvalues = new double[dimension];

    public int Dimension { get; } = dimension;

    /// <summary>An object standing for Q (the same object means the same Q); null when unset.</summary>
    public object? Basis { get; private set; }

    /// <summary>λ, the eigenvalues of ∇s in the columns of Q.</summary>
    public Span<double> Eigenvalues => _eigenvalues;

    /// <summary>Starts a new Jacobian in <paramref name="basis"/>; the caller fills <see cref="Eigenvalues"/>.</summary>
    public void Reset(object basis) => Basis = basis ?? throw new ArgumentNullException(nameof(basis));

    /// <summary>∇s ← f ∇s.</summary>
    public void Scale(double factor)
    {
        foreach (ref double v in _eigenvalues.AsSpan())
        {
            v *= factor;
        }
    }
}
