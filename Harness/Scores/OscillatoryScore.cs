using System.Numerics.Tensors;
using Diffusion.Verify.Numerics;
using Diffusion.Verify.Numerics.LinearAlgebra;

namespace Diffusion.Verify.Scores;

/// <summary>
/// s ← s + p with p(x) = ε √2 sin(θ(x)) u, θ(x) = ω⟨v, x⟩ + φ, u and v unit vectors (DESIGN §6).
/// <para>
/// ℓ2 error: ‖p‖² = 2ε² sin²θ = ε² (1 − cos 2θ). When ω times the spread of ⟨v, X_t⟩ is large, θ mod 2π is
/// nearly uniform and E‖p‖² → ε²; for ⟨v, X_t⟩ ~ N(m, σ²) exactly E‖p‖² = ε² (1 − e^{−2ω²σ²} cos(2ωm + 2φ)).
/// </para>
/// <para>
/// Jacobian error: ∇p = ε √2 ω cos θ · u vᵀ, rank one, so ‖∇p‖₂ = ε √2 ω |cos θ| ‖u‖‖v‖ = ε √2 ω |cos θ|
/// whatever ⟨u, v⟩ is (the overlap enters only the determinant, det(I + a u vᵀ) = 1 + a⟨v, u⟩). With θ
/// spread, E|cos θ| → 2/π and the Jacobian error → (2√2/π) ε ω ≈ 0.900 ε ω: ε_Jacobi grows with ω at
/// fixed ε_score.
/// </para>
/// </summary>
public sealed class OscillatoryScore : IScore
{
    private static readonly double Sqrt2 = Math.Sqrt(2.0);

    [ThreadStatic]
    private static double[]? t_matrix;

    [ThreadStatic]
    private static LowRankJacobian? t_lowRank;

    private readonly double[] _amplitudeDirection;
    private readonly double[] _frequencyDirection;

    /// <summary>u, v uniform on the unit sphere and φ uniform on [0, 2π), all from <paramref name="seed"/>.</summary>
    public OscillatoryScore(IScore inner, double epsilon, double omega, long seed)
        : this(
            inner,
            epsilon,
            omega,
            PerturbationDirection.RandomUnit(CheckInner(inner).Dimension, seed, 0),
            PerturbationDirection.RandomUnit(inner.Dimension, seed, 1),
            PerturbationDirection.RandomPhase(seed, 2))
    {
    }

    /// <summary>u (the direction the error points in), v (the direction it oscillates along) and φ given.</summary>
    public OscillatoryScore(IScore inner, double epsilon, double omega, ReadOnlySpan<double> amplitudeDirection, ReadOnlySpan<double> frequencyDirection, double phase)
    {
        CheckInner(inner);
        if (!double.IsFinite(epsilon) || epsilon < 0)
        {
            throw new InvalidSpecificationException("epsilon", epsilon.ToString("R"), "the oscillation size ε must be finite and ≥ 0");
        }

        if (!double.IsFinite(omega) || omega <= 0)
        {
            throw new InvalidSpecificationException("omega", omega.ToString("R"), "the frequency ω must be finite and > 0");
        }

        if (!double.IsFinite(phase))
        {
            throw new InvalidSpecificationException("phase", phase.ToString("R"), "the phase φ must be finite");
        }

        Inner = inner;
        Epsilon = epsilon;
        Omega = omega;
        Phase = phase;
        _amplitudeDirection = PerturbationDirection.CheckedUnit(amplitudeDirection, inner.Dimension, "amplitudeDirection");
        _frequencyDirection = PerturbationDirection.CheckedUnit(frequencyDirection, inner.Dimension, "frequencyDirection");
    }

    public IScore Inner { get; }

    public double Epsilon { get; }

    public double Omega { get; }

    public double Phase { get; }

    /// <summary>u: the perturbation is ε√2 sin(θ) u.</summary>
    public ReadOnlySpan<double> AmplitudeDirection => _amplitudeDirection;

    /// <summary>v: θ = ω⟨v, x⟩ + φ.</summary>
    public ReadOnlySpan<double> FrequencyDirection => _frequencyDirection;

    public int Dimension => Inner.Dimension;

    public string Description => PerturbationDirection.Describe($"oscillatory(ε={Epsilon:G6},ω={Omega:G6})", Inner);

