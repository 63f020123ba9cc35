using Diffusion.Verify.Numerics;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Scores;
using Diffusion.Verify.Targets;
using MathNet.Numerics.LinearAlgebra.Double;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// The measured ε_score and ε_Jacobi reproduce what each perturbation is known to do (DESIGN §6), within
/// 5 standard errors where the comparison is statistical and to rounding where it is exact.
/// </summary>
public sealed class ScoreErrorMeasurementTests
{
    private static readonly NoiseSchedule Li2024 = Li2024Schedule.Create(200, 2.0, 6.0);
    private static readonly NoiseSchedule LogSnr = LogSnrSchedule.Create(60);

    [Fact]
    public void ScaledOnAGaussianGivesDeltaSquaredTimesTheFisherInformation()
    {
        // q_t = N(√ᾱ μ, v_t I), v_t = ᾱσ² + 1 − ᾱ: E‖s⋆‖² = d/v_t and ∇s⋆ = −I/v_t, so
        // ε_score² = δ² mean_t(d/v_t) and ε_Jacobi = |δ| mean_t(1/v_t) exactly (the norm is not random).
        const double delta = 0.05;
        const double variance = 0.3;
        var target = new IsotropicMixture([1.0], [[0.5, -1.0, 2.0, 0.0]], [variance]);
        var options = new ScoreErrorOptions { SamplesPerLevel = 400, LevelStride = 5, Seed = 11 };
        ScoreErrorEstimate estimate = ScoreErrorMeasurement.Measure(new ScaledScore(new ExactScore(target), delta), target, Li2024, options);

        Assert.Equal(40, estimate.Levels.Count);
        double meanInverseVariance = estimate.Levels.Average(t => 1.0 / target.DiffusedVariance(0, Li2024.AlphaBar(t)));
        double expectedSquared = delta * delta * 4 * meanInverseVariance;
        AssertWithinSigma(expectedSquared, estimate.ScoreErrorSquared, estimate.ScoreErrorSquaredStandardError, "ε_score²");
        Assert.True(estimate.ScoreErrorSquaredStandardError < 0.02 * expectedSquared, "the comparison must be informative");
        Assert.Equal(delta * meanInverseVariance, estimate.JacobianError, 1e-12 * delta * meanInverseVariance);
        Assert.True(estimate.JacobianErrorStandardError < 1e-12);
    }

    [Fact]
    public void ScaledOnAMixtureMatchesTheFisherIdentity()
    {
        // E‖∇ ln q‖² = −E tr ∇² ln q (integration by parts): an estimate of E‖s⋆‖² that never squares the
        // score, drawn here from independent samples.
        const double delta = -0.08;
        IsotropicMixture target = ScorePerturbationTests.ThreeComponents();
        var options = new ScoreErrorOptions { SamplesPerLevel = 600, LevelStride = 2, Seed = 21 };
        ScoreErrorEstimate estimate = ScoreErrorMeasurement.Measure(new ScaledScore(new ExactScore(target), delta), target, LogSnr, options);

        (double traceMean, double traceStandardError) = MeanNegativeTrace(target, LogSnr, estimate.Levels, options.SamplesPerLevel, seed: 22);
        double expected = delta * delta * traceMean;
        double sigma = Math.Sqrt(Math.Pow(estimate.ScoreErrorSquaredStandardError, 2) + Math.Pow(delta * delta * traceStandardError, 2));
        AssertWithinSigma(expected, estimate.ScoreErrorSquared, sigma, "ε_score² vs δ²·(−E tr ∇s⋆)");
        Assert.True(sigma < 0.05 * expected, "the comparison must be informative");
        Assert.True(estimate.JacobianError > 0);
    }

    [Fact]
    public void BiasHasScoreErrorExactlyEpsilonAndNoJacobianError()
    {
        const double epsilon = 0.37;
        IsotropicMixture target = ScorePerturbationTests.ThreeComponents();
        var options = new ScoreErrorOptions { SamplesPerLevel = 200, LevelStride = 3, Seed = 5 };
        ScoreErrorEstimate estimate = ScoreErrorMeasurement.Measure(new BiasScore(new ExactScore(target), epsilon, seed: 2), target, LogSnr, options);

        Assert.Equal(epsilon * epsilon, estimate.ScoreErrorSquared, 1e-12);
        Assert.Equal(epsilon, estimate.ScoreError, 1e-12);
        Assert.True(estimate.ScoreErrorSquaredStandardError < 1e-12);
        Assert.Equal(0.0, estimate.JacobianError);
        Assert.Equal(0.0, estimate.JacobianErrorStandardError);
    }

