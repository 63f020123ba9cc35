using Diffusion.Verify.Numerics.LinearAlgebra;

namespace Diffusion.Verify.Scores;

/// <summary>
/// What a sampler sees: an estimate s(x, ᾱ) of ∇ ln q_t, exact or perturbed (DESIGN §6).
/// Row-major blocks, allocation-free given scratch of <see cref="ScratchLength"/> doubles.
/// </summary>
public interface IScore
{
    int Dimension { get; }

    /// <summary>For tables: "exact", "scaled(δ=0.01)", …</summary>
    string Description { get; }

    int ScratchLength(int rows);

    void Evaluate(ReadOnlySpan<double> x, int rows, double alphaBar, Span<double> score, Span<double> scratch);

    /// <summary>Dense ∇s(x, ᾱ), d×d row-major: the Jacobian of this score, perturbation included.</summary>
    void Jacobian(ReadOnlySpan<double> x, double alphaBar, Span<double> jacobian);

    /// <summary>ln|det(I + c ∇s(x, ᾱ))| of this score (K×K algebra where the structure allows).</summary>
    double LogAbsDetIdentityPlusScaledJacobian(ReadOnlySpan<double> x, double alphaBar, double scale);

    /// <summary>
    /// ∇s(x, ᾱ) as −κ I + P C Qᵀ with small rank (perturbation included) into <paramref name="destination"/>,
    /// or false when this score has no such form and callers must use <see cref="Jacobian"/>.
    /// </summary>
    bool TryLowRankJacobian(ReadOnlySpan<double> x, double alphaBar, LowRankJacobian destination) => false;

    /// <summary>
    /// ∇s(x, ᾱ) as Q diag(λ) Qᵀ (<see cref="EigenbasisJacobian"/>, perturbation included), or false when it has
    /// no such form at this point.
    /// </summary>
    bool TryEigenbasisJacobian(ReadOnlySpan<double> x, double alphaBar, EigenbasisJacobian destination) => false;
}
