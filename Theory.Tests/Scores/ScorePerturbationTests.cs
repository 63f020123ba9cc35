using Diffusion.Verify.Scores;
using Diffusion.Verify.Targets;
using MathNet.Numerics.LinearAlgebra.Double;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// The perturbed scores of DESIGN §6: their values against the formulas, their Jacobians against finite
/// differences of their own Evaluate, their ln|det(I + c∇s)| against a dense determinant, and the spec.
/// </summary>
public sealed class ScorePerturbationTests
{
    /// <summary>A 3-D mixture with unequal variances, so ∇s⋆ is far from a multiple of I.</summary>
    internal static IsotropicMixture ThreeComponents() => new(
        [0.2, 0.5, 0.3],
        [[1.5, -0.5, 0.3], [-1.0, 1.0, 0.0], [0.2, 0.4, -1.8]],
        [0.1, 0.5, 1.3]);

    private static readonly double[] Levels = [0.98, 0.6, 0.05];

    private static readonly double[][] Points = [[0.3, -0.2, 0.5], [1.2, -0.4, 0.1], [-0.7, 0.9, -1.1], [0.05, 0.3, -1.6]];

    public static TheoryData<string> Kinds => ["scaled", "bias", "oscillatory", "oscillatory-aligned", "scaled-of-oscillatory"];

