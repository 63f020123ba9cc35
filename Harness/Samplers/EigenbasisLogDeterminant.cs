using Diffusion.Verify.Numerics.LinearAlgebra;
using Diffusion.Verify.Scores;

namespace Diffusion.Verify.Samplers;

/// <summary>
/// ln|det| of a two-evaluation step map √α_t J = p I + q S₁ + r S₂ + u S₂ S₁ (<see cref="JacobianCombination"/>;
/// S₁ = ∇s at the state, S₂ at the intermediate point) when both Jacobians are diagonal in one orthonormal basis Q
/// (<see cref="EigenbasisJacobian"/>: full-covariance mixtures where one component holds all weight at both
/// points): then √α_t J = Q diag(p + q λ₁ + r λ₂ + u λ₁ λ₂) Qᵀ and the determinant is a product, O(d) instead of
/// the dense O(d³).
/// <para>
/// Where other components hold tiny weights, S_i = S_i⁰ + E_i with S_i⁰ = Q diag(λ_i) Qᵀ and ‖E_i‖_* ≤ δ_i
/// (<see cref="EigenbasisJacobian.Residual"/>). Then the map is M₀ + F, M₀ = Q diag(m) Qᵀ with
/// m_j = p + q λ₁ⱼ + r λ₂ⱼ + u λ₁ⱼ λ₂ⱼ, and F = q E₁ + r E₂ + u (S₂⁰ E₁ + E₂ S₁⁰ + E₂ E₁), so (‖AB‖_* ≤ ‖A‖₂‖B‖_*,
/// ‖E‖₂ ≤ ‖E‖_*) ‖F‖_* ≤ |q| δ₁ + |r| δ₂ + |u| (‖S₂⁰‖₂ δ₁ + δ₂ ‖S₁⁰‖₂ + δ₂ δ₁) and ‖M₀⁻¹F‖_* ≤ that / min_j |m_j|;
/// the product is used only when <see cref="PerturbedLogDeterminant.IsNegligible"/> accepts this β.
/// </para>
/// </summary>
internal static class EigenbasisLogDeterminant
{
    [ThreadStatic]
    private static EigenbasisJacobian? t_first;

    [ThreadStatic]
    private static EigenbasisJacobian? t_second;

    public static bool TryPair(IScore score, ReadOnlySpan<double> x1, double alphaBar1, ReadOnlySpan<double> x2, double alphaBar2, JacobianCombination map, out double logAbsDet)
    {
        int d = score.Dimension;
        EigenbasisJacobian first = t_first is { } f && f.Dimension == d ? f : t_first = new EigenbasisJacobian(d);
        EigenbasisJacobian second = t_second is { } s && s.Dimension == d ? s : t_second = new EigenbasisJacobian(d);
        logAbsDet = 0;
        if (!score.TryEigenbasisJacobian(x1, alphaBar1, first)
            || !score.TryEigenbasisJacobian(x2, alphaBar2, second)
            || !ReferenceEquals(first.Basis, second.Basis))
        {
            return false;
        }

        ReadOnlySpan<double> l1 = first.Eigenvalues;
        ReadOnlySpan<double> l2 = second.Eigenvalues;
        double sum = 0;
        double smallest = double.PositiveInfinity;
        for (int j = 0; j < d; j++)
        {
            double mMinusOne = (map.Identity - 1) + (map.AtState * l1[j]) + (map.AtIntermediate * l2[j]) + (map.Composed * l1[j] * l2[j]);
            sum += LowRankDeterminant.LogAbsOnePlus(mMinusOne);
            smallest = Math.Min(smallest, Math.Abs(1 + mMinusOne));
        }

        double delta1 = first.Residual;
        double delta2 = second.Residual;
        if (delta1 != 0 || delta2 != 0)
        {
            double perturbation = (Math.Abs(map.AtState) * delta1) + (Math.Abs(map.AtIntermediate) * delta2)
                + (Math.Abs(map.Composed) * ((second.SpectralNorm() * delta1) + (delta2 * first.SpectralNorm()) + (delta2 * delta1)));
            if (!PerturbedLogDeterminant.IsNegligible(perturbation / smallest))
            {
                return false;
            }
        }

        logAbsDet = sum;
        return true;
    }
}
