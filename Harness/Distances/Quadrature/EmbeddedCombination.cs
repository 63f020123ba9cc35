using System.Globalization;
using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Scores;
using Diffusion.Verify.Targets;

namespace Diffusion.Verify.Distances.Quadrature;

/// <summary>
/// Exact-law distances for deterministic samplers on embedded targets in any dimension d (DESIGN §3, §5):
/// q_t(x) = q_t^U(u) · N(w; 0, v⊥(t) I_{d−r}) with u the r-dimensional core coordinates (r = 1, 2) and w the
/// rest. Every sampler keeps the split, so p_1 = p_1^U × N(0, V⊥ I_{d−r}): p_1^U is the same sampler run on
/// the core target (dimension r), integrated over its starting points by <see cref="StartingPointQuadrature"/>,
/// and V⊥ comes from the scalar Gaussian recursion (<see cref="EmbeddedCombinationComplement"/>). Then
/// <code>
/// KL = KL(p^U‖q^U) + (d − r)·KL(N(0, V⊥)‖N(0, v⊥))   (both directions),
/// TV = ½ ∫ L1_complement(φ(x), φ(x) r(x)) dx        over core starting points x,
/// </code>
/// with the complement integrated out in closed form through the radius |w|² (Gamma laws). The samplers
/// run only in dimension r, so the cost does not grow with d.
/// The core target's score is used exactly; the complement is the exact Gaussian score.
/// </summary>
public static class EmbeddedCombination
{
    public static DistanceReport Evaluate(
        Sampler sampler,
        NoiseSchedule schedule,
        IDiffusedTarget core,
        int dimension,
        double complementVariance,
        StartDistribution start,
        StartingPointQuadratureOptions? options = null)
    {
        options ??= new StartingPointQuadratureOptions();
        int r = core.Dimension;
        if (dimension < r)
        {
            throw new InvalidSpecificationException("d", dimension.ToString(), $"the ambient dimension must be at least the core's ({r})");
        }

        EmbeddedCombinationComplement complement = EmbeddedCombinationComplement.Compute(sampler, schedule, complementVariance, start);
        if (Math.Abs(complement.Offset) > 1e-12 * Math.Max(1.0, Math.Abs(complement.Slope)))
        {
            throw new InvalidSpecificationException("sampler", sampler.Name, $"maps 0 to {complement.Offset:G3} on the zero-mean Gaussian complement; the radial reduction needs a centred complement law");
        }

        int m = dimension - r;
        var map = new StartingPointQuadratureMap(sampler, schedule, new ExactScore(core), core, start, options.MaxDegreeOfParallelism, options.Cancellation);
        var integrands = new EmbeddedCombinationIntegrands(m, complement.RelativeExcess);
        StartingPointQuadratureRun run = StartingPointQuadrature.Run(map, integrands, options);

        // V⊥ carries the sampler's own rounding, ~√T ε relative; propagate it into the complement terms.
        double eta = complement.RelativeExcess;
        double etaRounding = 4 * Math.Sqrt(schedule.Steps) * StartingPointQuadratureRun.MachineEpsilon * (1 + Math.Abs(eta));
        double klRounding = m * 0.5 * Math.Abs(eta) * etaRounding;
        double tvRounding = Math.Sqrt(m) * etaRounding;

        Estimate tv = run.TotalVariationEstimate(EmbeddedCombinationIntegrands.TotalVariation);
        Estimate corePq = run.Estimate(EmbeddedCombinationIntegrands.CoreKlSamplerToTarget);
        Estimate coreQp = run.Estimate(EmbeddedCombinationIntegrands.CoreKlTargetToSampler);
        double complementPq = m * complement.KlSamplerToTargetPerCoordinate;
        double complementQp = m * complement.KlTargetToSamplerPerCoordinate;
        var c = CultureInfo.InvariantCulture;
        string notes = string.Create(c, $"embedded: d = {dimension}, core r = {r}, σ⊥² = {complementVariance:G6}; V⊥ = {complement.SamplerVariance:R}, v⊥ = {complement.TargetVariance:R}, V⊥/v⊥ − 1 = {eta:G6}; core KL(p‖q) = {corePq.Value:G6}, complement {complementPq:G6}; core KL(q‖p) = {coreQp.Value:G6}, complement {complementQp:G6}; ") + run.Notes;
        return new DistanceReport(
            Estimate.Exact(tv.Value, tv.Tolerance + tvRounding),
            Estimate.Exact(corePq.Value + complementPq, corePq.Tolerance + klRounding),
            Estimate.Exact(coreQp.Value + complementQp, coreQp.Tolerance + klRounding),
            null,
            DistanceMethod.Quadrature,
            run.Fine.Points,
            Notes: notes);
    }
}
