using Diffusion.Verify.Numerics;
using Diffusion.Verify.Scores;
using Diffusion.Verify.Targets;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>The eigenbasis Gaussian score the exact evaluator drives the samplers with.</summary>
public sealed class ExactDiagonalGaussianScoreTests
{
    [Theory]
    [InlineData(0.999)]
    [InlineData(0.4)]
    [InlineData(1e-6)]
    public void EqualsTheIsotropicMixtureScoreForAnIsotropicGaussian(double alphaBar)
    {
        double[] mean = [1.5, -0.4, 0.0];
        var mixture = new IsotropicMixture([1.0], [mean], [0.3]);
        var score = new DiagonalGaussianScore(mean, [0.3, 0.3, 0.3]);
        var random = new Random(1);
        const int rows = 5;
        var x = new double[rows * 3];
        for (int k = 0; k < x.Length; k++)
        {
            x[k] = (random.NextDouble() * 6) - 3;
        }

        var expected = new double[x.Length];
        var actual = new double[x.Length];
        mixture.ScoreBlock(x, rows, alphaBar, expected, new double[mixture.ScratchLength(rows)]);
        score.Evaluate(x, rows, alphaBar, actual, new double[score.ScratchLength(rows)]);
        for (int k = 0; k < x.Length; k++)
        {
            Assert.Equal(expected[k], actual[k], 1e-13 * (1 + Math.Abs(expected[k])));
        }

        Assert.Equal(
            mixture.LogAbsDetIdentityPlusScaledJacobian(x.AsSpan(0, 3), alphaBar, 0.2),
            score.LogAbsDetIdentityPlusScaledJacobian(x.AsSpan(0, 3), alphaBar, 0.2),
            1e-13);
    }

    [Fact]
    public void IsTheGradientOfTheDiffusedLogDensityWithADiagonalJacobian()
    {
        double[] means = [2.0, -1.0, 0.5];
        double[] eigenvalues = [4.0, 0.01, 1.0];
        const double alphaBar = 0.7;
        var score = new DiagonalGaussianScore(means, eigenvalues);
        double[] x = [0.3, -0.2, 1.7];
        double LogDensity(double[] y)
        {
            double sum = 0;
            for (int j = 0; j < 3; j++)
            {
                double v = (alphaBar * eigenvalues[j]) + (1 - alphaBar);
                double u = y[j] - (Math.Sqrt(alphaBar) * means[j]);
                sum += (-0.5 * u * u / v) - (0.5 * Math.Log(2 * Math.PI * v));
            }

            return sum;
        }

        var s = new double[3];
        score.Evaluate(x, 1, alphaBar, s, new double[score.ScratchLength(1)]);
        var jacobian = new double[9];
        score.Jacobian(x, alphaBar, jacobian);
        for (int j = 0; j < 3; j++)
        {
            const double h = 1e-5;
            double[] up = (double[])x.Clone();
            double[] down = (double[])x.Clone();
            up[j] += h;
            down[j] -= h;
            Assert.Equal((LogDensity(up) - LogDensity(down)) / (2 * h), s[j], 1e-6);
            for (int k = 0; k < 3; k++)
            {
                double expected = j == k ? -1 / ((alphaBar * eigenvalues[j]) + (1 - alphaBar)) : 0.0;
                Assert.Equal(expected, jacobian[(j * 3) + k], 1e-15);
            }
        }

        // ln|det(I + c∇s)| against a dense LU of the same matrix, with c large enough to flip a sign.
        foreach (double c in new[] { 0.3, 0.05, 2.0 })
        {
            var matrix = new double[9];
            for (int k = 0; k < 9; k++)
            {
                matrix[k] = (k % 4 == 0 ? 1.0 : 0.0) + (c * jacobian[k]);
            }

            Assert.Equal(DenseLu.LogAbsDeterminant(matrix, 3), score.LogAbsDetIdentityPlusScaledJacobian(x, alphaBar, c), 1e-12);
        }
    }

    [Fact]
    public void RejectsNonPositiveEigenvaluesAndMismatchedLengths()
    {
        Assert.Throws<InvalidSpecificationException>(() => new DiagonalGaussianScore([0.0, 1.0], [1.0, 0.0]));
        Assert.Throws<InvalidSpecificationException>(() => new DiagonalGaussianScore([0.0, 1.0], [1.0]));
        Assert.Throws<InvalidSpecificationException>(() => new DiagonalGaussianScore([double.NaN], [1.0]));
    }
}
