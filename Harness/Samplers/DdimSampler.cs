using System.Numerics.Tensors;
using Diffusion.Verify.Schedules;

namespace Diffusion.Verify.Samplers;

/// <summary>Exact DDIM with η = 0 (Song, Meng, Ermon 2021): the exponential-integrator Euler step; first order.</summary>
public sealed class DdimSampler() : Sampler("ddim", order: 1, evaluationsPerStep: 1, isStochastic: false)
{
    /// <summary>
    /// √(1−ᾱ_{t−1}) − √(1−ᾱ_t)/√α_t, the weight of ε_t in a DDIM step. The two terms agree to O(β_t), so it
    /// is evaluated as −β_t / ( √α_t ( √(α_t(1−ᾱ_{t−1})) + √(1−ᾱ_t) ) ), using α_t(1−ᾱ_{t−1}) − (1−ᾱ_t) = −β_t,
    /// which keeps full relative precision for li2024's tiny β.
    /// </summary>
    public static double EpsilonCoefficient(NoiseSchedule schedule, int t)
    {
        double alpha = schedule.Alpha(t);
        double rootAlpha = Math.Sqrt(alpha);
        double sum = Math.Sqrt(alpha * schedule.OneMinusAlphaBar(t - 1)) + Math.Sqrt(schedule.OneMinusAlphaBar(t));
        return -schedule.Beta(t) / (rootAlpha * sum);
    }

    public override void Step(SamplerBlock block, int t)
    {
        NoiseSchedule schedule = block.Schedule;
        double alphaBar = schedule.AlphaBar(t);
        double sigma = Math.Sqrt(schedule.OneMinusAlphaBar(t));
        double rootAlpha = Math.Sqrt(schedule.Alpha(t));
        double coefficient = EpsilonCoefficient(schedule, t);
        block.EvaluateScore(block.State, alphaBar, block.ScoreAtState);

        // After the score, at the same points: a target may reuse the evaluation it just made there.
        if (block.LogDeterminant is not null)
        {
            // J = I/√α_t + c ∇ε_t = ( I − c √α_t √(1−ᾱ_t) ∇s_t(Y_t) ) / √α_t
            StepLogDeterminant.AddIdentityPlusScaled(block, t, alphaBar, -coefficient * rootAlpha * sigma);
        }

        // ε_t(Y_t) = −√(1−ᾱ_t) s_t(Y_t)
        Span<double> epsilon = block.Active(block.ScoreAtState);
        TensorPrimitives.Multiply(epsilon, -sigma, epsilon);

        // Y_{t−1} = Y_t/√α_t + ( √(1−ᾱ_{t−1}) − √(1−ᾱ_t)/√α_t ) ε_t(Y_t)
        Span<double> y = block.Active(block.State);
        TensorPrimitives.Multiply(y, 1 / rootAlpha, y);
        TensorPrimitives.MultiplyAdd(epsilon, coefficient, y, y);
    }
}