    public int ScratchLength(int rows) => Inner.ScratchLength(rows);

    public void Evaluate(ReadOnlySpan<double> x, int rows, double alphaBar, Span<double> score, Span<double> scratch)
    {
        Inner.Evaluate(x, rows, alphaBar, score, scratch);
        int d = Dimension;
        double amplitude = Epsilon * Sqrt2;
        for (int r = 0; r < rows; r++)
        {
            double theta = Angle(x.Slice(r * d, d));
            Span<double> row = score.Slice(r * d, d);
            TensorPrimitives.MultiplyAdd(_amplitudeDirection, amplitude * Math.Sin(theta), row, row);
        }
    }

    /// <summary>∇s_inner + ε√2 ω cos θ · u vᵀ (row i = ∂s_i/∂x).</summary>
    public void Jacobian(ReadOnlySpan<double> x, double alphaBar, Span<double> jacobian)
    {
        Inner.Jacobian(x, alphaBar, jacobian);
        AddRankOne(jacobian, JacobianCoefficient(x));
    }

    /// <summary>
    /// ln|det(I + c∇s_inner + c a u vᵀ)| with a = ε√2ω cos θ. When the inner score has a low-rank Jacobian the
    /// rank-one term is appended to it and the determinant lemma applies (O(m² d)); otherwise this forms the
    /// dense matrix and factors it (O(d³), one d×d buffer per thread). Where a = 0 the inner score's
    /// structured determinant is returned unchanged.
    /// </summary>
    public double LogAbsDetIdentityPlusScaledJacobian(ReadOnlySpan<double> x, double alphaBar, double scale)
    {
        double coefficient = JacobianCoefficient(x);
        if (coefficient * scale == 0)
        {
            return Inner.LogAbsDetIdentityPlusScaledJacobian(x, alphaBar, scale);
        }

        int d = Dimension;
        if (t_lowRank is null || t_lowRank.Dimension != d)
        {
            t_lowRank = new LowRankJacobian(d);
        }

        if (Inner.TryLowRankJacobian(x, alphaBar, t_lowRank) && t_lowRank.Rank + 1 < d)
        {
            t_lowRank.AppendRankOne(_amplitudeDirection, _frequencyDirection, coefficient);
            return LowRankDeterminant.IdentityPlusScaled(t_lowRank, scale);
        }

        int size = d * d;
        if (t_matrix is null || t_matrix.Length < size)
        {
            t_matrix = new double[size];
        }

        Span<double> matrix = t_matrix.AsSpan(0, size);
        Inner.Jacobian(x, alphaBar, matrix);
        AddRankOne(matrix, coefficient);
        TensorPrimitives.Multiply(matrix, scale, matrix);
        for (int i = 0; i < d; i++)
        {
            matrix[i * d + i] += 1.0;
        }

        return DenseLu.LogAbsDeterminant(matrix, d);
    }

    /// <summary>The inner score's low-rank Jacobian with ε√2ω cos θ · u vᵀ appended as one more column pair.</summary>
    public bool TryLowRankJacobian(ReadOnlySpan<double> x, double alphaBar, LowRankJacobian destination)
    {
        if (!Inner.TryLowRankJacobian(x, alphaBar, destination))
        {
            return false;
        }

        destination.AppendRankOne(_amplitudeDirection, _frequencyDirection, JacobianCoefficient(x));
        return true;
    }

    /// <summary>a(x) = ε√2 ω cos θ(x), the size of the rank-one Jacobian term.</summary>
    public double JacobianCoefficient(ReadOnlySpan<double> x) => Epsilon * Sqrt2 * Omega * Math.Cos(Angle(x));

    private double Angle(ReadOnlySpan<double> x) => Omega * TensorPrimitives.Dot(_frequencyDirection, x) + Phase;

    private void AddRankOne(Span<double> matrix, double coefficient)
    {
        int d = Dimension;
        double c = coefficient;
        if (c == 0)
        {
            return;
        }

        for (int i = 0; i < d; i++)
        {
            Span<double> row = matrix.Slice(i * d, d);
            TensorPrimitives.MultiplyAdd(_frequencyDirection, c * _amplitudeDirection[i], row, row);
        }
    }

    private static IScore CheckInner(IScore inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        return inner;
    }
}
