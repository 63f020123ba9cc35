using Diffusion.Verify.Schedules;

namespace Diffusion.Verify.Samplers;

/// <summary>
/// The paper's accelerated deterministic sampler (eq. 15): a step back up to level t+1 (Φ_t) supplies a
/// difference of scores that corrects the DDIM-type step (Ψ_t) to second order; 2 score evaluations.
/// </summary>
public sealed class AccOdeSampler() : Sampler("acc-ode", order: 2, evaluationsPerStep: 2, isStochastic: false)
{
    public override void Step(SamplerBlock block, int t)
    {
        NoiseSchedule schedule = block.Schedule;
        double alpha = schedule.Alpha(t);
        double beta = schedule.Beta(t);
        double alphaNext = schedule.Alpha(t + 1);
        double betaNext = schedule.Beta(t + 1);
        double correction = beta * beta / (4 * betaNext);

        // Y_t⁻ = Φ_t(Y_t) = √α_{t+1} ( Y_t − (1−α_{t+1})/2 · s_t(Y_t) )
        block.EvaluateScore(block.State, schedule.AlphaBar(t), block.ScoreAtState);
        AccOdeKernels.IntermediatePoint(block.Active(block.State), block.Active(block.ScoreAtState), -betaNext / 2, Math.Sqrt(alphaNext), block.Active(block.Intermediate));
        block.EvaluateScore(block.Intermediate, schedule.AlphaBar(t + 1), block.ScoreAtIntermediate);

        if (block.LogDeterminant is not null)
        {
            // √α_t J = I + a S − b S⁻ (I − e S), S = ∇s_t(Y_t), S⁻ = ∇s_{t+1}(Y_t⁻),
            // a = (1−α_t)/2 + c, b = c α_{t+1}, e = (1−α_{t+1})/2, c = (1−α_t)²/(4(1−α_{t+1}))
            double a = beta / 2 + correction;
            double b = correction * alphaNext;
            double e = betaNext / 2;
            StepLogDeterminant.AddTwoEvaluations(block, t, schedule.AlphaBar(t), schedule.AlphaBar(t + 1), new JacobianCombination(Identity: 1, AtState: a, AtIntermediate: -b, Composed: b * e));
        }

        // Y_{t−1} = Ψ_t(Y_t, Y_t⁻)
        //         = ( Y_t + (1−α_t)/2 · s_t(Y_t) + (1−α_t)² / (4(1−α_{t+1})) · ( s_t(Y_t) − √α_{t+1} s_{t+1}(Y_t⁻) ) ) / √α_t
        block.StateCheckedFinite = AccOdeKernels.Update(block.Active(block.State), block.Active(block.ScoreAtState), block.Active(block.ScoreAtIntermediate), -Math.Sqrt(alphaNext), beta / 2, correction, 1 / Math.Sqrt(alpha));
    }
}
