using System.Numerics.Tensors;
using Diffusion.Verify.Numerics.LinearAlgebra;

namespace Diffusion.Verify.Scores;

/// <summary>
/// s ← (1 + δ) s (DESIGN §6): the ℓ2 error is |δ|·‖s‖ and the Jacobian error |δ|·‖∇s‖, both growing
/// where the score is large, as a mis-calibrated network's would.
/// </summary>
public sealed class ScaledScore : IScore
{
    private readonly double _factor;

    public ScaledScore(IScore inner, double delta)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (!double.IsFinite(delta) || delta <= -1)
        {
            throw new InvalidSpecificationException("delta", delta.ToString("R"), "the scale error δ must be finite and > −1 (1 + δ ≤ 0 would flip the score)");
        }

        Inner = inner;
        Delta = delta;
        _factor = 1.0 + delta;
    }

    public IScore Inner { get; }

    public double Delta { get; }

    public int Dimension => Inner.Dimension;

    public string Description => PerturbationDirection.Describe($"scaled(δ={Delta:G6})", Inner);

    public int ScratchLength(int rows) => Inner.ScratchLength(rows);

    public void Evaluate(ReadOnlySpan<double> x, int rows, double alphaBar, Span<double> score, Span<double> scratch)
    {
        Inner.Evaluate(x, rows, alphaBar, score, scratch);
        Span<double> values = score[..(rows * Dimension)];
        TensorPrimitives.Multiply(values, _factor, values);
    }

    public void Jacobian(ReadOnlySpan<double> x, double alphaBar, Span<double> jacobian)
    {
        Inner.Jacobian(x, alphaBar, jacobian);
        Span<double> values = jacobian[..(Dimension * Dimension)];
        TensorPrimitives.Multiply(values, _factor, values);
    }

    /// <summary>I + c(1+δ)∇s: the inner score's determinant at the scale c(1 + δ), with its structure kept.</summary>
    public double LogAbsDetIdentityPlusScaledJacobian(ReadOnlySpan<double> x, double alphaBar, double scale)
        => Inner.LogAbsDetIdentityPlusScaledJacobian(x, alphaBar, scale * _factor);

    /// <summary>(1 + δ)(−κ I + P C Qᵀ): κ and C scale.</summary>
    public bool TryLowRankJacobian(ReadOnlySpan<double> x, double alphaBar, LowRankJacobian destination)
    {
        if (!Inner.TryLowRankJacobian(x, alphaBar, destination))
        {
            return false;
        }

        destination.Scale(_factor);
        return true;
    }

    /// <summary>(1 + δ) Q diag(λ) Qᵀ: the eigenvalues scale.</summary>
    public bool TryEigenbasisJacobian(ReadOnlySpan<double> x, double alphaBar, EigenbasisJacobian destination)
    {
        if (!Inner.TryEigenbasisJacobian(x, alphaBar, destination))
        {
            return false;
        }

        destination.Scale(_factor);
        return true;
    }
}
