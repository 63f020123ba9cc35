using System.Numerics.Tensors;
using Diffusion.Verify.Numerics;
using Diffusion.Verify.Schedules;

namespace Diffusion.Verify.Samplers;

/// <summary>
/// DPM-Solver-2 (Lu et al. 2022), single-step with r = ½: an exponential-integrator midpoint rule in
/// λ = ln(√ᾱ/√(1−ᾱ)); its second evaluation lies between grid levels. Second order, 2 score evaluations.
/// </summary>
public sealed class DpmSolver2Sampler() : Sampler("dpm-solver-2", order: 2, evaluationsPerStep: 2, isStochastic: false)
{
    public override void Step(SamplerBlock block, int t)
    {
        NoiseSchedule schedule = block.Schedule;
        Levels levels = Levels.At(schedule, t);
        double sigma = Math.Sqrt(schedule.OneMinusAlphaBar(t));
        double sigmaPrevious = Math.Sqrt(schedule.OneMinusAlphaBar(t - 1));
        Span<double> y = block.Active(block.State);
        Span<double> epsilon = block.Active(block.ScoreAtState);
        Span<double> u = block.Active(block.Intermediate);
        Span<double> epsilonAtU = block.Active(block.ScoreAtIntermediate);

        // ε(Y_t, ᾱ_t) = −σ_t s(Y_t, ᾱ_t)
        block.EvaluateScore(block.State, schedule.AlphaBar(t), block.ScoreAtState);
        TensorPrimitives.Multiply(epsilon, -sigma, epsilon);

        // u = (a_m/a_t) Y_t − σ_m (e^{h/2} − 1) ε(Y_t, ᾱ_t)
        TensorPrimitives.Multiply(y, levels.MidpointRatio, u);
        TensorPrimitives.MultiplyAdd(epsilon, -levels.MidpointSigma * levels.HalfStepGrowth, u, u);

        // ε(u, ᾱ_m) = −σ_m s(u, ᾱ_m)
        block.EvaluateScore(block.Intermediate, levels.MidpointAlphaBar, block.ScoreAtIntermediate);
        TensorPrimitives.Multiply(epsilonAtU, -levels.MidpointSigma, epsilonAtU);

        if (block.LogDeterminant is not null)
        {
            // √α_t J = I + γ S_m U, U = ∂u/∂Y_t = (a_m/a_t) I + η S, S = ∇s(Y_t, ᾱ_t), S_m = ∇s(u, ᾱ_m),
            // γ = √α_t σ_{t−1} (e^h − 1) σ_m, η = σ_m (e^{h/2} − 1) σ_t
            double gamma = Math.Sqrt(schedule.Alpha(t)) * sigmaPrevious * levels.StepGrowth * levels.MidpointSigma;
            double eta = levels.MidpointSigma * levels.HalfStepGrowth * sigma;
            StepLogDeterminant.AddTwoEvaluations(block, t, schedule.AlphaBar(t), levels.MidpointAlphaBar, new JacobianCombination(Identity: 1, AtState: 0, AtIntermediate: gamma * levels.MidpointRatio, Composed: gamma * eta));
        }

        // Y_{t−1} = (a_{t−1}/a_t) Y_t − σ_{t−1} (e^h − 1) ε(u, ᾱ_m),   a_{t−1}/a_t = 1/√α_t
        TensorPrimitives.Multiply(y, 1 / Math.Sqrt(schedule.Alpha(t)), y);
        TensorPrimitives.MultiplyAdd(epsilonAtU, -sigmaPrevious * levels.StepGrowth, y, y);
    }

    /// <summary>The λ-grid quantities of one step, each computed without cancellation.</summary>
    private readonly record struct Levels(double MidpointAlphaBar, double MidpointSigma, double MidpointRatio, double HalfStepGrowth, double StepGrowth)
    {
        public static Levels At(NoiseSchedule schedule, int t)
        {
            // λ = ln(a/σ) = ½ ln(ᾱ/(1−ᾱ)). h = λ_{t−1} − λ_t = ½( −ln α_t + ln((1−ᾱ_t)/(1−ᾱ_{t−1})) ), and
            // (1−ᾱ_t)/(1−ᾱ_{t−1}) = 1 + ᾱ_{t−1} β_t / (1−ᾱ_{t−1}).
            double lambda = 0.5 * (schedule.LogAlphaBar(t) - Math.Log(schedule.OneMinusAlphaBar(t)));
            double h = 0.5 * (-schedule.LogAlpha(t) + Elementary.Log1P(schedule.AlphaBar(t - 1) * schedule.Beta(t) / schedule.OneMinusAlphaBar(t - 1)));
            double lambdaMid = lambda + h / 2;

            // ᾱ_m = sigmoid(2λ_m), ln ᾱ_m = −softplus(−2λ_m), σ_m² = sigmoid(−2λ_m)
            double logAlphaBarMid = -Elementary.Softplus(-2 * lambdaMid);
            return new Levels(
                MidpointAlphaBar: Elementary.Sigmoid(2 * lambdaMid),
                MidpointSigma: Math.Sqrt(Elementary.Sigmoid(-2 * lambdaMid)),
                MidpointRatio: Math.Exp(0.5 * (logAlphaBarMid - schedule.LogAlphaBar(t))),
                HalfStepGrowth: Elementary.ExpM1(h / 2),
                StepGrowth: Elementary.ExpM1(h));
        }
    }
}
