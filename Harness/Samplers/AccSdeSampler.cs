using System.Numerics.Tensors;
using Diffusion.Verify.Randomness;
using Diffusion.Verify.Schedules;

namespace Diffusion.Verify.Samplers;

/// <summary>
/// The paper's accelerated stochastic sampler (eq. 24) with the second noise added outside the 1/√α_t, as
/// the authors publish it: an extra randomisation Y_t → Y_t⁺ before a DDPM-type step; 1 score evaluation.
/// </summary>
public sealed class AccSdeSampler : Sampler
{
    public override string Name => "acc-sde";

    public override bool IsStochastic => true;

    public override int EvaluationsPerStep => 1;

    public override int Order => 0;

    public override StochasticKernel Kernel(NoiseSchedule schedule, int t)
    {
        double alpha = schedule.Alpha(t);
        double beta = schedule.Beta(t);
        double halfBetaRoot = Math.Sqrt(beta / 2);
        return new StochasticKernel(halfBetaRoot, 1 / Math.Sqrt(alpha), beta, halfBetaRoot, schedule.AlphaBar(t));
    }

    public override void Step(SamplerBlock block, int t)
    {
        NoiseSchedule schedule = block.Schedule;
        double alpha = schedule.Alpha(t);
        double beta = schedule.Beta(t);
        double halfBetaRoot = Math.Sqrt(beta / 2);
        Span<double> y = block.Active(block.State);

        // Y_t⁺ = Y_t + √((1−α_t)/2) Z_t   (in place: State now holds Y_t⁺)
        block.DrawNoise(RandomStream.StepNoise, t, block.Noise);
        TensorPrimitives.MultiplyAdd(block.Active(block.Noise), halfBetaRoot, y, y);

        block.EvaluateScore(block.State, schedule.AlphaBar(t), block.ScoreAtState);
        block.DrawNoise(RandomStream.StepNoiseSecond, t, block.Noise);

        // Y_{t−1} = ( Y_t⁺ + (1−α_t) s_t(Y_t⁺) ) / √α_t + √((1−α_t)/2) Z_t⁺
        TensorPrimitives.MultiplyAdd(block.Active(block.ScoreAtState), beta, y, y);
        TensorPrimitives.Multiply(y, 1 / Math.Sqrt(alpha), y);
        TensorPrimitives.MultiplyAdd(block.Active(block.Noise), halfBetaRoot, y, y);
    }
}
