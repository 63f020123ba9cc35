using Diffusion.Verify.Numerics;
using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Scores;
using Diffusion.Verify.Targets;

namespace Diffusion.Verify.Distances.DensityMonteCarlo;

/// <summary>
/// density-mc (DESIGN §5): for deterministic samplers on any mixture in any d. The sampler runs on real
/// samples Y_T while accumulating ln|det J|, so ln p_1(Y_1) = ln φ(Y_T) − ln|det J| exactly, and with
/// r = q_1/p_1 at the samples TV = E_p[(1 − r)_+], KL(p‖q) = E_p[r − 1 − ln r], KL(q‖p) = E_p[r ln r − r + 1].
/// Every term is non-negative, so the relative precision is ~1/√N even when the distances are tiny.
/// </summary>
public static class DensityMonteCarloEvaluator
{
    public static DistanceReport Evaluate(Sampler sampler, NoiseSchedule schedule, IScore score, IDiffusedTarget target, SamplingOptions options)
    {
        if (sampler.IsStochastic)
        {
            throw new InvalidSpecificationException("method", "density-mc", $"density-mc needs a deterministic sampler; {sampler.Name} is stochastic");
        }

        int n = options.Samples;
        double[] logRatio = LogRatios(sampler, schedule, score, target, options);
        var tv = new MeanAccumulator();
        var klPq = new MeanAccumulator();
        var klQp = new MeanAccumulator();
        foreach (double l in logRatio)
        {
            tv.Add(l < 0 ? -Elementary.ExpM1(l) : 0.0);
            klPq.Add(Remainders.ExpM1MinusX(l));
            klQp.Add(Remainders.XExpXMinusExpM1(l));
        }

        return new DistanceReport(
            tv.Estimate(),
            klPq.Estimate(),
            klQp.Estimate(),
            null,
            DistanceMethod.DensityMonteCarlo,
            n);
    }

    /// <summary>
    /// ln r = ln q_1(Y_1) − ln p_1(Y_1) at each sample, p_1 from the start density and the accumulated ln|det J|
    /// (the sampler must be deterministic); indexed by sample, so independent of block size and thread count.
    /// </summary>
    internal static double[] LogRatios(Sampler sampler, NoiseSchedule schedule, IScore score, IDiffusedTarget target, SamplingOptions options)
    {
        int n = options.Samples;
        int d = target.Dimension;
        var logRatio = new double[n];
        double alphaBarStart = schedule.AlphaBar(schedule.Steps);
        double alphaBarEnd = schedule.AlphaBar(1);
        double gaussianNormaliser = -0.5 * d * Math.Log(2 * Math.PI);
        SamplerRunner.Stream(
            sampler,
            schedule,
            score,
            target,
            options with { KeepStart = true, AccumulateLogDeterminant = true },
            (in FinishedBlock block) =>
            {
                for (int i = 0; i < block.Rows; i++)
                {
                    ReadOnlySpan<double> start = block.Start.Slice(i * d, d);
                    double logStart = options.Start == StartDistribution.Gaussian
                        ? gaussianNormaliser - 0.5 * System.Numerics.Tensors.TensorPrimitives.Dot(start, start)
                        : target.LogDensity(start, alphaBarStart);
                    double logP = logStart - block.LogDeterminant[i];
                    double logQ = target.LogDensity(block.Output.Slice(i * d, d), alphaBarEnd);
                    logRatio[block.FirstSampleIndex + i] = logQ - logP;
                }
            });

        return logRatio;
    }
}
