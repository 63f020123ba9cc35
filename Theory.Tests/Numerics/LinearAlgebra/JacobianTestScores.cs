using Diffusion.Verify.Numerics;
using Diffusion.Verify.Scores;
using Diffusion.Verify.Targets;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// Scores for the tests that compare structured ln|det J| paths (low-rank, subspace, eigenbasis) with the dense
/// ones: random targets on which the low-rank forms exist (fixed seeds), starting points, and wrappers that
/// count which forms were handed out or hide them all.
/// </summary>
internal static class JacobianTestScores
{
    /// <summary>Random targets with 2m &lt; d, so the samplers take the low-rank path; fixed seeds.</summary>
    public static IScore Make(string kind)
    {
        var draws = new Draws(kind.Sum(c => c), 41);
        IDiffusedTarget Isotropic(int d, int k) => new IsotropicMixture(
            Normalised(Enumerable.Range(0, k).Select(_ => Math.Exp(draws.Normal())).ToArray()),
            Enumerable.Range(0, k).Select(_ => draws.Normals(d).Select(v => 1.5 * v).ToArray()).ToArray(),
            Enumerable.Range(0, k).Select(_ => draws.LogUniform(0.05, 1.5)).ToArray());
        IScore Exact(IDiffusedTarget t) => new ExactScore(t);
        return kind switch
        {
            "isotropic" => Exact(Isotropic(10, 3)),
            "isotropic-k1" => Exact(Isotropic(7, 1)),

            // n = 2K = 18: several 8-wide column chunks and tails in the small products and the LU.
            "isotropic-large" => Exact(Isotropic(40, 9)),
            "gaussian" => Exact(GaussianTarget.Isotropic(9, 0.3, draws.Normals(9))),
            "embedded-r1" => Exact(new EmbeddedMixture(Isotropic(1, 3), 11, 0.4, seed: 2)),
            "embedded-r2" => Exact(new EmbeddedMixture(Isotropic(2, 3), 12, 1.7, seed: 3)),
            // More Jacobian columns than dimensions (rank m > d): the subspace recursion's basis stops at d.
            "isotropic-k6-in-d3" => Exact(Isotropic(3, 6)),
            "embedded-k4-in-d4-on-subspace" => Exact(new EmbeddedMixture(Isotropic(4, 6), 4, 0.0, seed: 7)),
            "scaled" => new ScaledScore(Exact(Isotropic(10, 3)), 0.08),
            "bias" => new BiasScore(Exact(Isotropic(10, 4)), 0.3, seed: 5),
            "oscillatory" => new OscillatoryScore(Exact(Isotropic(10, 3)), 0.2, 3.0, seed: 9),
            "oscillatory-embedded" => new OscillatoryScore(Exact(new EmbeddedMixture(Isotropic(2, 2), 9, 0.6, seed: 4)), 0.3, 2.0, seed: 8),
            "scaled-of-oscillatory" => new ScaledScore(new OscillatoryScore(Exact(Isotropic(10, 2)), 0.2, 4.0, seed: 6), -0.1),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    public static double[][] Points(int d, int count, int seed)
    {
        var draws = new Draws(seed, 43);
        return Enumerable.Range(0, count).Select(_ => draws.Normals(d)).ToArray();
    }

    private static double[] Normalised(double[] w) => w.Select(v => v / w.Sum()).ToArray();
}

/// <summary>
/// Forwards everything and counts the low-rank forms, eigenbasis forms and dense Jacobians handed out; and, at every
/// eigenbasis form or ln|det(I + c∇s)| request, whether the point had a dominant component with tiny non-zero others
/// (residual in (0, 1e−14)) or several that matter (residual above 1e−3).
/// </summary>
internal sealed class CountingScore(IScore inner) : IScore
{
    private EigenbasisJacobian? _probe;

    public IScore Inner { get; } = inner;

    public int TruncatedPoints { get; private set; }

    public int MixedPoints { get; private set; }

    public int LowRankForms { get; private set; }

    public int EigenbasisForms { get; private set; }

    public int DenseJacobians { get; private set; }

    public int Dimension => Inner.Dimension;

    public string Description => Inner.Description;

    public int ScratchLength(int rows) => Inner.ScratchLength(rows);

    public void Evaluate(ReadOnlySpan<double> x, int rows, double alphaBar, Span<double> score, Span<double> scratch) => Inner.Evaluate(x, rows, alphaBar, score, scratch);

    public void Jacobian(ReadOnlySpan<double> x, double alphaBar, Span<double> jacobian)
    {
        DenseJacobians++;
        Inner.Jacobian(x, alphaBar, jacobian);
    }

    public double LogAbsDetIdentityPlusScaledJacobian(ReadOnlySpan<double> x, double alphaBar, double scale)
    {
        _probe ??= new EigenbasisJacobian(Dimension);
        Classify(Inner.TryEigenbasisJacobian(x, alphaBar, _probe), _probe);
        return Inner.LogAbsDetIdentityPlusScaledJacobian(x, alphaBar, scale);
    }

    public bool TryLowRankJacobian(ReadOnlySpan<double> x, double alphaBar, LowRankJacobian destination)
    {
        bool found = Inner.TryLowRankJacobian(x, alphaBar, destination);
        LowRankForms += found ? 1 : 0;
        return found;
    }

    public bool TryEigenbasisJacobian(ReadOnlySpan<double> x, double alphaBar, EigenbasisJacobian destination)
    {
        bool found = Inner.TryEigenbasisJacobian(x, alphaBar, destination);
        EigenbasisForms += found ? 1 : 0;
        Classify(found, destination);
        return found;
    }

    private void Classify(bool found, EigenbasisJacobian form)
    {
        TruncatedPoints += found && form.Residual is > 0 and < 1e-14 ? 1 : 0;
        MixedPoints += found && form.Residual > 1e-3 ? 1 : 0;
    }
}

/// <summary>
/// Hides every structured form: no low-rank or eigenbasis Jacobian, and ln|det(I + c∇s)| by dense LU of the
/// dense Jacobian, so samplers take their dense chain rules.
/// </summary>
internal sealed class DenseOnlyScore(IScore inner) : IScore
{
    public int Dimension => inner.Dimension;

    public string Description => inner.Description;

    public int ScratchLength(int rows) => inner.ScratchLength(rows);

    public void Evaluate(ReadOnlySpan<double> x, int rows, double alphaBar, Span<double> score, Span<double> scratch) => inner.Evaluate(x, rows, alphaBar, score, scratch);

    public void Jacobian(ReadOnlySpan<double> x, double alphaBar, Span<double> jacobian) => inner.Jacobian(x, alphaBar, jacobian);

    public double LogAbsDetIdentityPlusScaledJacobian(ReadOnlySpan<double> x, double alphaBar, double scale)
    {
        int d = Dimension;
        var m = new double[d * d];
        inner.Jacobian(x, alphaBar, m);
        for (int i = 0; i < d * d; i++)
        {
            m[i] *= scale;
        }

        for (int i = 0; i < d; i++)
        {
            m[i * d + i] += 1;
        }

        return DenseLu.LogAbsDeterminant(m, d);
    }
}
