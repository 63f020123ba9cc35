using Diffusion.Verify.Targets;
using Diffusion.Verify.Numerics.LinearAlgebra;

namespace Diffusion.Verify.Scores;

/// <summary>The target's closed-form score s⋆ = ∇ ln q_t.</summary>
public sealed class ExactScore(IDiffusedTarget target) : IScore
{
    public IDiffusedTarget Target { get; } = target;

    public int Dimension => Target.Dimension;

    public string Description => "exact";

    public int ScratchLength(int rows) => Target.ScratchLength(rows);

    public void Evaluate(ReadOnlySpan<double> x, int rows, double alphaBar, Span<double> score, Span<double> scratch)
        => Target.ScoreBlock(x, rows, alphaBar, score, scratch);

    public void Jacobian(ReadOnlySpan<double> x, double alphaBar, Span<double> jacobian)
        => Target.Jacobian(x, alphaBar, jacobian);

    public double LogAbsDetIdentityPlusScaledJacobian(ReadOnlySpan<double> x, double alphaBar, double scale)
        => Target.LogAbsDetIdentityPlusScaledJacobian(x, alphaBar, scale);

    public bool TryLowRankJacobian(ReadOnlySpan<double> x, double alphaBar, LowRankJacobian destination)
        => Target.TryLowRankJacobian(x, alphaBar, destination);

    public bool TryEigenbasisJacobian(ReadOnlySpan<double> x, double alphaBar, EigenbasisJacobian destination)
        => Target.TryEigenbasisJacobian(x, alphaBar, destination);
}
