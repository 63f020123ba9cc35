using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Targets;
using Xunit.Abstractions;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// One step of each stochastic sampler from a fixed Y_t = x, repeated over N rows: the empirical conditional
/// mean and covariance against closed forms, and the sampler's <see cref="StochasticKernel"/> against the
/// kernel read off DESIGN §4's equation by hand. β_t is large (0.3) and the target's variance small, so
/// evaluating the score at the wrong point or level, or putting noise on the wrong side of 1/√α_t, moves
/// the moments by many standard errors.
/// </summary>
public sealed class StochasticKernelTests(ITestOutputHelper output)
{
    private const int Rows = 100_000;
    private const int Level = 2;
    private const double Sigmas = 5.0;

    // T = 2: β_1 = 0.2, β_2 = 0.3, β_3 = 0.25; the step is taken at t = 2 (ᾱ_2 = 0.56, ᾱ_1 = 0.8).
    private static readonly NoiseSchedule Schedule = NoiseSchedule.FromBetas("kernel-test", 2, [0.2, 0.3, 0.25]);

    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (string sampler in new[] { "ddpm-type", "acc-sde", "acc-sde-inside", "ddpm-posterior" })
        {
            data.Add(sampler, 1);
            data.Add(sampler, 2);
        }

        return data;
    }

    /// <summary>The kernel (pre-noise, scale, score coefficient, post-noise) of each sampler's DESIGN §4 equation.</summary>
    private static StochasticKernel ExpectedKernel(string name)
    {
        double alpha = Schedule.Alpha(Level);
        double beta = 1 - alpha;
        double alphaBar = Schedule.AlphaBar(Level);
        double alphaBarPrevious = Schedule.AlphaBar(Level - 1);
        return name switch
        {
            // Y_{t−1} = ( Y_t + (1−α_t) s_t(Y_t) + √(1−α_t) Z_t ) / √α_t
            "ddpm-type" => new StochasticKernel(0, 1 / Math.Sqrt(alpha), beta, Math.Sqrt(beta) / Math.Sqrt(alpha), alphaBar),

            // Y⁺ = Y_t + √((1−α_t)/2) Z, Y_{t−1} = ( Y⁺ + (1−α_t) s_t(Y⁺) ) / √α_t + √((1−α_t)/2) Z⁺
            "acc-sde" => new StochasticKernel(Math.Sqrt(beta / 2), 1 / Math.Sqrt(alpha), beta, Math.Sqrt(beta / 2), alphaBar),

            // Y_{t−1} = ( Y⁺ + (1−α_t) s_t(Y⁺) + √((1−α_t)/2) Z⁺ ) / √α_t
            "acc-sde-inside" => new StochasticKernel(Math.Sqrt(beta / 2), 1 / Math.Sqrt(alpha), beta, Math.Sqrt(beta / 2) / Math.Sqrt(alpha), alphaBar),

            // Y_{t−1} = ( Y_t + (1−α_t) s_t(Y_t) )/√α_t + √β̃_t Z,  β̃_t = β_t (1−ᾱ_{t−1})/(1−ᾱ_t)
            "ddpm-posterior" => new StochasticKernel(0, 1 / Math.Sqrt(alpha), beta, Math.Sqrt(beta * (1 - alphaBarPrevious) / (1 - alphaBar)), alphaBar),
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void KernelMatchesTheEquation(string name, int dimension)
    {
        _ = dimension;
        StochasticKernel expected = ExpectedKernel(name);
        StochasticKernel actual = SamplerCatalog.Get(name).Kernel(Schedule, Level);
        Assert.Equal(expected.PreNoise, actual.PreNoise, 1e-14);
        Assert.Equal(expected.Scale, actual.Scale, 1e-14);
        Assert.Equal(expected.ScoreCoefficient, actual.ScoreCoefficient, 1e-14);
        Assert.Equal(expected.PostNoise, actual.PostNoise, 1e-14);
        Assert.Equal(expected.AlphaBar, actual.AlphaBar, 1e-14);
    }

    [Fact]
    public void DeterministicSamplersHaveNoKernel()
    {
        foreach (Sampler sampler in SamplerCatalog.Samplers.Where(s => !s.IsStochastic))
        {
            Assert.Throws<NotSupportedException>(() => sampler.Kernel(Schedule, Level));
        }
    }

    /// <summary>
    /// Gaussian target N(μ, σ² I): s_t(y) = −(y − √ᾱ_t μ)/v, v = ᾱ_t σ² + 1 − ᾱ_t, is affine, so with the kernel
    /// (p, S, c, q) the step is Y = S((1 − c/v)(x + pZ) + c√ᾱ_t μ/v) + qZ⁺: mean S((1 − c/v)x + c√ᾱ_t μ/v),
    /// covariance (S²(1 − c/v)² p² + q²) I.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void StepMomentsMatchTheKernelOnAGaussianTarget(string name, int dimension)
    {
        double[] mean = dimension == 1 ? [0.7] : [0.7, -1.2];
        double[] x = dimension == 1 ? [0.9] : [0.9, -0.5];
        const double variance = 0.1;
        IsotropicMixture target = SamplerTestTargets.Gaussian(mean, variance);
        StochasticKernel kernel = SamplerCatalog.Get(name).Kernel(Schedule, Level);
        double alphaBar = Schedule.AlphaBar(Level);
        double v = alphaBar * variance + 1 - alphaBar;
        double gain = kernel.Scale * (1 - kernel.ScoreCoefficient / v);
        double expectedVariance = gain * gain * kernel.PreNoise * kernel.PreNoise + kernel.PostNoise * kernel.PostNoise;
        var expectedMean = new double[dimension];
        for (int j = 0; j < dimension; j++)
        {
            expectedMean[j] = gain * x[j] + kernel.Scale * kernel.ScoreCoefficient * Math.Sqrt(alphaBar) * mean[j] / v;
        }

        double[] samples = StepFrom(name, target, x);
        CheckGaussianMoments(name, samples, dimension, expectedMean, expectedVariance);
    }

    /// <summary>
    /// Samplers with no pre-noise evaluate the score at x itself, so for any target the mean is the exact
    /// reverse-kernel mean ( x + (1−α_t) s_t(x) ) / √α_t and the covariance is q² I.
    /// </summary>
    [Theory]
    [InlineData("ddpm-type", 1)]
    [InlineData("ddpm-type", 2)]
    [InlineData("ddpm-posterior", 1)]
    [InlineData("ddpm-posterior", 2)]
    public void StepMeanIsTheExactReverseKernelMeanOnAMixture(string name, int dimension)
    {
        IsotropicMixture target = dimension == 1 ? SamplerTestTargets.Bimodal1D() : SamplerTestTargets.Bimodal2D();
        double[] x = dimension == 1 ? [-0.3] : [-0.2, 0.3];
        double alpha = Schedule.Alpha(Level);
        var score = new double[dimension];
        target.Score(x, Schedule.AlphaBar(Level), score);
        var expectedMean = new double[dimension];
        for (int j = 0; j < dimension; j++)
        {
            expectedMean[j] = (x[j] + (1 - alpha) * score[j]) / Math.Sqrt(alpha);
        }

        double post = ExpectedKernel(name).PostNoise;
        double[] samples = StepFrom(name, target, x);
        CheckGaussianMoments(name, samples, dimension, expectedMean, post * post);
    }

    /// <summary>
    /// Every stochastic sampler on the 1-D bimodal target, where the score is far from affine: the moments of
    /// Y = S(x + pZ + c s_t(x + pZ)) + qZ⁺ by quadrature over Z (trapezoid on ±12, spectrally accurate here).
    /// The standard error of the sample variance uses the sample's fourth central moment.
    /// </summary>
    [Theory]
    [InlineData("ddpm-type")]
    [InlineData("acc-sde")]
    [InlineData("acc-sde-inside")]
    [InlineData("ddpm-posterior")]
    public void StepMomentsMatchQuadratureOnABimodalTarget(string name)
    {
        IsotropicMixture target = SamplerTestTargets.Bimodal1D();
        const double x = -0.3;
        StochasticKernel k = ExpectedKernel(name);
        double alphaBar = Schedule.AlphaBar(Level);
        double first = 0;
        double second = 0;
        const int nodes = 4001;
        const double half = 12.0;
        double dz = 2 * half / (nodes - 1);
        var s = new double[1];
        for (int n = 0; n < nodes; n++)
        {
            double z = -half + n * dz;
            double weight = dz * Math.Exp(-0.5 * z * z) / Math.Sqrt(2 * Math.PI);
            double plus = x + k.PreNoise * z;
            target.Score([plus], alphaBar, s);
            double map = k.Scale * (plus + k.ScoreCoefficient * s[0]);
            first += weight * map;
            second += weight * map * map;
        }

        double expectedVariance = second - first * first + k.PostNoise * k.PostNoise;
        double[] samples = StepFrom(name, target, [x]);
        double mean = samples.Average();
        double m2 = 0;
        double m4 = 0;
        foreach (double y in samples)
        {
            double c = y - mean;
            m2 += c * c;
            m4 += c * c * c * c;
        }

        m2 /= Rows;
        m4 /= Rows;
        double meanError = Math.Sqrt(expectedVariance / Rows);
        double varianceError = Math.Sqrt((m4 - m2 * m2) / Rows);
        output.WriteLine($"{name}: mean {mean:R} vs {first:R} (σ {meanError:E2}); variance {m2:R} vs {expectedVariance:R} (σ {varianceError:E2})");
        Assert.InRange(mean, first - Sigmas * meanError, first + Sigmas * meanError);
        Assert.InRange(m2, expectedVariance - Sigmas * varianceError, expectedVariance + Sigmas * varianceError);
    }

    /// <summary>Runs one Step at level t from Y_t = x on every row; returns the rows.</summary>
    private static double[] StepFrom(string name, IDiffusedTarget target, double[] x)
    {
        int d = target.Dimension;
        var block = new SamplerBlock(Schedule, SamplerTestTargets.Exact(target), seed: 20240311, capacity: Rows, accumulateLogDeterminant: false);
        block.Reset(0, Rows);
        for (int i = 0; i < Rows; i++)
        {
            x.CopyTo(block.Row(block.State, i));
        }

        SamplerCatalog.Get(name).Step(block, Level);
        return block.Active(block.State).ToArray();
    }

    /// <summary>
    /// Per coordinate: mean within 5·√(V/N), variance (about the known mean) within 5·V√(2/N); off-diagonal
    /// covariances within 5·V/√N. The step's law is Gaussian here, so these standard errors are exact.
    /// </summary>
    private void CheckGaussianMoments(string name, double[] samples, int d, double[] expectedMean, double expectedVariance)
    {
        var mean = new double[d];
        var covariance = new double[d * d];
        for (int i = 0; i < Rows; i++)
        {
            for (int j = 0; j < d; j++)
            {
                mean[j] += samples[i * d + j] / Rows;
                for (int l = 0; l < d; l++)
                {
                    covariance[j * d + l] += (samples[i * d + j] - expectedMean[j]) * (samples[i * d + l] - expectedMean[l]) / Rows;
                }
            }
        }

        double meanError = Math.Sqrt(expectedVariance / Rows);
        double varianceError = expectedVariance * Math.Sqrt(2.0 / Rows);
        double covarianceError = expectedVariance / Math.Sqrt(Rows);
        for (int j = 0; j < d; j++)
        {
            output.WriteLine($"{name} d={d} coord {j}: mean {mean[j]:R} vs {expectedMean[j]:R} (σ {meanError:E2}); variance {covariance[j * d + j]:R} vs {expectedVariance:R} (σ {varianceError:E2})");
            Assert.InRange(mean[j], expectedMean[j] - Sigmas * meanError, expectedMean[j] + Sigmas * meanError);
            Assert.InRange(covariance[j * d + j], expectedVariance - Sigmas * varianceError, expectedVariance + Sigmas * varianceError);
            for (int l = 0; l < j; l++)
            {
                Assert.InRange(covariance[j * d + l], -Sigmas * covarianceError, Sigmas * covarianceError);
            }
        }
    }
}
