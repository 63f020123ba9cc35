using Diffusion.Verify.Numerics;

namespace Diffusion.Verify.Distances.Quadrature;

/// <summary>
/// TV, KL(p_1‖q_1) and KL(q_1‖p_1) as integrals over starting points with non-negative integrands in
/// r = eˡ (DESIGN §5), so tiny distances keep their relative precision:
/// TV = ∫ φ (1 − r)_+, KL(p‖q) = ∫ φ (r − 1 − ln r), KL(q‖p) = ∫ φ (r ln r − r + 1).
/// Each uses ∫ φ r = ∫ φ = 1 (F onto, box large enough), which the mass sums check.
/// </summary>
internal sealed class StartingPointQuadratureDivergenceIntegrands : StartingPointQuadratureIntegrands
{
    public const int TotalVariation = 0;
    public const int KlSamplerToTarget = 1;
    public const int KlTargetToSampler = 2;

    public static StartingPointQuadratureDivergenceIntegrands Instance { get; } = new();

    public override int Count => 5;

    public override void Accumulate(double logStart, double logRatio, double weight, Span<double> sums)
    {
        AccumulateMasses(logStart, logRatio, weight, sums);
        double phi = Math.Exp(logStart);
        if (phi == 0 && logStart + logRatio < -745)
        {
            return;
        }

        double l = logRatio;
        sums[TotalVariation] += l < 0 ? weight * phi * -Elementary.ExpM1(l) : 0.0;
        sums[KlSamplerToTarget] += weight * KlSamplerToTargetIntegrand(logStart, l);
        sums[KlTargetToSampler] += weight * KlTargetToSamplerIntegrand(logStart, l);
    }

    /// <summary>φ (r − 1 − ln r), written so that neither φ r nor r overflows.</summary>
    public static double KlSamplerToTargetIntegrand(double logStart, double l)
    {
        if (l <= 1)
        {
            return Math.Exp(logStart) * Remainders.ExpM1MinusX(l);
        }

        return Math.Exp(logStart + l) - Math.Exp(logStart) * (1 + l);
    }

    /// <summary>φ (r ln r − r + 1), written so that neither φ r nor r overflows.</summary>
    public static double KlTargetToSamplerIntegrand(double logStart, double l)
    {
        if (double.IsNegativeInfinity(l))
        {
            return Math.Exp(logStart);
        }

        if (l <= 1)
        {
            return Math.Exp(logStart) * Remainders.XExpXMinusExpM1(l);
        }

        return Math.Exp(logStart + l) * (l - 1) + Math.Exp(logStart);
    }
}
