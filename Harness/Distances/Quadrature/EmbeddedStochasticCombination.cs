using System.Globalization;
using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Targets;
using Diffusion.Verify.Distances.Exact;

namespace Diffusion.Verify.Distances.Quadrature;

/// <summary>
/// Stochastic samplers on embedded targets with a 1-D core (DESIGN §5): the sampler keeps the split, so
/// p_1 = p_1^U × N(0, V⊥ I_{d−1}). The core law p_1^U comes from <see cref="DensityPropagation"/> on the
/// core; the complement from the exact Gaussian evaluator on the scalar N(0, σ⊥²). Then
/// <code>
/// KL = KL(p^U‖q^U) + (d − 1)·KL(N(0,V⊥)‖N(0,v⊥)),   path KL = core path KL + (d − 1)·complement path KL,
/// TV = ½ ∫ L1_complement(p^U(u), q^U(u)) du,
/// </code>
/// the complement integrated out in closed form through the radius |w|² (<see cref="EmbeddedCombinationRadialDistance"/>)
/// and the remaining integral taken on the propagation grid at two resolutions (the difference is the tolerance).
/// </summary>
public static class EmbeddedStochasticCombination
{
    public static DistanceReport Evaluate(Sampler sampler, NoiseSchedule schedule, EmbeddedMixture target, StartDistribution start)
    {
        if (target.CoreDimension != 1 || target.Core is not IsotropicMixture core)
        {
            throw new InvalidSpecificationException("target.core", target.Core.Description, "stochastic samplers on embedded targets need a 1-D isotropic-mixture core");
        }

        int m = target.Dimension - 1;
        double sigma2 = target.ComplementVariance;
        ExactGaussianEvaluation complement = ExactGaussianEvaluator.Analyse(sampler, schedule, new GaussianLaw([0.0], [sigma2], allowZeroVariances: true), start);
        double samplerVariance = complement.Output.Output.Variance(0);
        double targetVariance = schedule.AlphaBar(1) * sigma2 + schedule.OneMinusAlphaBar(1);
        double eta = Numerics.Elementary.ExpM1(Math.Log(samplerVariance) - Math.Log(targetVariance));

        IReadOnlyList<StochasticKernel> kernels = DensityPropagation.KernelsOf(sampler, schedule);
        var coarse = DensityPropagation.Propagate(kernels, schedule, core, start, new DensityPropagationOptions { PointsPerSd = 16, CheckRefinement = false });
        var fine = DensityPropagation.Propagate(kernels, schedule, core, start, new DensityPropagationOptions { PointsPerSd = 32, CheckRefinement = false });
        double alphaBar1 = schedule.AlphaBar(1);
        double tvFine = TotalVariation(fine.Density, core, alphaBar1, m, eta);
        double tvCoarse = TotalVariation(coarse.Density, core, alphaBar1, m, eta);

        Estimate corePath = PathKlQuadrature.Evaluate(kernels, schedule, core, start);
        double complementPath = complement.PathKl?.Total ?? 0.0;
        double complementPathTolerance = complement.PathKl?.Tolerance ?? 0.0;
        double complementPq = complement.Report.KlSamplerToTarget.Value;
        double complementQp = complement.Report.KlTargetToSampler?.Value ?? 0.0;
        double klTolerance(double coarseValue, double fineValue) => Math.Abs(coarseValue - fineValue);
        string notes = string.Create(CultureInfo.InvariantCulture,
            $"embedded stochastic: d = {target.Dimension}, V⊥/v⊥ − 1 = {eta:G6}; core KL(p‖q) = {fine.KlSamplerToTarget:G6}, complement {m * complementPq:G6}; core path KL = {corePath.Value:G6}, complement {m * complementPath:G6}; grid {fine.Density.Count} points");
        return new DistanceReport(
            Estimate.Exact(tvFine, Math.Abs(tvFine - tvCoarse)),
            Estimate.Exact(fine.KlSamplerToTarget + (m * complementPq), klTolerance(coarse.KlSamplerToTarget, fine.KlSamplerToTarget) + (m * complement.Report.KlSamplerToTarget.Tolerance)),
            Estimate.Exact(fine.KlTargetToSampler + (m * complementQp), klTolerance(coarse.KlTargetToSampler, fine.KlTargetToSampler)),
            Estimate.Exact(corePath.Value + (m * complementPath), corePath.Tolerance + (m * complementPathTolerance)),
            DistanceMethod.Quadrature,
            fine.Density.Count,
            Notes: notes);
    }

    /// <summary>½ Σ_i h · L1_complement(p(u_i), q(u_i)) on the grid (trapezoid; the density vanishes at both ends).</summary>
    private static double TotalVariation(Numerics.GridDensity p, IDiffusedTarget core, double alphaBar, int complementDimension, double eta)
    {
        double sum = 0;
        Span<double> u = stackalloc double[1];
        for (int i = 0; i < p.Count; i++)
        {
            u[0] = p.Node(i);
            double logP = p.Values[i] > 0 ? Math.Log(p.Values[i]) : double.NegativeInfinity;
            double logQ = core.LogDensity(u, alphaBar);
            sum += Math.Exp(EmbeddedCombinationRadialDistance.LogL1(complementDimension, eta, logP, logQ));
        }

        return Math.Min(1.0, 0.5 * p.Spacing * sum);
    }
}
