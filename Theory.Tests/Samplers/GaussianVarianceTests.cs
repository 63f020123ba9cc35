using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Targets;
using Xunit.Abstractions;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// On an isotropic Gaussian target N(0, σ² I) the score at level ᾱ is −x/v(ᾱ), v = ᾱσ² + 1 − ᾱ, so every
/// sampler is affine plus Gaussian noise and each coordinate's variance follows a scalar recursion from
/// V_T = 1 (the N(0, I) start). The recursions below are derived by hand from DESIGN §4, independently of
/// the sampler code; the sample variance of Y_1, pooled over N·d coordinates about the known mean 0, has
/// standard error V√(2/(N d)). Deterministic samplers are also held to their exact gain Y_1 = m Y_T.
/// </summary>
public sealed class GaussianVarianceTests(ITestOutputHelper output)
{
    private const int Dimension = 1000;
    private const int Samples = 20_000;
    private const double DataVariance = 4.0;
    private const double Sigmas = 5.0;
    private static readonly NoiseSchedule Schedule = new ScheduleSpec("li2024", C0: 2, C1: 4).Build(20);

    public static TheoryData<string> Names() => new(SamplerCatalog.Names);

    [Theory]
    [MemberData(nameof(Names))]
    public void OutputVarianceFollowsTheExactRecursion(string name)
    {
        Sampler sampler = SamplerCatalog.Get(name);
        var target = new IsotropicMixture([1.0], [new double[Dimension]], [DataVariance]);
        var options = new SamplingOptions { Samples = Samples, Seed = 7, BlockSize = 64, KeepStart = !sampler.IsStochastic };
        int blocks = (Samples + options.BlockSize - 1) / options.BlockSize;
        var squares = new double[blocks];
        var cross = new double[blocks];
        var startSquares = new double[blocks];
        SamplerRunner.Stream(sampler, Schedule, SamplerTestTargets.Exact(target), target, options, (in FinishedBlock b) =>
        {
            int index = (int)(b.FirstSampleIndex / options.BlockSize);
            for (int k = 0; k < b.Output.Length; k++)
            {
                squares[index] += b.Output[k] * b.Output[k];
                if (!b.Start.IsEmpty)
                {
                    cross[index] += b.Output[k] * b.Start[k];
                    startSquares[index] += b.Start[k] * b.Start[k];
                }
            }
        });

        double coordinates = (double)Samples * Dimension;
        double variance = squares.Sum() / coordinates;
        double expected = sampler.IsStochastic ? StochasticVariance(name) : Math.Pow(DeterministicGain(name), 2);
        double standardError = expected * Math.Sqrt(2 / coordinates);
        output.WriteLine($"{name}: variance {variance:R}, recursion {expected:R}, σ {standardError:E3}, deviation {(variance - expected) / standardError:F2}σ");
        Assert.InRange(variance, expected - Sigmas * standardError, expected + Sigmas * standardError);

        if (!sampler.IsStochastic)
        {
            double gain = cross.Sum() / startSquares.Sum();
            double expectedGain = DeterministicGain(name);
            output.WriteLine($"{name}: gain {gain:R}, recursion {expectedGain:R}");
            Assert.Equal(expectedGain, gain, 1e-10 * Math.Abs(expectedGain));
        }
    }

    /// <summary>1/v(ᾱ): the score is −x·Precision(ᾱ).</summary>
    private static double Precision(double alphaBar) => 1 / (alphaBar * DataVariance + 1 - alphaBar);

    private static double StochasticVariance(string name)
    {
        double v = 1.0;
        for (int t = Schedule.Steps; t >= 2; t--)
        {
            double alpha = Schedule.Alpha(t);
            double beta = Schedule.Beta(t);
            double shrink = 1 - beta * Precision(Schedule.AlphaBar(t));
            double alphaBarPrevious = Schedule.AlphaBar(t - 1);
            double alphaBar = Schedule.AlphaBar(t);
            v = name switch
            {
                // Y' = ( (1 − β/v_t) Y + √β Z ) / √α
                "ddpm-type" => (shrink * shrink * v + beta) / alpha,

                // Y' = (1 − β/v_t)(Y + √(β/2) Z)/√α + √(β/2) Z⁺
                "acc-sde" => shrink * shrink * (v + beta / 2) / alpha + beta / 2,

                // Y' = ( (1 − β/v_t)(Y + √(β/2) Z) + √(β/2) Z⁺ ) / √α
                "acc-sde-inside" => (shrink * shrink * (v + beta / 2) + beta / 2) / alpha,

                // Y' = (1 − β/v_t) Y/√α + √β̃ Z
                "ddpm-posterior" => shrink * shrink * v / alpha + beta * (1 - alphaBarPrevious) / (1 - alphaBar),
                _ => throw new ArgumentOutOfRangeException(nameof(name)),
            };
        }

        return v;
    }

