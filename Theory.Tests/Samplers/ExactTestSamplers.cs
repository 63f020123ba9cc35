using System.Numerics.Tensors;
using Diffusion.Verify.Randomness;
using Diffusion.Verify.Samplers;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// Test-local samplers written from DESIGN §4 alone, so the exact evaluator is exercised on shapes the two
/// scaffold samplers lack (a pre-noise step, a two-evaluation step at level t+1) before the real ones exist.
/// </summary>
internal static class ExactTestSamplers
{
    /// <summary>acc-sde: Y⁺ = Y + √((1−α)/2) Z, Y_{t−1} = (Y⁺ + (1−α) s_t(Y⁺))/√α + √((1−α)/2) Z⁺.</summary>
    public sealed class AccSde() : Sampler("test-acc-sde", order: 0, evaluationsPerStep: 1, isStochastic: true)
    {

        public override StochasticKernel Kernel(Schedules.NoiseSchedule schedule, int t)
        {
            double beta = schedule.Beta(t);
            double spread = Math.Sqrt(beta / 2);
            return new StochasticKernel(spread, 1 / Math.Sqrt(schedule.Alpha(t)), beta, spread, schedule.AlphaBar(t));
        }

        public override void Step(SamplerBlock block, int t)
        {
            double beta = block.Schedule.Beta(t);
            double spread = Math.Sqrt(beta / 2);
            Span<double> y = block.Active(block.State);
            Span<double> plus = block.Active(block.Intermediate);
            block.DrawNoise(RandomStream.StepNoise, t, block.Noise);
            TensorPrimitives.MultiplyAdd(block.Active(block.Noise), spread, y, plus);
            block.EvaluateScore(block.Intermediate, block.Schedule.AlphaBar(t), block.ScoreAtIntermediate);
            TensorPrimitives.MultiplyAdd(block.Active(block.ScoreAtIntermediate), beta, plus, y);
            TensorPrimitives.Multiply(y, 1 / Math.Sqrt(block.Schedule.Alpha(t)), y);
            block.DrawNoise(RandomStream.StepNoiseSecond, t, block.Noise);
            TensorPrimitives.MultiplyAdd(block.Active(block.Noise), spread, y, y);
        }
    }

    /// <summary>
    /// acc-ode (eq. 15): Y⁻ = √α_{t+1} (Y − (1−α_{t+1})/2 s_t(Y)),
    /// Y_{t−1} = (Y + (1−α_t)/2 s_t(Y) + (1−α_t)²/(4(1−α_{t+1})) (s_t(Y) − √α_{t+1} s_{t+1}(Y⁻)))/√α_t.
    /// </summary>
    public sealed class AccOde() : Sampler("test-acc-ode", order: 2, evaluationsPerStep: 2, isStochastic: false)
    {

        public override void Step(SamplerBlock block, int t)
        {
            var schedule = block.Schedule;
            double beta = schedule.Beta(t);
            double betaNext = schedule.Beta(t + 1);
            double rootAlphaNext = Math.Sqrt(schedule.Alpha(t + 1));
            Span<double> y = block.Active(block.State);
            Span<double> s = block.Active(block.ScoreAtState);
            Span<double> minus = block.Active(block.Intermediate);
            Span<double> sMinus = block.Active(block.ScoreAtIntermediate);
            block.EvaluateScore(block.State, schedule.AlphaBar(t), block.ScoreAtState);
            for (int k = 0; k < y.Length; k++)
            {
                minus[k] = rootAlphaNext * (y[k] - (betaNext / 2 * s[k]));
            }

            block.EvaluateScore(block.Intermediate, schedule.AlphaBar(t + 1), block.ScoreAtIntermediate);
            double correction = beta * beta / (4 * betaNext);
            double inverseRoot = 1 / Math.Sqrt(schedule.Alpha(t));
            for (int k = 0; k < y.Length; k++)
            {
                y[k] = (y[k] + (beta / 2 * s[k]) + (correction * (s[k] - (rootAlphaNext * sMinus[k])))) * inverseRoot;
            }
        }
    }
}
