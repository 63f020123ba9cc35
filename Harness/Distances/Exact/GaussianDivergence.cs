using Diffusion.Verify.Numerics;

namespace Diffusion.Verify.Distances.Exact;

/// <summary>
/// KL divergence between Gaussians with diagonal covariance in a common basis, in closed form:
/// KL(N(μ_p, v_p) ‖ N(μ_q, v_q)) = ½ Σ_j [ r_j − 1 − ln r_j + (μ_p − μ_q)² / v_q ], r_j = v_p / v_q.
/// r − 1 − ln r is evaluated as δ − ln(1 + δ) with δ = (v_p − v_q)/v_q formed by one exact subtraction
/// (<see cref="Remainders.Log1PMinusX"/>), so KL keeps full relative precision however close the laws are.
/// </summary>
public static class GaussianDivergence
{
    /// <summary>KL(p‖q), summed over coordinates.</summary>
    public static double Kl(GaussianLaw p, GaussianLaw q)
    {
        if (p.Dimension != q.Dimension)
        {
            throw new InvalidSpecificationException("gaussian", $"d = {p.Dimension} vs d = {q.Dimension}", "the two laws must have the same dimension");
        }

        double sum = 0;
        for (int j = 0; j < p.Dimension; j++)
        {
            sum += KlCoordinate(p.Mean(j), p.Variance(j), q.Mean(j), q.Variance(j));
        }

        return sum;
    }

    /// <summary>KL(N(μ_p, v_p) ‖ N(μ_q, v_q)) in one dimension.</summary>
    public static double KlCoordinate(double meanP, double varianceP, double meanQ, double varianceQ)
    {
        double delta = (varianceP - varianceQ) / varianceQ;
        double shift = meanP - meanQ;
        return 0.5 * (-Remainders.Log1PMinusX(delta) + (shift * shift / varianceQ));
    }
}
