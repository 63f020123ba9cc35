using Diffusion.Verify.Schedules;

namespace Diffusion.Verify.Samplers;

/// <summary>
/// acc-sde with the second noise inside the 1/√α_t (the other reading of eq. 24); which reading the theory
/// needs is one of the questions the harness answers (DESIGN §6).
/// </summary>
public sealed class AccSdeInsideSampler() : StochasticSampler("acc-sde-inside", preNoise: true)
{
    /// <summary>
    /// Y_t⁺ = Y_t + √((1−α_t)/2) Z_t,
    /// Y_{t−1} = ( Y_t⁺ + (1−α_t) s_t(Y_t⁺) + √((1−α_t)/2) Z_t⁺ ) / √α_t.
    /// </summary>
    public override StochasticKernel Kernel(NoiseSchedule schedule, int t)
    {
        double beta = schedule.Beta(t);
        double halfBetaRoot = Math.Sqrt(beta / 2);
        double rootAlpha = Math.Sqrt(schedule.Alpha(t));
        return new StochasticKernel(PreNoise: halfBetaRoot, Scale: 1 / rootAlpha, ScoreCoefficient: beta, PostNoise: halfBetaRoot / rootAlpha, AlphaBar: schedule.AlphaBar(t));
    }
}
