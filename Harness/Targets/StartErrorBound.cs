using Diffusion.Verify.Numerics;
using Diffusion.Verify.Targets;

namespace Diffusion.Verify.Targets;

/// <summary>
/// The error of starting at N(0, I) instead of q_T (DESIGN §2): by convexity of KL and Pinsker,
/// TV(q_T, N(0,I)) ≤ √(½ Σ_k π_k KL(N_k(T) ‖ N(0,I))), of order √ᾱ_T ‖μ‖. Reported beside every TV
/// measured with the Gaussian start; points within 3× of it are not fitted.
/// </summary>
public static class StartErrorBound
{
    public static double Evaluate(IDiffusedTarget target, double alphaBar) =>
        Math.Min(1.0, Math.Sqrt(0.5 * target.ComponentKlToStandardNormal(alphaBar)));

    /// <summary>KL(N(m, v I_d) ‖ N(0, I_d)) = ½ (d (v − 1 − ln v) + ‖m‖²), without cancellation for v ≈ 1.</summary>
    public static double IsotropicKl(int dimension, double variance, double meanNormSquared) =>
        0.5 * (dimension * -Remainders.Log1PMinusX(variance - 1.0) + meanNormSquared);
}
