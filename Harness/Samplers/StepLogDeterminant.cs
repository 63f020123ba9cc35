using System.Numerics.Tensors;
using Diffusion.Verify.Numerics;
using Diffusion.Verify.Numerics.LinearAlgebra;
using Diffusion.Verify.Scores;

namespace Diffusion.Verify.Samplers;

/// <summary>
/// Adds one step's ln|det J| to each row of <see cref="SamplerBlock.LogDeterminant"/> for the single-step
/// deterministic samplers, whose maps all have the form √α_t J = p I + q S + r S₂ + u S₂ S with
/// S = ∇s(Y_t) and S₂ = ∇s at the step's intermediate point (<see cref="JacobianCombination"/>): through the
/// score's low-rank Jacobians and the determinant lemma when it offers them, O((m₁+m₂)² d), else in a shared
/// eigenbasis (<see cref="EigenbasisLogDeterminant"/>), O(d), else through dense d×d matrices, O(d³).
/// </summary>
internal static class StepLogDeterminant
{
    /// <summary>One evaluation: √α_t J = I + c ∇s(Y_t, ᾱ) (the score's own low-rank-or-dense determinant).</summary>
    public static void AddIdentityPlusScaled(SamplerBlock block, int t, double alphaBar, double scale)
    {
        double[] logDet = block.LogDeterminant!;
        double logScale = -0.5 * block.Dimension * block.Schedule.LogAlpha(t);
        for (int i = 0; i < block.Rows; i++)
        {
            logDet[i] += logScale + block.Score.LogAbsDetIdentityPlusScaledJacobian(block.Row(block.State, i), alphaBar, scale);
        }
    }

    /// <summary>
    /// Two evaluations, S at (<see cref="SamplerBlock.State"/>, ᾱ₁) and S₂ at
    /// (<see cref="SamplerBlock.Intermediate"/>, ᾱ₂). With S = −κ₁ I + L₁, S₂ = −κ₂ I + L₂ the map is
    /// (p − q κ₁ − r κ₂ + u κ₁ κ₂) I + (q − u κ₂) L₁ + (r − u κ₁) L₂ + u L₂ L₁, taken by
    /// <see cref="LowRankDeterminant.Composition"/> when the ranks sum to less than d.
    /// </summary>
    public static void AddTwoEvaluations(SamplerBlock block, int t, double alphaBarAtState, double alphaBarAtIntermediate, JacobianCombination map)
    {
        double[] logDet = block.LogDeterminant!;
        int d = block.Dimension;
        double logScale = -0.5 * d * block.Schedule.LogAlpha(t);
        LowRankJacobian first = block.LowRankAtState;
        LowRankJacobian second = block.LowRankAtIntermediate;
        for (int i = 0; i < block.Rows; i++)
        {
            double logAbsDet;
            if (d > SamplerBlock.DenseJacobianDimension
                && block.Score.TryLowRankJacobian(block.Row(block.State, i), alphaBarAtState, first)
                && block.Score.TryLowRankJacobian(block.Row(block.Intermediate, i), alphaBarAtIntermediate, second)
                && first.Rank + second.Rank < d)
            {
                double kappa1 = first.Kappa;
                double kappa2 = second.Kappa;
                logAbsDet = LowRankDeterminant.Composition(
                    s0MinusOne: (map.Identity - 1) - (map.AtState * kappa1) + (kappa2 * ((map.Composed * kappa1) - map.AtIntermediate)),
                    c1: map.AtState - (map.Composed * kappa2),
                    c2: map.AtIntermediate - (map.Composed * kappa1),
                    c12: map.Composed,
                    first,
                    second,
                    block.LowRankScratch(LowRankDeterminant.CompositionScratchLength(first.Rank, second.Rank)));
            }
            else if (!EigenbasisLogDeterminant.TryPair(block.Score, block.Row(block.State, i), alphaBarAtState, block.Row(block.Intermediate, i), alphaBarAtIntermediate, map, out logAbsDet))
            {
                logAbsDet = Dense(block, i, alphaBarAtState, alphaBarAtIntermediate, map);
            }

            logDet[i] += logScale + logAbsDet;
        }
    }

    /// <summary>ln|det(p I + q S + r S₂ + u S₂ S)| of row i from dense Jacobians: O(d³).</summary>
    private static double Dense(SamplerBlock block, int i, double alphaBarAtState, double alphaBarAtIntermediate, JacobianCombination map)
    {
        int d = block.Dimension;
        int dd = d * d;
        Span<double> scratch = block.JacobianScratch;
        Span<double> jacobian = scratch[..dd];
        Span<double> jacobianAtIntermediate = scratch.Slice(dd, dd);
        Span<double> product = scratch.Slice(2 * dd, dd);
        Span<double> matrix = scratch.Slice(3 * dd, dd);
        block.Score.Jacobian(block.Row(block.State, i), alphaBarAtState, jacobian);
        block.Score.Jacobian(block.Row(block.Intermediate, i), alphaBarAtIntermediate, jacobianAtIntermediate);
        SquareMatrix.Multiply(jacobianAtIntermediate, jacobian, product, d);
        TensorPrimitives.Multiply(product, map.Composed, matrix);
        TensorPrimitives.MultiplyAdd(jacobian, map.AtState, matrix, matrix);
        TensorPrimitives.MultiplyAdd(jacobianAtIntermediate, map.AtIntermediate, matrix, matrix);
        SquareMatrix.AddToDiagonal(matrix, map.Identity, d);
        return DenseLu.LogAbsDeterminant(matrix, d);
    }
}
