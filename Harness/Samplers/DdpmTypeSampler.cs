using Diffusion.Verify.Schedules;

namespace Diffusion.Verify.Samplers;

/// <summary>The paper's vanilla stochastic sampler (Li, Wei, Chen, Chi 2023).</summary>
public sealed class DdpmTypeSampler() : StochasticSampler("ddpm-type", preNoise: false)
{
    /// <summary>Y_{t−1} = ( Y_t + (1−α_t) s_t(Y_t) + √(1−α_t) Z_t ) / √α_t.</summary>
    public override StochasticKernel Kernel(NoiseSchedule schedule, int t)
    {
        double alpha = schedule.Alpha(t);
        double beta = schedule.Beta(t);
        return new StochasticKernel(PreNoise: 0.0, Scale: 1 / Math.Sqrt(alpha), ScoreCoefficient: beta, PostNoise: Math.Sqrt(beta / alpha), AlphaBar: schedule.AlphaBar(t));
    }
}