    [Theory]
    [InlineData(1.5)]
    [InlineData(40.0)]
    public void OscillatoryMatchesItsClosedFormOverTheMixture(double omega)
    {
        // ⟨v, X_t⟩ is a mixture of N(m_k, v_k), m_k = √ᾱ⟨v, μ_k⟩, v_k = ᾱσ_k² + 1 − ᾱ, so with θ = ω⟨v, X⟩ + φ
        //   E‖p‖² = ε² (1 − Σ_k π_k e^{−2ω²v_k} cos 2(ωm_k + φ))
        //   E‖∇p‖₂ = ε√2ω E|cos θ|,  |cos θ| = 2/π + (4/π) Σ_n (−1)^{n+1} cos(2nθ)/(4n² − 1).
        const double epsilon = 0.2;
        IsotropicMixture target = ScorePerturbationTests.ThreeComponents();
        var score = new OscillatoryScore(new ExactScore(target), epsilon, omega, seed: 13);
        var options = new ScoreErrorOptions { SamplesPerLevel = 500, Seed = 17 };
        ScoreErrorEstimate estimate = ScoreErrorMeasurement.Measure(score, target, LogSnr, options);

        double expectedSquared = 0;
        double expectedJacobian = 0;
        foreach (int t in estimate.Levels)
        {
            double alphaBar = LogSnr.AlphaBar(t);
            double sinSquared = 1;
            double absCos = 2 / Math.PI;
            for (int k = 0; k < target.Components; k++)
            {
                double m = Math.Sqrt(alphaBar) * Dot(score.FrequencyDirection, target.Mean(k));
                double v = target.DiffusedVariance(k, alphaBar);
                double angle = omega * m + score.Phase;
                sinSquared -= target.Weights[k] * Math.Exp(-2 * omega * omega * v) * Math.Cos(2 * angle);
                for (int n = 1; n <= 400; n++)
                {
                    double sign = n % 2 == 1 ? 1 : -1;
                    absCos += 4 / Math.PI * sign / (4.0 * n * n - 1) * target.Weights[k] * Math.Exp(-2.0 * n * n * omega * omega * v) * Math.Cos(2 * n * angle);
                }
            }

            expectedSquared += epsilon * epsilon * sinSquared;
            expectedJacobian += epsilon * Math.Sqrt(2) * omega * absCos;
        }

        expectedSquared /= estimate.Levels.Count;
        expectedJacobian /= estimate.Levels.Count;
        AssertWithinSigma(expectedSquared, estimate.ScoreErrorSquared, estimate.ScoreErrorSquaredStandardError, "ε_score²");
        AssertWithinSigma(expectedJacobian, estimate.JacobianError, estimate.JacobianErrorStandardError, "ε_Jacobi");
        Assert.True(estimate.ScoreErrorSquaredStandardError < 0.03 * expectedSquared, "the comparison must be informative");
        Assert.True(estimate.JacobianErrorStandardError < 0.03 * expectedJacobian, "the comparison must be informative");
        if (omega >= 40)
        {
            // ω·spread ≫ 1: θ is uniform mod 2π, so ε_score → ε and ε_Jacobi → (2√2/π) ε ω.
            AssertWithinSigma(epsilon, estimate.ScoreError, estimate.ScoreErrorStandardError, "ε_score vs ε");
            AssertWithinSigma(2 * Math.Sqrt(2) / Math.PI * epsilon * omega, estimate.JacobianError, estimate.JacobianErrorStandardError, "ε_Jacobi vs (2√2/π)εω");
        }
    }

    [Fact]
    public void ExactScoreHasNoError()
    {
        IsotropicMixture target = ScorePerturbationTests.ThreeComponents();
        ScoreErrorEstimate estimate = ScoreErrorMeasurement.Measure(new ExactScore(target), target, LogSnr, new ScoreErrorOptions { SamplesPerLevel = 50, LevelStride = 10 });
        Assert.Equal(0.0, estimate.ScoreErrorSquared);
        Assert.Equal(0.0, estimate.JacobianError);
    }

    [Fact]
    public void ResultDoesNotDependOnParallelism()
    {
        IsotropicMixture target = ScorePerturbationTests.ThreeComponents();
        var score = new OscillatoryScore(new ExactScore(target), 0.1, 3.0, seed: 1);
        var options = new ScoreErrorOptions { SamplesPerLevel = 100, LevelStride = 4, Seed = 3 };
        ScoreErrorEstimate parallel = ScoreErrorMeasurement.Measure(score, target, LogSnr, options);
        ScoreErrorEstimate serial = ScoreErrorMeasurement.Measure(score, target, LogSnr, options with { MaxDegreeOfParallelism = 1 });
        Assert.Equal(parallel.ScoreErrorSquared, serial.ScoreErrorSquared);
        Assert.Equal(parallel.JacobianError, serial.JacobianError);
        Assert.Equal(parallel.ScoreErrorSquaredStandardError, serial.ScoreErrorSquaredStandardError);

        ScoreErrorEstimate otherSeed = ScoreErrorMeasurement.Measure(score, target, LogSnr, options with { Seed = 4 });
        Assert.NotEqual(parallel.ScoreErrorSquared, otherSeed.ScoreErrorSquared);
    }

