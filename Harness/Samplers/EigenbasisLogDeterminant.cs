using Diffusion.Verify.Numerics.LinearAlgebra;
using Diffusion.Verify.Scores;

namespace Diffusion.Verify.Samplers;

/// <summary>
/// ln|det| of a two-evaluation step map √α_t J = I + p S₁ + q S₂ + r S₂ S₁ (S₁ = ∇s at the state, S₂ at the
/// intermediate point) when both Jacobians are diagonal in one orthonormal basis Q
/// (<see cref="EigenbasisJacobian"/>: full-covariance mixtures where one component holds all weight at both
/// points): then √α_t J = Q diag(1 + p λ₁ + q λ₂ + r λ₁ λ₂) Qᵀ and the determinant is a product, O(d) instead of
/// the dense O(d³). acc-ode has p = a, q = −b, r = b e; dpm-solver-2 p = 0, q = γ a_m/a_t, r = γ η (see each sampler).
/// </summary>
internal static class EigenbasisLogDeterminant
{
    [ThreadStatic]
    private static EigenbasisJacobian? t_first;

    [ThreadStatic]
    private static EigenbasisJacobian? t_second;

    public static bool TryPair(IScore score, ReadOnlySpan<double> x1, double alphaBar1, ReadOnlySpan<double> x2, double alphaBar2, double p, double q, double r, out double logAbsDet)
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
            sum += LowRankDeterminant.LogAbsOnePlus((p * l1[j]) + (q * l2[j]) + (r * l1[j] * l2[j]));
        }

        logAbsDet = sum;
        return true;
    }
}