    /// <summary>m with Y_1 = m Y_T, stepped from m_T = 1.</summary>
    private static double DeterministicGain(string name)
    {
        double m = 1.0;
        double previousEpsilonGain = double.NaN;
        for (int t = Schedule.Steps; t >= 2; t--)
        {
            double alpha = Schedule.Alpha(t);
            double beta = Schedule.Beta(t);
            double alphaBar = Schedule.AlphaBar(t);
            double alphaBarPrevious = Schedule.AlphaBar(t - 1);
            double alphaBarNext = Schedule.AlphaBar(t + 1);
            double k = Precision(alphaBar);
            double sigma = Math.Sqrt(1 - alphaBar);
            double sigmaPrevious = Math.Sqrt(1 - alphaBarPrevious);
            double ddim = sigmaPrevious - sigma / Math.Sqrt(alpha);
            switch (name)
            {
                case "ddim-type":
                    // Y' = (1 − β/(2 v_t)) Y / √α
                    m *= (1 - beta * k / 2) / Math.Sqrt(alpha);
                    break;

                case "acc-ode":
                {
                    // Y⁻ = √α'(1 + β' k_t/2) Y;  Y' = ( Y − β k_t Y/2 + c(−k_t Y + √α' k_{t+1} Y⁻) ) / √α, c = β²/(4β')
                    double alphaNext = Schedule.Alpha(t + 1);
                    double betaNext = Schedule.Beta(t + 1);
                    double c = beta * beta / (4 * betaNext);
                    double minus = Math.Sqrt(alphaNext) * (1 + betaNext * k / 2);
                    m *= (1 - beta * k / 2 - c * k + c * Math.Sqrt(alphaNext) * Precision(alphaBarNext) * minus) / Math.Sqrt(alpha);
                    break;
                }

                case "ddim":
                    // ε_t(Y) = σ_t k_t Y;  Y' = Y/√α + (σ_{t−1} − σ_t/√α) ε_t(Y)
                    m *= 1 / Math.Sqrt(alpha) + ddim * sigma * k;
                    break;

                case "acc-ode-ms":
                {
                    // Y' = ddim(Y) + √ᾱ_{t−1} K_t / (ᾱ_t − ᾱ_{t+1}) · (ε_{t+1}(Y_{t+1}) − ε_t(Y_t)), none at t = T.
                    double epsilonGain = sigma * k * m;
                    double next = m / Math.Sqrt(alpha) + ddim * epsilonGain;
                    if (t < Schedule.Steps)
                    {
                        double kt = alphaBar * sigmaPrevious / Math.Sqrt(alphaBarPrevious) + Math.Asin(Math.Sqrt(alphaBarPrevious))
                            - alphaBar * sigma / Math.Sqrt(alphaBar) - Math.Asin(Math.Sqrt(alphaBar));
                        next += Math.Sqrt(alphaBarPrevious) * kt / (alphaBar - alphaBarNext) * (previousEpsilonGain - epsilonGain);
                    }

                    previousEpsilonGain = epsilonGain;
                    m = next;
                    break;
                }

                case "dpm-solver-2":
                {
                    // λ = ln(a/σ), h = λ_{t−1} − λ_t, ᾱ_m = sigmoid(2(λ_t + h/2));
                    // u = (a_m/a_t − σ_m(e^{h/2} − 1) σ_t k_t) Y;  Y' = (a_{t−1}/a_t) Y − σ_{t−1}(e^h − 1) σ_m k_m u
                    double lambda = Math.Log(Math.Sqrt(alphaBar) / sigma);
                    double h = Math.Log(Math.Sqrt(alphaBarPrevious) / sigmaPrevious) - lambda;
                    double alphaBarMid = 1 / (1 + Math.Exp(-2 * (lambda + h / 2)));
                    double sigmaMid = Math.Sqrt(1 - alphaBarMid);
                    double u = Math.Sqrt(alphaBarMid / alphaBar) - sigmaMid * (Math.Exp(h / 2) - 1) * sigma * k;
                    m *= Math.Sqrt(alphaBarPrevious / alphaBar) - sigmaPrevious * (Math.Exp(h) - 1) * sigmaMid * Precision(alphaBarMid) * u;
                    break;
                }

                default:
                    throw new ArgumentOutOfRangeException(nameof(name));
            }
        }

        return m;
    }
}
