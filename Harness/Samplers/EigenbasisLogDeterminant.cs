using Diffusion.Verify.Numerics.LinearAlgebra;
using Diffusion.Verify.Scores;

namespace Diffusion.Verify.Samplers;

/// <summary>
/// ln|det| of a two-evaluation step map √α_t J = p I + q S₁ + r S₂ + u S₂ S₁ (<see cref="JacobianCombination"/>;
/// S₁ = ∇s at the state, S₂ at the intermediate point) when both Jacobians are diagonal in one orthonormal basis Q
/// (<see cref="EigenbasisJacobian"/>: full-covariance mixtures where one component holds all weight at both
/// points): then √α_t J = Q diag(p + q λ₁ + r λ₂ + u λ₁ λ₂) Qᵀ and the determinant is a product, O(d) instead of
/// the dense O(d³).
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
        for (int j = 0; j < d; j++)
        {
            sum += LowRankDeterminant.LogAbsOnePlus((map.Identity - 1) + (map.AtState * l1[j]) + (map.AtIntermediate * l2[j]) + (map.Composed * l1[j] * l2[j]));
        }

        logAbsDet = sum;
        return true;
    }
}
