using System.Numerics.Tensors;
using Diffusion.Verify.Randomness;
using Diffusion.Verify.Schedules;

namespace Diffusion.Verify.Samplers;

/// <summary>DDPM ancestral sampling with the posterior variance σ_t² = β̃_t (Ho, Jain, Abbeel 2020).</summary>
public sealed class DdpmPosteriorSampler : Sampler
{
    public override string Name => "ddpm-posterior";

    public override bool IsStochastic => true;

    public override int EvaluationsPerStep => 1;

    public override int Order => 0;

    /// <summary>β̃_t = β_t (1−ᾱ_{t−1}) / (1−ᾱ_t), the variance of q(x_{t−1} | x_t, x_0).</summary>
    public static double PosteriorVariance(NoiseSchedule schedule, int t) =>
        schedule.Beta(t) * schedule.OneMinusAlphaBar(t - 1) / schedule.OneMinusAlphaBar(t);

    public override StochasticKernel Kernel(NoiseSchedule schedule, int t)
    {
        double alpha = schedule.Alpha(t);
        double beta = schedule.Beta(t);
        return new StochasticKernel(0.0, 1 / Math.Sqrt(alpha), beta, Math.Sqrt(PosteriorVariance(schedule, t)), schedule.AlphaBar(t));
    }

    public override void Step(SamplerBlock block, int t)
    {
        NoiseSchedule schedule = block.Schedule;
        double alpha = schedule.Alpha(t);
        double beta = schedule.Beta(t);
        block.EvaluateScore(block.State, schedule.AlphaBar(t), block.ScoreAtState);
        block.DrawNoise(RandomStream.StepNoise, t, block.Noise);

        // Y_{t−1} = ( Y_t + (1−α_t) s_t(Y_t) )/√α_t + √β̃_t Z_t
        Span<double> y = block.Active(block.State);
        TensorPrimitives.MultiplyAdd(block.Active(block.ScoreAtState), beta, y, y);
        TensorPrimitives.Multiply(y, 1 / Math.Sqrt(alpha), y);
        TensorPrimitives.MultiplyAdd(block.Active(block.Noise), Math.Sqrt(PosteriorVariance(schedule, t)), y, y);
    }
}
