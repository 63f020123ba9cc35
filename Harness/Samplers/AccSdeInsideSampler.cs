using System.Numerics.Tensors;
using Diffusion.Verify.Randomness;
using Diffusion.Verify.Schedules;

namespace Diffusion.Verify.Samplers;

/// <summary>
/// acc-sde with the second noise inside the 1/√α_t (the other reading of eq. 24); which reading the theory
/// needs is one of the questions the harness answers (DESIGN §6).
/// </summary>
public sealed class AccSdeInsideSampler : Sampler
{
    public override string Name => "acc-sde-inside";

    public override bool IsStochastic => true;

    public override int EvaluationsPerStep => 1;

    public override int Order => 0;

    public override StochasticKernel Kernel(NoiseSchedule schedule, int t)
    {
        double alpha = schedule.Alpha(t);
        double beta = schedule.Beta(t);
        double halfBetaRoot = Math.Sqrt(beta / 2);
        return new StochasticKernel(halfBetaRoot, 1 / Math.Sqrt(alpha), beta, halfBetaRoot / Math.Sqrt(alpha), schedule.AlphaBar(t));
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

        // Y_{t−1} = ( Y_t⁺ + (1−α_t) s_t(Y_t⁺) + √((1−α_t)/2) Z_t⁺ ) / √α_t
        TensorPrimitives.MultiplyAdd(block.Active(block.ScoreAtState), beta, y, y);
        TensorPrimitives.MultiplyAdd(block.Active(block.Noise), halfBetaRoot, y, y);
        TensorPrimitives.Multiply(y, 1 / Math.Sqrt(alpha), y);
    }
}
