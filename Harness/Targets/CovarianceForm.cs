namespace Diffusion.Verify.Targets;

/// <summary>How a mixture's component covariances are given (DESIGN §3).</summary>
public enum CovarianceForm
{
    /// <summary>σ_k² I: the fast path (<see cref="IsotropicMixture"/>).</summary>
    Isotropic,

    /// <summary>diag(λ_k) in the coordinate axes.</summary>
    Diagonal,

    /// <summary>Any symmetric positive-definite Σ_k, kept as Q_k diag(λ_k) Q_kᵀ.</summary>
    Full,
}
