using Diffusion.Verify.Numerics;
using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Scores;
using Diffusion.Verify.Targets;
using Xunit.Abstractions;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// At T = 3 on the logsnr grid each step spans 24.5 in λ: α_3 ≈ 2e−11, so β_t = 1 − α_t carries no
/// information about α_t, and dpm-solver-2's two terms cancel (e^h ≈ 4e10). The samplers must read α_t
/// from the schedule's log-space quantities; here each update of DESIGN §4 is evaluated directly from
/// ln ᾱ_t (α_t = exp(ln ᾱ_t − ln ᾱ_{t−1}), 1 − α_t = −expm1(·)) and the harness must agree.
/// <para>
/// ddim-type and acc-ode agree to 1e−12 (measured: ≤ 2e−16). dpm-solver-2's update cannot be evaluated
/// to 1e−12 in float64 by anyone at this T: at t = 3 both Y_{t−1} = (a_{t−1}/a_t)Y_t − σ_{t−1}(e^h−1)ε(u)
/// and u cancel (terms ~2.7e5 for a result ~1.3, and ~460-fold inside u), so rounding alone moves the
/// result by ~4e−8 relative although the step itself is well-conditioned in its inputs (60-digit
/// evaluation from the same ln ᾱ: harness 5e−8, this float64 reference 9e−9 off). Its tolerance is
/// therefore 16 ε_mach times the amplification the reference measures on its own terms; the former
/// α = 1 − β gave 25 %.
/// </para>
/// </summary>
public sealed class ExtremeStepPrecisionTests(ITestOutputHelper output)
{
    private const int Steps = 3;

    /// <summary>2^−52, the spacing of doubles at 1.</summary>
    private const double MachineEpsilon = 2.220446049250313e-16;

    private static readonly double[][] Starts = [[-1.3], [-0.4], [0.05], [0.7], [1.9]];

    [Theory]
    [InlineData("ddim-type")]
    [InlineData("acc-ode")]
    [InlineData("dpm-solver-2")]
    public void LargeStepsAgreeWithTheUpdateEvaluatedFromLogAlphaBar(string name)
    {
        NoiseSchedule schedule = LogSnrSchedule.Create(Steps);
        IsotropicMixture target = SamplerTestTargets.Bimodal1D();
        IScore score = SamplerTestTargets.Exact(target);
        double[] flat = Starts.SelectMany(x => x).ToArray();
        SampleSet run = SamplerRunner.RunFrom(SamplerCatalog.Get(name), schedule, score, flat, accumulateLogDeterminant: false, maxDegreeOfParallelism: 1);

        double[] logAlphaBar = Enumerable.Range(0, Steps + 2).Select(t => t == 0 ? 0.0 : schedule.LogAlphaBar(t)).ToArray();
        for (int i = 0; i < Starts.Length; i++)
        {
            double y = Starts[i][0];
            double amplification = 0;
            for (int t = Steps; t >= 2; t--)
            {
                (y, double stepAmplification) = name switch
                {
                    "ddim-type" => (DdimTypeStep(target, logAlphaBar, t, y), 0.0),
                    "acc-ode" => (AccOdeStep(target, logAlphaBar, t, y), 0.0),
                    _ => DpmSolver2Step(target, logAlphaBar, t, y),
                };
                amplification += stepAmplification;
            }

            double tolerance = Math.Max(1e-12, 16 * MachineEpsilon * amplification);
            double actual = run.Sample(i)[0];
            double relative = Math.Abs(actual - y) / Math.Abs(y);
            output.WriteLine($"{name} start {Starts[i][0]}: harness {actual:R} reference {y:R} relative {relative:E2} (tolerance {tolerance:E1})");
            Assert.True(double.IsFinite(y));
            Assert.True(relative <= tolerance, $"{name} from {Starts[i][0]}: relative difference {relative:E3} > {tolerance:E1}");
        }
    }

