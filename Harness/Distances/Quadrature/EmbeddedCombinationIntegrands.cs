namespace Diffusion.Verify.Distances.Quadrature;

/// <summary>
/// Integrands over the core's starting points for an embedded target: the TV of the full laws,
/// ½ ∫ L1_complement(φ, φ r) dx (the complement integrated out in closed form, see
/// <see cref="EmbeddedCombinationRadialDistance"/>), and the core's two KLs (the complement's are added in
/// closed form).
/// </summary>
internal sealed class EmbeddedCombinationIntegrands(int complementDimension, double relativeExcess) : StartingPointQuadratureIntegrands
{
    public const int TotalVariation = 0;
    public const int CoreKlSamplerToTarget = 1;
    public const int CoreKlTargetToSampler = 2;

    public override int Count => 5;

    /// <summary>
    /// l = 0, where (1 − r)_+ has its kink and the complement-smoothed integrand nearly so for large d − r; and
    /// l = −k ln(1 + η), k = (d − r)/2, where the weighted Gamma densities stop crossing and the integrand behaves
    /// like (l − l_c)^k, singular for small d − r.
    /// </summary>
    public override IReadOnlyList<double> KinkLevels { get; } =
        complementDimension == 0 || relativeExcess == 0
            ? [0.0]
            : [0.0, -0.5 * complementDimension * Numerics.Elementary.Log1P(relativeExcess)];

    public override void Accumulate(double logStart, double logRatio, double weight, Span<double> sums)
    {
        AccumulateMasses(logStart, logRatio, weight, sums);
        if (logStart < -745 && logStart + logRatio < -745)
        {
            return;
        }

        sums[TotalVariation] += weight * 0.5 * Math.Exp(EmbeddedCombinationRadialDistance.LogL1(complementDimension, relativeExcess, logStart, logStart + logRatio));
        sums[CoreKlSamplerToTarget] += weight * StartingPointQuadratureDivergenceIntegrands.KlSamplerToTargetIntegrand(logStart, logRatio);
        sums[CoreKlTargetToSampler] += weight * StartingPointQuadratureDivergenceIntegrands.KlTargetToSamplerIntegrand(logStart, logRatio);
    }
}
