using Diffusion.Verify.Schedules;

namespace Diffusion.Verify.Samplers;

/// <summary>DDPM ancestral sampling with the posterior variance σ_t² = β̃_t (Ho, Jain, Abbeel 2020).</summary>
public sealed class DdpmPosteriorSampler() : StochasticSampler("ddpm-posterior", preNoise: false)
{
    /// <summary>β̃_t = β_t (1−ᾱ_{t−1}) / (1−ᾱ_t), the variance of q(x_{t−1} | x_t, x_0).</summary>
    public static double PosteriorVariance(NoiseSchedule schedule, int t) =>
        schedule.Beta(t) * schedule.OneMinusAlphaBar(t - 1) / schedule.OneMinusAlphaBar(t);

    /// <summary>Y_{t−1} = ( Y_t + (1−α_t) s_t(Y_t) ) / √α_t + √β̃_t Z_t.</summary>
    public override StochasticKernel Kernel(NoiseSchedule schedule, int t)
    {
        double beta = schedule.Beta(t);
        return new StochasticKernel(PreNoise: 0.0, Scale: 1 / Math.Sqrt(schedule.Alpha(t)), ScoreCoefficient: beta, PostNoise: Math.Sqrt(PosteriorVariance(schedule, t)), AlphaBar: schedule.AlphaBar(t));
    }
}
