using System.Numerics.Tensors;
using Diffusion.Verify.Numerics.LinearAlgebra;

namespace Diffusion.Verify.Scores;

/// <summary>
/// s ← s + ε b with b a fixed unit vector (DESIGN §6): ℓ2 error exactly ε at every x and level, Jacobian
/// error exactly 0. It isolates ε_score from ε_Jacobi.
/// </summary>
public sealed class BiasScore : IScore
{
    private readonly double[] _direction;

    /// <summary>b drawn uniformly on the unit sphere from <paramref name="seed"/> (score-perturbation stream).</summary>
    public BiasScore(IScore inner, double epsilon, long seed)
        : this(inner, epsilon, PerturbationDirection.RandomUnit(CheckInner(inner).Dimension, seed, 0))
    {
    }

    /// <summary>b given explicitly; it must be a unit vector of dimension d.</summary>
    public BiasScore(IScore inner, double epsilon, ReadOnlySpan<double> direction)
    {
        CheckInner(inner);
        if (!double.IsFinite(epsilon) || epsilon < 0)
        {
            throw new InvalidSpecificationException("epsilon", epsilon.ToString("R"), "the bias size ε must be finite and ≥ 0");
        }

        Inner = inner;
        Epsilon = epsilon;
        _direction = PerturbationDirection.CheckedUnit(direction, inner.Dimension, "direction");
    }

    public IScore Inner { get; }

    public double Epsilon { get; }

    /// <summary>The unit vector b.</summary>
    public ReadOnlySpan<double> Direction => _direction;

    public int Dimension => Inner.Dimension;

    public string Description => PerturbationDirection.Describe($"bias(ε={Epsilon:G6})", Inner);

    public int ScratchLength(int rows) => Inner.ScratchLength(rows);

    public void Evaluate(ReadOnlySpan<double> x, int rows, double alphaBar, Span<double> score, Span<double> scratch)
    {
        Inner.Evaluate(x, rows, alphaBar, score, scratch);
        int d = Dimension;
        for (int r = 0; r < rows; r++)
        {
            Span<double> row = score.Slice(r * d, d);
            TensorPrimitives.MultiplyAdd(_direction, Epsilon, row, row);
        }
    }

    /// <summary>A constant shift has no Jacobian: ∇s is the inner score's.</summary>
    public void Jacobian(ReadOnlySpan<double> x, double alphaBar, Span<double> jacobian)
        => Inner.Jacobian(x, alphaBar, jacobian);

    public double LogAbsDetIdentityPlusScaledJacobian(ReadOnlySpan<double> x, double alphaBar, double scale)
        => Inner.LogAbsDetIdentityPlusScaledJacobian(x, alphaBar, scale);

    public bool TryLowRankJacobian(ReadOnlySpan<double> x, double alphaBar, LowRankJacobian destination)
        => Inner.TryLowRankJacobian(x, alphaBar, destination);

    public bool TryEigenbasisJacobian(ReadOnlySpan<double> x, double alphaBar, EigenbasisJacobian destination)
        => Inner.TryEigenbasisJacobian(x, alphaBar, destination);

    private static IScore CheckInner(IScore inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        return inner;
    }
}
