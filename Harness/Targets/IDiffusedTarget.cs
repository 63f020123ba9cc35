using Diffusion.Verify.Numerics.LinearAlgebra;

namespace Diffusion.Verify.Targets;

/// <summary>
/// A data law q_0 together with its diffused family q_t = law(√ᾱ X_0 + √(1−ᾱ) W), indexed by the noise
/// level ᾱ rather than by an integer step (DESIGN §2–§3). Every member is closed form.
/// Vectors are row-major: a block of n points in dimension d is n·d contiguous doubles.
/// </summary>
public interface IDiffusedTarget
{
    /// <summary>Ambient dimension d.</summary>
    int Dimension { get; }

    /// <summary>
    /// The dimension of the set the data fill: <see cref="Dimension"/> for targets with a density in ℝ^d, the core
    /// dimension k of an embedded mixture whose complement variance is 0 (data exactly on a k-dimensional subspace).
    /// Claims stated in the intrinsic dimension are judged in d only where it stays fixed as d grows.
    /// </summary>
    int IntrinsicDimension => Dimension;

    /// <summary>Short description for tables, e.g. "gmm(K=2,d=1,isotropic)".</summary>
    string Description { get; }

    /// <summary>ln q_t(x) at level ᾱ (ᾱ = 1 is the data law itself).</summary>
    double LogDensity(ReadOnlySpan<double> x, double alphaBar);

    /// <summary>How many scratch doubles <see cref="ScoreBlock"/> needs for <paramref name="rows"/> points.</summary>
    int ScratchLength(int rows);

    /// <summary>
    /// s(x, ᾱ) = ∇ ln q_t(x) for each of <paramref name="rows"/> points; allocation-free given scratch of
    /// <see cref="ScratchLength"/> doubles. When <paramref name="logDensity"/> is not empty it receives
    /// ln q_t of each point (the same log-sum-exp is computed anyway).
    /// </summary>
    void ScoreBlock(ReadOnlySpan<double> x, int rows, double alphaBar, Span<double> score, Span<double> scratch, Span<double> logDensity = default);

    /// <summary>Dense ∇s(x, ᾱ), d×d row-major.</summary>
    void Jacobian(ReadOnlySpan<double> x, double alphaBar, Span<double> jacobian);

    /// <summary>
    /// ln|det(I + c ∇s(x, ᾱ))|. Targets with isotropic components do this in K×K algebra (matrix
    /// determinant lemma); others may fall back to a dense LU.
    /// </summary>
    double LogAbsDetIdentityPlusScaledJacobian(ReadOnlySpan<double> x, double alphaBar, double scale);

    /// <summary>
    /// ∇s(x, ᾱ) as −κ I + P C Qᵀ with small rank into <paramref name="destination"/> (isotropic components:
    /// rank K; embedded: rank r), or false when the target has no such form (callers use <see cref="Jacobian"/>).
    /// </summary>
    bool TryLowRankJacobian(ReadOnlySpan<double> x, double alphaBar, LowRankJacobian destination) => false;

    /// <summary>∇s(x, ᾱ) as Q diag(λ) Qᵀ where the target has that form at x (full-covariance mixtures where one component holds all weight), else false.</summary>
    bool TryEigenbasisJacobian(ReadOnlySpan<double> x, double alphaBar, EigenbasisJacobian destination) => false;

    /// <summary>
    /// Σ_k π_k KL(N_k(ᾱ) ‖ N(0, I)) over the mixture's components at level ᾱ (a Gaussian is one component):
    /// the convexity bound on KL(q_t ‖ N(0, I)) behind the start error (DESIGN §2).
    /// </summary>
    double ComponentKlToStandardNormal(double alphaBar);

    /// <summary>An exact draw of X_0, a pure function of (seed, sampleIndex).</summary>
    void SampleData(long seed, long sampleIndex, Span<double> x);
}
