using System.Numerics.Tensors;

namespace Diffusion.Verify.Samplers;

/// <summary>The paper's vanilla deterministic sampler (Li, Wei, Chen, Chi 2023); first order.</summary>
public sealed class DdimTypeSampler() : Sampler("ddim-type", order: 1, evaluationsPerStep: 1, isStochastic: false)
{
    public override void Step(SamplerBlock block, int t)
    {
        double alpha = block.Schedule.Alpha(t);
        double beta = block.Schedule.Beta(t);
        double alphaBar = block.Schedule.AlphaBar(t);
        block.EvaluateScore(block.State, alphaBar, block.ScoreAtState);

        // After the score, at the same points: a target may reuse the evaluation it just made there.
        if (block.LogDeterminant is not null)
        {
            // J = ( I + (1−α_t)/2 · ∇s_t(Y_t) ) / √α_t
            StepLogDeterminant.AddIdentityPlusScaled(block, t, alphaBar, beta / 2);
        }

        // Y_{t−1} = ( Y_t + (1−α_t)/2 · s_t(Y_t) ) / √α_t
        Span<double> y = block.Active(block.State);
        TensorPrimitives.MultiplyAdd(block.Active(block.ScoreAtState), beta / 2, y, y);
        TensorPrimitives.Multiply(y, 1 / Math.Sqrt(alpha), y);
    }
}