    [Fact]
    public void LevelStrideKeepsEveryKthLevelFromTheFirst()
    {
        Assert.Equal([1, 4, 7, 10], ScoreErrorMeasurement.Levels(10, 3));
        Assert.Equal([1, 4, 7], ScoreErrorMeasurement.Levels(9, 3));
        Assert.Equal(Enumerable.Range(1, 5), ScoreErrorMeasurement.Levels(5, 1));
        Assert.Equal(100, ScoreErrorMeasurement.Levels(1000, 10).Count);
        Assert.Equal("levelStride", Assert.Throws<InvalidSpecificationException>(() => ScoreErrorMeasurement.Levels(10, 0)).Field);
    }

    [Fact]
    public void WithoutJacobianOnlyTheScoreErrorIsMeasured()
    {
        IsotropicMixture target = ScorePerturbationTests.ThreeComponents();
        ScoreErrorEstimate estimate = ScoreErrorMeasurement.Measure(
            new BiasScore(new ExactScore(target), 0.5, seed: 1), target, LogSnr, new ScoreErrorOptions { SamplesPerLevel = 10, MeasureJacobian = false });
        Assert.False(estimate.HasJacobianError);
        Assert.True(double.IsNaN(estimate.JacobianError));
        Assert.Equal(0.25, estimate.ScoreErrorSquared, 1e-12);
    }

    [Fact]
    public void BadInputIsRejected()
    {
        IsotropicMixture target = ScorePerturbationTests.ThreeComponents();
        var other = new IsotropicMixture([1.0], [[0.0, 0.0]], [1.0]);
        Assert.Equal("score", Assert.Throws<InvalidSpecificationException>(
            () => ScoreErrorMeasurement.Measure(new ExactScore(other), target, LogSnr, new ScoreErrorOptions())).Field);
        Assert.Equal("samplesPerLevel", Assert.Throws<InvalidSpecificationException>(
            () => ScoreErrorMeasurement.Measure(new ExactScore(target), target, LogSnr, new ScoreErrorOptions { SamplesPerLevel = 1 })).Field);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(100)]
    [InlineData(150)]
    public void SpectralNormMatchesSvd(int n)
    {
        // A dominant rank-two part plus noise (a clear gap, as the perturbations' Jacobian errors have), and
        // a plain Gaussian matrix (no designed gap).
        var random = new Random(n);
        var structured = new double[n * n];
        var gaussian = new double[n * n];
        var u = Enumerable.Range(0, n).Select(_ => random.NextDouble() - 0.5).ToArray();
        var w = Enumerable.Range(0, n).Select(_ => random.NextDouble() - 0.5).ToArray();
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                gaussian[i * n + j] = Normal(random);
                structured[i * n + j] = 3 * u[i] * w[j] - 2 * w[i] * w[j] + 0.05 * gaussian[i * n + j] / Math.Sqrt(n);
            }
        }

        var scratch = new double[SpectralNorm.ScratchLength(n)];
        foreach (double[] matrix in new[] { structured, gaussian })
        {
            double expected = DenseMatrix.Create(n, n, (i, j) => matrix[i * n + j]).L2Norm();
            double actual = SpectralNorm.Compute(matrix, n, scratch);
            Assert.True(actual <= expected * (1 + 1e-12), $"power iteration overshoots: {actual:R} > {expected:R}");
            Assert.True(Math.Abs(actual - expected) <= 1e-6 * expected, $"n={n}: {actual:R} vs SVD {expected:R}");
        }

        Assert.Equal(0.0, SpectralNorm.Compute(new double[n * n], n, scratch));
    }

    private static (double Mean, double StandardError) MeanNegativeTrace(IDiffusedTarget target, NoiseSchedule schedule, IReadOnlyList<int> levels, int n, long seed)
    {
        int d = target.Dimension;
        var x = new double[d];
        var jacobian = new double[d * d];
        double sum = 0;
        double varianceSum = 0;
        foreach (int t in levels)
        {
            double alphaBar = schedule.AlphaBar(t);
            var values = new double[n];
            for (int i = 0; i < n; i++)
            {
                target.SampleDiffused(seed, ((long)t << 32) + i, alphaBar, x);
                target.Jacobian(x, alphaBar, jacobian);
                double trace = 0;
                for (int j = 0; j < d; j++)
                {
                    trace += jacobian[j * d + j];
                }

                values[i] = -trace;
            }

            double mean = values.Average();
            sum += mean;
            varianceSum += values.Sum(v => (v - mean) * (v - mean)) / (n - 1) / n;
        }

        return (sum / levels.Count, Math.Sqrt(varianceSum) / levels.Count);
    }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    private static double Normal(Random random)
        => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static void AssertWithinSigma(double expected, double actual, double standardError, string what)
    {
        double z = (actual - expected) / standardError;
        Assert.True(Math.Abs(z) <= 5, $"{what}: measured {actual:R} ± {standardError:G3}, expected {expected:R} (z = {z:F2})");
    }
}