    /// <summary>
    /// Responsibilities at logits of magnitude 1e9 (a diverging ddim-type path): normalised by the sum of
    /// exp(l_k − max) they sum to 1 within 1e−15; exp(l_k − lse) would miss by up to ulp(1e9) ≈ 1e−7.
    /// </summary>
    [Theory]
    [InlineData(1e9)]
    [InlineData(-1e9)]
    [InlineData(-3.7e9)]
    public void ResponsibilitiesSumToOneAtHugeLogits(double scale)
    {
        var random = new Random(14);
        for (int trial = 0; trial < 200; trial++)
        {
            int k = 2 + random.Next(7);
            var logits = new double[k];
            for (int c = 0; c < k; c++)
            {
                logits[c] = scale * (1 + 1e-9 * random.NextDouble() * 40);
            }

            Elementary.SoftmaxInPlace(logits);
            double sum = logits.Sum();
            Assert.True(Math.Abs(sum - 1) <= 1e-15, $"k = {k}: the weights sum to 1 + {sum - 1:E3}");
        }
    }

    /// <summary>
    /// The general mixture's score far out, on the bisector of two equal-variance components (both logits
    /// up to −1.7e8, a diverging path), equals the isotropic mixture's for the same law, which normalises its
    /// weights by their sum. s = −x/v + Σ_k w_k √ᾱ μ_k / v once Σ w_k = 1, so the logits' own rounding
    /// (a few ulp of |l|) reaches s only through the small second term: the tolerance is
    /// 8 ε_mach |l| · √ᾱ|μ_1 − μ_2|/v / |s| (2e−10 … 2e−9 here). Weights exp(l_k − lse) miss Σ w_k = 1 by up to
    /// ulp(|l|) and so moved the whole −x/v term (measured 3e−9 … 2e−8 relative).
    /// </summary>
    [Fact]
    public void GeneralMixtureScoreStaysAccurateWhereLogitsAreHuge()
    {
        double[] weights = [0.3, 0.7];
        double[][] means = [[-2.0, 0.5], [1.5, -0.3]];
        double[] variances = [0.2, 0.2];
        var isotropic = new IsotropicMixture(weights, means, variances);
        GeneralMixture general = GeneralMixture.FromDiagonals(weights, means, [[0.2, 0.2], [0.2, 0.2]]);
        const double alphaBar = 0.999;
        double root = Math.Sqrt(alphaBar);
        foreach (double distance in new[] { 3e3, 5e3, 7.7e3 })
        {
            // midpoint of the diffused means plus a multiple of (0.8, 3.5) ⊥ (μ_2 − μ_1) = (3.5, −0.8)
            double[] x = [(root * -0.25) + (0.8 * distance), (root * 0.1) + (3.5 * distance)];
            var expected = new double[2];
            var actual = new double[2];
            isotropic.Score(x, alphaBar, expected);
            general.Score(x, alphaBar, actual);
            double logit = 0;
            for (int c = 0; c < 2; c++)
            {
                double r0 = x[0] - (root * means[c][0]);
                double r1 = x[1] - (root * means[c][1]);
                logit = Math.Max(logit, ((r0 * r0) + (r1 * r1)) / (2 * variances[c]));
            }

            double spread = root * Math.Sqrt((3.5 * 3.5) + (0.8 * 0.8)) / variances[0];
            for (int j = 0; j < 2; j++)
            {
                double relative = Math.Abs(actual[j] - expected[j]) / Math.Abs(expected[j]);
                double tolerance = 8 * MachineEpsilon * logit * spread / Math.Abs(expected[j]);
                output.WriteLine($"distance {distance}, |l| = {logit:E2}, s_{j}: general {actual[j]:R} isotropic {expected[j]:R} relative {relative:E2} (tolerance {tolerance:E1})");
                Assert.True(relative <= tolerance, $"distance {distance}, coordinate {j}: relative difference {relative:E3} > {tolerance:E1}");
            }
        }
    }

    private static (double Alpha, double OneMinusAlpha) Step(double[] logAlphaBar, int t) =>
        (Math.Exp(logAlphaBar[t] - logAlphaBar[t - 1]), -Elementary.ExpM1(logAlphaBar[t] - logAlphaBar[t - 1]));

