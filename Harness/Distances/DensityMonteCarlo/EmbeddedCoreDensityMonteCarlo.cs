using System.Globalization;
using Diffusion.Verify.Distances.Quadrature;
using Diffusion.Verify.Numerics;
using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Scores;
using Diffusion.Verify.Targets;

namespace Diffusion.Verify.Distances.DensityMonteCarlo;

/// <summary>
/// density-mc on the core of an embedded target, combined with the exact complement (DESIGN §5–§6), for
/// deterministic samplers and any core dimension k (the quadrature route covers k ≤ 2). Every sampler keeps
/// the split p_1 = p_1^U × N(0, V⊥ I_{d−k}), q_1 = q_1^U × N(0, v⊥ I_{d−k}); the sampler runs on the k-dimensional
/// core only, on samples u_T of the start law, accumulating ln|det J|, so r(u) = q_1^U(u)/p_1^U(u) is exact at each
/// output u = F(u_T). Then, integrating the complement out in closed form for each core sample,
/// <code>
/// TV = E_{u∼p^U}[ ½ L1_complement(1, r(u)) ]            (the inner radial integral, <see cref="EmbeddedCombinationRadialDistance"/>),
/// KL(p‖q) = E_{p^U}[r − 1 − ln r] + (d − k)·KL(N(0, V⊥)‖N(0, v⊥)),   KL(q‖p) likewise,
/// </code>
/// every term non-negative. The cost is that of density-mc in dimension k, whatever d is: the d-dimensional
/// arrays are never formed.
/// </summary>
public static class EmbeddedCoreDensityMonteCarlo
{
    public static DistanceReport Evaluate(Sampler sampler, NoiseSchedule schedule, EmbeddedMixture target, SamplingOptions options)
    {
        if (sampler.IsStochastic)
        {
            throw new InvalidSpecificationException("method", "density-mc", $"density-mc needs a deterministic sampler; {sampler.Name} is stochastic");
        }

        IDiffusedTarget core = target.Core;
        int k = core.Dimension;
        int m = target.Dimension - k;
        EmbeddedCombinationComplement complement = EmbeddedCombinationComplement.Compute(sampler, schedule, target.ComplementVariance, options.Start);
        if (Math.Abs(complement.Offset) > 1e-12 * Math.Max(1.0, Math.Abs(complement.Slope)))
        {
            throw new InvalidSpecificationException("sampler", sampler.Name, $"maps 0 to {complement.Offset:G3} on the zero-mean Gaussian complement; the radial reduction needs a centred complement law");
        }

        double eta = complement.RelativeExcess;
        int n = options.Samples;
        double[] logRatio = DensityMonteCarloEvaluator.LogRatios(sampler, schedule, new ExactScore(core), core, options);

        var tv = new MeanAccumulator();
        var corePq = new MeanAccumulator();
        var coreQp = new MeanAccumulator();
        foreach (double l in logRatio)
        {
            if (!double.IsFinite(l))
            {
                throw new NumericalFailureException(sampler.Name, schedule.Steps, 1, -1, $"ln(q_1/p_1) on the core is {l:R} at an output (the core density underflows there)");
            }

            tv.Add(0.5 * Math.Exp(EmbeddedCombinationRadialDistance.LogL1(m, eta, 0.0, l)));
            corePq.Add(Remainders.ExpM1MinusX(l));
            coreQp.Add(Remainders.XExpXMinusExpM1(l));
        }

        // V⊥ carries the sampler's own rounding, ~√T ε relative; propagate it into the complement's KL.
        double etaRounding = 4 * Math.Sqrt(schedule.Steps) * 2.3e-16 * (1 + Math.Abs(eta));
        double klRounding = m * 0.5 * Math.Abs(eta) * etaRounding;
        double complementPq = m * complement.KlSamplerToTargetPerCoordinate;
        double complementQp = m * complement.KlTargetToSamplerPerCoordinate;
        Estimate tvEstimate = tv.Estimate();
        Estimate pq = corePq.Estimate();
        Estimate qp = coreQp.Estimate();
        string notes = string.Create(
            CultureInfo.InvariantCulture,
            $"embedded core density-mc: d = {target.Dimension}, core k = {k}, σ⊥² = {target.ComplementVariance:G6}; V⊥ = {complement.SamplerVariance:R}, v⊥ = {complement.TargetVariance:R}, V⊥/v⊥ − 1 = {eta:G6}; core KL(p‖q) = {pq.Value:G6} ± {pq.StandardError:G2}, complement {complementPq:G6}; core KL(q‖p) = {qp.Value:G6}, complement {complementQp:G6}; {n} core samples");
        return new DistanceReport(
            tvEstimate,
            new Estimate(pq.Value + complementPq, pq.StandardError, klRounding),
            new Estimate(qp.Value + complementQp, qp.StandardError, klRounding),
            null,
            DistanceMethod.DensityMonteCarlo,
            n,
            Notes: notes);
    }
}