    private static IScore Make(string kind, IScore exact) => kind switch
    {
        "scaled" => new ScaledScore(exact, 0.07),
        "bias" => new BiasScore(exact, 0.3, seed: 5),
        "oscillatory" => new OscillatoryScore(exact, 0.2, 4.0, seed: 9),

        // u = v: the rank-one term then changes the determinant the most (det factor 1 + c a).
        "oscillatory-aligned" => new OscillatoryScore(exact, 0.25, 3.0, Unit(1, 2, -2), Unit(1, 2, -2), 0.4),
        "scaled-of-oscillatory" => new ScaledScore(new OscillatoryScore(exact, 0.2, 4.0, seed: 9), -0.1),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static double[] Unit(params double[] v)
    {
        double norm = Math.Sqrt(v.Sum(x => x * x));
        return v.Select(x => x / norm).ToArray();
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void JacobianMatchesFiniteDifferencesOfEvaluate(string kind)
    {
        IScore score = Make(kind, new ExactScore(ThreeComponents()));
        int d = score.Dimension;
        var jacobian = new double[d * d];
        var plus = new double[d];
        var minus = new double[d];
        var scratch = new double[score.ScratchLength(1)];
        const double h = 1e-5;
        foreach (double alphaBar in Levels)
        {
            foreach (double[] x in Points)
            {
                score.Jacobian(x, alphaBar, jacobian);
                double scale = 1 + jacobian.Max(Math.Abs);
                for (int j = 0; j < d; j++)
                {
                    double[] xp = (double[])x.Clone();
                    double[] xm = (double[])x.Clone();
                    xp[j] += h;
                    xm[j] -= h;
                    score.Evaluate(xp, 1, alphaBar, plus, scratch);
                    score.Evaluate(xm, 1, alphaBar, minus, scratch);
                    for (int i = 0; i < d; i++)
                    {
                        // Central difference: truncation ~h²·|∂³s| (≲ 1e−8 here), rounding ~1e−16·|s|/h.
                        double difference = (plus[i] - minus[i]) / (2 * h);
                        Assert.True(
                            Math.Abs(difference - jacobian[i * d + j]) <= 1e-6 * scale,
                            $"{kind} ᾱ={alphaBar} x=[{string.Join(",", x)}]: ∂s_{i}/∂x_{j} = {jacobian[i * d + j]:R}, finite difference {difference:R}");
                    }
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void LogDeterminantMatchesDenseDeterminantOfItsJacobian(string kind)
    {
        IScore score = Make(kind, new ExactScore(ThreeComponents()));
        int d = score.Dimension;
        var jacobian = new double[d * d];
        foreach (double alphaBar in Levels)
        {
            foreach (double[] x in Points)
            {
                foreach (double c in new[] { 0.02, -0.3, 0.45, 1.5 })
                {
                    score.Jacobian(x, alphaBar, jacobian);
                    var m = DenseMatrix.Create(d, d, (i, j) => (i == j ? 1.0 : 0.0) + c * jacobian[i * d + j]);
                    double expected = Math.Log(Math.Abs(m.Determinant()));
                    double actual = score.LogAbsDetIdentityPlusScaledJacobian(x, alphaBar, c);
                    Assert.True(Math.Abs(actual - expected) <= 1e-9 * (1 + Math.Abs(expected)), $"{kind} ᾱ={alphaBar} c={c}: {actual:R} vs {expected:R}");
                }
            }
        }
    }

    [Fact]
    public void PerturbationsAddExactlyWhatTheirFormulasSay()
    {
        IsotropicMixture target = ThreeComponents();
        var exact = new ExactScore(target);
        var scaled = new ScaledScore(exact, 0.07);
        var bias = new BiasScore(exact, 0.3, seed: 5);
        var oscillatory = new OscillatoryScore(exact, 0.2, 4.0, seed: 9);
        int d = 3;
        var x = Points.SelectMany(p => p).ToArray();
        int rows = Points.Length;
        var reference = new double[rows * d];
        var value = new double[rows * d];
        var scratch = new double[exact.ScratchLength(rows)];
        foreach (double alphaBar in Levels)
        {
            exact.Evaluate(x, rows, alphaBar, reference, scratch);

            scaled.Evaluate(x, rows, alphaBar, value, scratch);
            for (int k = 0; k < value.Length; k++)
            {
                Assert.Equal(1.07 * reference[k], value[k], 14);
            }

            bias.Evaluate(x, rows, alphaBar, value, scratch);
            for (int k = 0; k < value.Length; k++)
            {
                Assert.Equal(reference[k] + 0.3 * bias.Direction[k % d], value[k], 14);
            }

            oscillatory.Evaluate(x, rows, alphaBar, value, scratch);
            for (int r = 0; r < rows; r++)
            {
                double dot = 0;
                for (int j = 0; j < d; j++)
                {
                    dot += oscillatory.FrequencyDirection[j] * x[r * d + j];
                }

                double amplitude = 0.2 * Math.Sqrt(2) * Math.Sin(4.0 * dot + oscillatory.Phase);
                for (int i = 0; i < d; i++)
                {
                    Assert.Equal(reference[r * d + i] + amplitude * oscillatory.AmplitudeDirection[i], value[r * d + i], 14);
                }
            }
        }
    }

    [Fact]
    public void SeededDirectionsAreUnitReproducibleAndSeedDependent()
    {
        var exact = new ExactScore(ThreeComponents());
        var first = new OscillatoryScore(exact, 0.1, 2.0, seed: 3);
        var again = new OscillatoryScore(exact, 0.1, 2.0, seed: 3);
        var other = new OscillatoryScore(exact, 0.1, 2.0, seed: 4);
        Assert.Equal(first.AmplitudeDirection.ToArray(), again.AmplitudeDirection.ToArray());
        Assert.Equal(first.FrequencyDirection.ToArray(), again.FrequencyDirection.ToArray());
        Assert.Equal(first.Phase, again.Phase);
        Assert.NotEqual(first.AmplitudeDirection.ToArray(), other.AmplitudeDirection.ToArray());
        Assert.NotEqual(first.AmplitudeDirection.ToArray(), first.FrequencyDirection.ToArray());
        Assert.NotEqual(first.Phase, other.Phase);
        Assert.InRange(first.Phase, 0, 2 * Math.PI);
        foreach (double[] v in new[] { first.AmplitudeDirection.ToArray(), first.FrequencyDirection.ToArray(), new BiasScore(exact, 1, seed: 8).Direction.ToArray() })
        {
            Assert.Equal(1.0, Math.Sqrt(v.Sum(a => a * a)), 14);
        }
    }

    [Fact]
    public void EvaluateAllocatesNothing()
    {
        IsotropicMixture target = ThreeComponents();
        var exact = new ExactScore(target);
        IScore[] scores = [new ScaledScore(exact, 0.1), new BiasScore(exact, 0.1, seed: 1), new OscillatoryScore(exact, 0.1, 3, seed: 1)];
        const int rows = 64;
        var x = new double[rows * 3];
        for (int k = 0; k < x.Length; k++)
        {
            x[k] = Math.Sin(k);
        }

        var output = new double[x.Length];
        foreach (IScore score in scores)
        {
            var scratch = new double[score.ScratchLength(rows)];
            score.Evaluate(x, rows, 0.5, output, scratch);
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int repeat = 0; repeat < 100; repeat++)
            {
                score.Evaluate(x, rows, 0.5, output, scratch);
            }

            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
    }

    [Fact]
    public void SpecAppliesEachKindAndLabelsIt()
    {
        var exact = new ExactScore(ThreeComponents());
        Assert.Same(exact, ScorePerturbationSpec.Exact.Apply(exact));
        var scaled = Assert.IsType<ScaledScore>(new ScorePerturbationSpec("scaled", 0.05).Apply(exact));
        Assert.Equal(0.05, scaled.Delta);
        var bias = Assert.IsType<BiasScore>(new ScorePerturbationSpec("bias", 0.2, Seed: 4).Apply(exact));
        Assert.Equal(new BiasScore(exact, 0.2, seed: 4).Direction.ToArray(), bias.Direction.ToArray());
        var oscillatory = Assert.IsType<OscillatoryScore>(new ScorePerturbationSpec("oscillatory", 0.1, 20, Seed: 4).Apply(exact));
        Assert.Equal(20, oscillatory.Omega);
        Assert.Equal("oscillatory(ε=0.1,ω=20)", oscillatory.Description);
        Assert.Equal("oscillatory(ε=0.1,ω=20)", new ScorePerturbationSpec("oscillatory", 0.1, 20).Label);
        Assert.Equal("scaled(δ=-0.1)∘oscillatory(ε=0.1,ω=20)", new ScaledScore(oscillatory, -0.1).Description);
    }

    [Theory]
    [InlineData("noisy", 0.1, 0, "score.kind")]
    [InlineData("scaled", -1.0, 0, "score.magnitude")]
    [InlineData("scaled", double.NaN, 0, "score.magnitude")]
    [InlineData("bias", -0.1, 0, "score.magnitude")]
    [InlineData("bias", double.PositiveInfinity, 0, "score.magnitude")]
    [InlineData("oscillatory", 0.1, 0, "score.omega")]
    [InlineData("oscillatory", 0.1, double.NaN, "score.omega")]
    [InlineData("oscillatory", -0.1, 5, "score.magnitude")]
    public void SpecRejectsInvalidFieldsByName(string kind, double magnitude, double omega, string field)
    {
        var exact = new ExactScore(ThreeComponents());
        var e = Assert.Throws<InvalidSpecificationException>(() => new ScorePerturbationSpec(kind, magnitude, omega).Apply(exact));
        Assert.Equal(field, e.Field);
    }

    [Fact]
    public void ExplicitDirectionsMustBeUnitVectorsOfDimensionD()
    {
        var exact = new ExactScore(ThreeComponents());
        Assert.Equal("direction", Assert.Throws<InvalidSpecificationException>(() => new BiasScore(exact, 0.1, new double[] { 1, 1, 0 })).Field);
        Assert.Equal("direction", Assert.Throws<InvalidSpecificationException>(() => new BiasScore(exact, 0.1, new double[] { 1, 0 })).Field);
        Assert.Equal(
            "frequencyDirection",
            Assert.Throws<InvalidSpecificationException>(() => new OscillatoryScore(exact, 0.1, 1, new double[] { 1, 0, 0 }, new double[] { 0, 0, 2 }, 0)).Field);
    }
}