    private static double Score(IsotropicMixture target, double x, double logAlphaBar) => ScoreAt(target, x, Math.Exp(logAlphaBar));

    private static double ScoreAt(IsotropicMixture target, double x, double alphaBar)
    {
        var s = new double[1];
        target.Score([x], alphaBar, s);
        return s[0];
    }

    // Y_{t−1} = ( Y_t + (1−α_t)/2 · s_t(Y_t) ) / √α_t
    private static double DdimTypeStep(IsotropicMixture target, double[] logAlphaBar, int t, double y)
    {
        (double alpha, double oneMinusAlpha) = Step(logAlphaBar, t);
        return (y + oneMinusAlpha / 2 * Score(target, y, logAlphaBar[t])) / Math.Sqrt(alpha);
    }

    // Φ_t(x) = √α_{t+1} ( x − (1−α_{t+1})/2 · s_t(x) ),
    // Ψ_t(x, y) = ( x + (1−α_t)/2 · s_t(x) + (1−α_t)² / (4(1−α_{t+1})) · ( s_t(x) − √α_{t+1} s_{t+1}(y) ) ) / √α_t
    private static double AccOdeStep(IsotropicMixture target, double[] logAlphaBar, int t, double x)
    {
        (double alpha, double oneMinusAlpha) = Step(logAlphaBar, t);
        (double alphaNext, double oneMinusAlphaNext) = Step(logAlphaBar, t + 1);
        double s = Score(target, x, logAlphaBar[t]);
        double minus = Math.Sqrt(alphaNext) * (x - oneMinusAlphaNext / 2 * s);
        double sNext = Score(target, minus, logAlphaBar[t + 1]);
        return (x + oneMinusAlpha / 2 * s + oneMinusAlpha * oneMinusAlpha / (4 * oneMinusAlphaNext) * (s - Math.Sqrt(alphaNext) * sNext)) / Math.Sqrt(alpha);
    }

    // a = √ᾱ, σ = √(1−ᾱ), λ = ln(a/σ), h = λ_{t−1} − λ_t, λ_m = λ_t + h/2, ᾱ_m = sigmoid(2λ_m):
    // u = (a_m/a_t) Y_t − σ_m (e^{h/2} − 1) ε(Y_t, ᾱ_t),   Y_{t−1} = (a_{t−1}/a_t) Y_t − σ_{t−1} (e^h − 1) ε(u, ᾱ_m)
    // Also returns the rounding amplification of the two cancelling differences: (|A|+|B|)/|A−B| for u,
    // times the same for Y_{t−1}.
    private static (double Value, double Amplification) DpmSolver2Step(IsotropicMixture target, double[] logAlphaBar, int t, double y)
    {
        double A(int level) => Math.Exp(logAlphaBar[level] / 2);
        double Sigma(int level) => Math.Sqrt(-Elementary.ExpM1(logAlphaBar[level]));
        double Lambda(int level) => logAlphaBar[level] / 2 - Math.Log(Sigma(level));
        double h = Lambda(t - 1) - Lambda(t);
        double lambdaMid = Lambda(t) + h / 2;
        double alphaBarMid = 1 / (1 + Math.Exp(-2 * lambdaMid));
        double aMid = Math.Sqrt(alphaBarMid);
        double sigmaMid = Math.Sqrt(1 / (1 + Math.Exp(2 * lambdaMid)));
        double epsilon = -Sigma(t) * Score(target, y, logAlphaBar[t]);
        double u1 = aMid / A(t) * y;
        double u2 = sigmaMid * Elementary.ExpM1(h / 2) * epsilon;
        double u = u1 - u2;
        double epsilonAtU = -sigmaMid * ScoreAt(target, u, alphaBarMid);
        double y1 = A(t - 1) / A(t) * y;
        double y2 = Sigma(t - 1) * Elementary.ExpM1(h) * epsilonAtU;
        double next = y1 - y2;
        return (next, (Math.Abs(u1) + Math.Abs(u2)) / Math.Abs(u) * (Math.Abs(y1) + Math.Abs(y2)) / Math.Abs(next));
    }
}
