using System.Numerics.Tensors;
using Diffusion.Verify.Numerics;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Scores;
using Diffusion.Verify.Numerics.LinearAlgebra;

namespace Diffusion.Verify.Samplers;

/// <summary>
/// DPM-Solver-2 (Lu et al. 2022), single-step with r = ½: an exponential-integrator midpoint rule in
/// λ = ln(√ᾱ/√(1−ᾱ)); its second evaluation lies between grid levels. Second order, 2 score evaluations.
/// </summary>
public sealed class DpmSolver2Sampler : Sampler
{
    public override string Name => "dpm-solver-2";

    public override bool IsStochastic => false;

    public override int EvaluationsPerStep => 2;

    public override int Order => 2;

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

        if (block.LogDeterminant is { } logDet)
        {
            AccumulateLogDeterminant(block, t, logDet, levels, sigma, sigmaPrevious);
        }

        // Y_{t−1} = (a_{t−1}/a_t) Y_t − σ_{t−1} (e^h − 1) ε(u, ᾱ_m),   a_{t−1}/a_t = 1/√α_t
        TensorPrimitives.Multiply(y, 1 / Math.Sqrt(schedule.Alpha(t)), y);
        TensorPrimitives.MultiplyAdd(epsilonAtU, -sigmaPrevious * levels.StepGrowth, y, y);
    }

    /// <summary>
    /// J = (1/√α_t) I + σ_{t−1}(e^h − 1) σ_m S_m U with U = ∂u/∂Y_t = (a_m/a_t) I + σ_m (e^{h/2} − 1) σ_t S,
    /// S = ∇s(Y_t, ᾱ_t), S_m = ∇s(u, ᾱ_m); so √α_t J = I + γ S_m U, γ = √α_t σ_{t−1}(e^h − 1) σ_m.
    /// <para>
    /// With low-rank Jacobians S = −κ₁ I + L₁, S_m = −κ₂ I + L₂ and U = f I + η L₁ (η = σ_m (e^{h/2} − 1) σ_t,
    /// f = a_m/a_t − η κ₁): √α_t J = (1 − γ κ₂ f) I − γ κ₂ η L₁ + γ f L₂ + γ η L₂ L₁, taken by
    /// <see cref="LowRankDeterminant.Composition"/>; otherwise dense.
    /// </para>
    /// </summary>
    private static void AccumulateLogDeterminant(SamplerBlock block, int t, double[] logDet, Levels levels, double sigma, double sigmaPrevious)
    {
        NoiseSchedule schedule = block.Schedule;
        int d = block.Dimension;
        double alphaBar = schedule.AlphaBar(t);
        double outer = Math.Sqrt(schedule.Alpha(t)) * sigmaPrevious * levels.StepGrowth * levels.MidpointSigma;
        double eta = levels.MidpointSigma * levels.HalfStepGrowth * sigma;
        LowRankJacobian first = block.LowRankAtState;
        LowRankJacobian second = block.LowRankAtIntermediate;
        for (int i = 0; i < block.Rows; i++)
        {
            double logAbsDet;
            if (d > SamplerBlock.DenseJacobianDimension
                && block.Score.TryLowRankJacobian(block.Row(block.State, i), alphaBar, first)
                && block.Score.TryLowRankJacobian(block.Row(block.Intermediate, i), levels.MidpointAlphaBar, second)
                && first.Rank + second.Rank < d)
            {
                double kappa1 = first.Kappa;
                double kappa2 = second.Kappa;
                double f = levels.MidpointRatio - (eta * kappa1);
                logAbsDet = LowRankDeterminant.Composition(
                    s0MinusOne: -outer * kappa2 * f,
                    c1: -outer * kappa2 * eta,
                    c2: outer * f,
                    c12: outer * eta,
                    first,
                    second,
                    block.LowRankScratch(LowRankDeterminant.CompositionScratchLength(first.Rank, second.Rank)));
            }
            else if (!EigenbasisLogDeterminant.TryPair(block.Score, block.Row(block.State, i), alphaBar, block.Row(block.Intermediate, i), levels.MidpointAlphaBar, 0, outer * levels.MidpointRatio, outer * eta, out logAbsDet))
            {
                logAbsDet = DenseLogAbsDeterminant(block, i, alphaBar, levels, sigma, outer);
            }

            logDet[i] += -0.5 * d * schedule.LogAlpha(t) + logAbsDet;
        }
    }

    /// <summary>ln|det(√α_t J)| of row i from dense Jacobians: O(d³).</summary>
    private static double DenseLogAbsDeterminant(SamplerBlock block, int i, double alphaBar, Levels levels, double sigma, double outer)
    {
        int d = block.Dimension;
        int dd = d * d;
        Span<double> scratch = block.JacobianScratch;
        Span<double> tangent = scratch[..dd];
        Span<double> jacobianAtU = scratch.Slice(dd, dd);
        Span<double> map = scratch.Slice(2 * dd, dd);
        block.Score.Jacobian(block.Row(block.State, i), alphaBar, tangent);
        TensorPrimitives.Multiply(tangent, levels.MidpointSigma * levels.HalfStepGrowth * sigma, tangent);
        SquareMatrix.AddToDiagonal(tangent, levels.MidpointRatio, d);
        block.Score.Jacobian(block.Row(block.Intermediate, i), levels.MidpointAlphaBar, jacobianAtU);
        SquareMatrix.Multiply(jacobianAtU, tangent, map, d);
        TensorPrimitives.Multiply(map, outer, map);
        SquareMatrix.AddToDiagonal(map, 1.0, d);
        return DenseLu.LogAbsDeterminant(map, d);
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
