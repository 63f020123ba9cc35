using System.Numerics.Tensors;
using Diffusion.Verify.Numerics;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Scores;

namespace Diffusion.Verify.Samplers;

/// <summary>
/// The paper's accelerated deterministic sampler (eq. 15): a step back up to level t+1 (Φ_t) supplies a
/// difference of scores that corrects the DDIM-type step (Ψ_t) to second order; 2 score evaluations.
/// </summary>
public sealed class AccOdeSampler : Sampler
{
    public override string Name => "acc-ode";

    public override bool IsStochastic => false;

    public override int EvaluationsPerStep => 2;

    public override int Order => 2;

    public override void Step(SamplerBlock block, int t)
    {
        NoiseSchedule schedule = block.Schedule;
        double alpha = schedule.Alpha(t);
        double beta = schedule.Beta(t);
        double alphaNext = schedule.Alpha(t + 1);
        double betaNext = schedule.Beta(t + 1);
        double correction = beta * beta / (4 * betaNext);
        Span<double> y = block.Active(block.State);
        Span<double> score = block.Active(block.ScoreAtState);
        Span<double> minus = block.Active(block.Intermediate);
        Span<double> scoreAtMinus = block.Active(block.ScoreAtIntermediate);

        block.EvaluateScore(block.State, schedule.AlphaBar(t), block.ScoreAtState);

        // Y_t⁻ = Φ_t(Y_t) = √α_{t+1} ( Y_t − (1−α_{t+1})/2 · s_t(Y_t) )
        AccOdeKernels.IntermediatePoint(y, score, -betaNext / 2, Math.Sqrt(alphaNext), minus);

        block.EvaluateScore(block.Intermediate, schedule.AlphaBar(t + 1), block.ScoreAtIntermediate);

        if (block.LogDeterminant is { } logDet)
        {
            AccumulateLogDeterminant(block, t, logDet, beta, alphaNext, betaNext, correction);
        }

        // Y_{t−1} = Ψ_t(Y_t, Y_t⁻)
        //         = ( Y_t + (1−α_t)/2 · s_t(Y_t) + (1−α_t)² / (4(1−α_{t+1})) · ( s_t(Y_t) − √α_{t+1} s_{t+1}(Y_t⁻) ) ) / √α_t
        AccOdeKernels.Update(y, score, scoreAtMinus, -Math.Sqrt(alphaNext), beta / 2, correction, 1 / Math.Sqrt(alpha));
    }

    /// <summary>
    /// Chain rule through both evaluations, with S = ∇s_t(Y_t), S⁻ = ∇s_{t+1}(Y_t⁻), ∂Y_t⁻/∂Y_t = √α_{t+1}(I − (1−α_{t+1})/2 · S):
    /// √α_t J = I + a S − b S⁻ (I − e S), a = (1−α_t)/2 + c, b = c α_{t+1}, e = (1−α_{t+1})/2,
    /// c = (1−α_t)²/(4(1−α_{t+1})).
    /// <para>
    /// When the score offers low-rank Jacobians S = −κ₁ I + L₁, S⁻ = −κ₂ I + L₂ (and their ranks sum to
    /// less than d), expanding gives √α_t J = s₀ I + (a − b e κ₂) L₁ − b f L₂ + b e L₂ L₁ with f = 1 + e κ₁ and
    /// s₀ = 1 − a κ₁ + b κ₂ f, whose determinant <see cref="LowRankDeterminant.Composition"/> takes in
    /// O((m₁+m₂)² d). Otherwise the dense d×d matrices are formed and factored.
    /// </para>
    /// </summary>
    private static void AccumulateLogDeterminant(SamplerBlock block, int t, double[] logDet, double beta, double alphaNext, double betaNext, double correction)
    {
        NoiseSchedule schedule = block.Schedule;
        int d = block.Dimension;
        double alphaBar = schedule.AlphaBar(t);
        double alphaBarNext = schedule.AlphaBar(t + 1);
        double a = beta / 2 + correction;
        double b = correction * alphaNext;
        double e = betaNext / 2;
        LowRankJacobian first = block.LowRankAtState;
        LowRankJacobian second = block.LowRankAtIntermediate;
        for (int i = 0; i < block.Rows; i++)
        {
            double logAbsDet;
            if (d > SamplerBlock.DenseJacobianDimension
                && block.Score.TryLowRankJacobian(block.Row(block.State, i), alphaBar, first)
                && block.Score.TryLowRankJacobian(block.Row(block.Intermediate, i), alphaBarNext, second)
                && first.Rank + second.Rank < d)
            {
                double kappa1 = first.Kappa;
                double kappa2 = second.Kappa;
                double f = 1 + (e * kappa1);
                logAbsDet = LowRankDeterminant.Composition(
                    s0MinusOne: (-a * kappa1) + (b * kappa2 * f),
                    c1: a - (b * e * kappa2),
                    c2: -b * f,
                    c12: b * e,
                    first,
                    second,
                    block.LowRankScratch(LowRankDeterminant.CompositionScratchLength(first.Rank, second.Rank)));
            }
            else
            {
                logAbsDet = DenseLogAbsDeterminant(block, i, alphaBar, alphaBarNext, beta, alphaNext, betaNext, correction);
            }

            logDet[i] += -0.5 * d * schedule.LogAlpha(t) + logAbsDet;
        }
    }

    /// <summary>ln|det(√α_t J)| of row i from dense Jacobians: O(d³).</summary>
    private static double DenseLogAbsDeterminant(SamplerBlock block, int i, double alphaBar, double alphaBarNext, double beta, double alphaNext, double betaNext, double correction)
    {
        int d = block.Dimension;
        int dd = d * d;
        Span<double> scratch = block.JacobianScratch;
        Span<double> jacobian = scratch[..dd];
        Span<double> jacobianAtMinus = scratch.Slice(dd, dd);
        Span<double> product = scratch.Slice(2 * dd, dd);
        Span<double> map = scratch.Slice(3 * dd, dd);
        block.Score.Jacobian(block.Row(block.State, i), alphaBar, jacobian);
        block.Score.Jacobian(block.Row(block.Intermediate, i), alphaBarNext, jacobianAtMinus);
        SquareMatrix.Multiply(jacobianAtMinus, jacobian, product, d);
        TensorPrimitives.Multiply(jacobian, beta / 2 + correction, map);
        TensorPrimitives.MultiplyAdd(jacobianAtMinus, -correction * alphaNext, map, map);
        TensorPrimitives.MultiplyAdd(product, correction * alphaNext * betaNext / 2, map, map);
        SquareMatrix.AddToDiagonal(map, 1.0, d);
        return DenseLu.LogAbsDeterminant(map, d);
    }
}
