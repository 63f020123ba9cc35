using System.Numerics.Tensors;
using Diffusion.Verify.Randomness;

namespace Diffusion.Verify.Samplers;

/// <summary>The paper's vanilla stochastic sampler (Li, Wei, Chen, Chi 2023).</summary>
public sealed class DdpmTypeSampler : Sampler
{
    public override string Name => "ddpm-type";

    public override bool IsStochastic => true;

    public override int EvaluationsPerStep => 1;

    public override int Order => 0;

    public override StochasticKernel Kernel(Schedules.NoiseSchedule schedule, int t)
    {
        double alpha = schedule.Alpha(t);
        double beta = schedule.Beta(t);
        return new StochasticKernel(0.0, 1 / Math.Sqrt(alpha), beta, Math.Sqrt(beta / alpha), schedule.AlphaBar(t));
    }

    public override void Step(SamplerBlock block, int t)
    {
        double alpha = block.Schedule.Alpha(t);
        double beta = block.Schedule.Beta(t);
        block.EvaluateScore(block.State, block.Schedule.AlphaBar(t), block.ScoreAtState);
        block.DrawNoise(RandomStream.StepNoise, t, block.Noise);

        // Y_{t−1} = ( Y_t + (1−α_t) s_t(Y_t) + √(1−α_t) Z_t ) / √α_t
        Span<double> y = block.Active(block.State);
        TensorPrimitives.MultiplyAdd(block.Active(block.ScoreAtState), beta, y, y);
        TensorPrimitives.MultiplyAdd(block.Active(block.Noise), Math.Sqrt(beta), y, y);
        TensorPrimitives.Multiply(y, 1 / Math.Sqrt(alpha), y);
    }
}
