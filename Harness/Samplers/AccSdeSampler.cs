using Diffusion.Verify.Schedules;

namespace Diffusion.Verify.Samplers;

/// <summary>
/// The paper's accelerated stochastic sampler (eq. 24) with the second noise added outside the 1/√α_t, as
/// the authors publish it: an extra randomisation Y_t → Y_t⁺ before a DDPM-type step; 1 score evaluation.
/// </summary>
public sealed class AccSdeSampler() : StochasticSampler("acc-sde", preNoise: true)
{
    /// <summary>
    /// Y_t⁺ = Y_t + √((1−α_t)/2) Z_t,
    /// Y_{t−1} = ( Y_t⁺ + (1−α_t) s_t(Y_t⁺) ) / √α_t + √((1−α_t)/2) Z_t⁺.
    /// </summary>
    public override StochasticKernel Kernel(NoiseSchedule schedule, int t)
    {
        double beta = schedule.Beta(t);
        double halfBetaRoot = Math.Sqrt(beta / 2);
        return new StochasticKernel(PreNoise: halfBetaRoot, Scale: 1 / Math.Sqrt(schedule.Alpha(t)), ScoreCoefficient: beta, PostNoise: halfBetaRoot, AlphaBar: schedule.AlphaBar(t));
    }
}
