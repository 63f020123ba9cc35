using Diffusion.Verify.Schedules;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// Invariants every schedule must satisfy over random valid (T, c0, c1) (DESIGN §2), and li2024's β formula
/// and logsnr's uniform λ grid recomputed independently of the harness's own arithmetic.
/// </summary>
public sealed class SchedulePropertyTests
{
    private const int Tests = 300;

    /// <summary>A valid li2024 case: T ∈ [2, 5000], c0 ∈ [1, 3] (capped below T/ln T), c1 ∈ (c0, T/ln T).</summary>
    public sealed record Li2024Case(int Steps, double C0, double C1)
    {
        public override string ToString() => $"T={Steps}, c0={C0:R}, c1={C1:R}, c1·lnT/T={C1 * Math.Log(Steps) / Steps:R}";
    }

    private static Gen<int> Steps(int min) => Gen.OneOf(Gen.Choose(min, 40), Gen.Choose(min, 5000));

    private static Gen<double> Fraction() => Gen.Choose(0, 1 << 30).Select(i => i / (double)(1 << 30));

    public static Arbitrary<Li2024Case> Li2024Cases() =>
        (from steps in Steps(2)
         from a in Fraction()
         from b in Fraction()
         select MakeLi2024Case(steps, a, b)).ToArbitrary();

    private static Li2024Case MakeLi2024Case(int steps, double a, double b)
    {
        // c1 ln T / T < 1  ⇔  c1 < T / ln T; keep a relative margin so the rejection boundary is not sampled.
        double c1Limit = steps / Math.Log(steps) * (1 - 1e-9);
        double c0 = 1 + a * (Math.Min(3.0, c1Limit) - 1) * 0.999;
        double c1 = c0 + (c1Limit - c0) * Math.Max(b, 1e-6);
        return new Li2024Case(steps, c0, c1);
    }

    public static Arbitrary<(string Kind, int Steps)> OtherCases() =>
        Gen.OneOf(
            Steps(3).Select(t => ("logsnr", t)),
            Steps(21).Select(t => ("linear", t)),
            Steps(2).Select(t => ("cosine", t))).ToArbitrary();

    [Property(MaxTest = Tests)]
    public Property Li2024InvariantsHold() =>
        Prop.ForAll(Li2024Cases(), c => CheckInvariants(Li2024Schedule.Create(c.Steps, c.C0, c.C1)));

    [Property(MaxTest = Tests)]
    public Property OtherSchedulesInvariantsHold() =>
        Prop.ForAll(OtherCases(), c => CheckInvariants(new ScheduleSpec(c.Kind).Build(c.Steps)));

    [Property(MaxTest = Tests)]
    public Property Li2024ReproducesThePapersBetaFormula() =>
        Prop.ForAll(Li2024Cases(), c =>
        {
            NoiseSchedule schedule = Li2024Schedule.Create(c.Steps, c.C0, c.C1);
            double rate = c.C1 * Math.Log(c.Steps) / c.Steps;
            double beta1 = Math.Pow(c.Steps, -c.C0);
            AssertRelative(beta1, schedule.Beta(1), 1e-12, 1);
            for (int t = 1; t <= c.Steps; t++)
            {
                // β_{t+1} = (c1 ln T / T) · min{β_1 (1 + c1 ln T / T)^t, 1}, straight from DESIGN §2.
                double expected = rate * Math.Min(beta1 * Math.Pow(1 + rate, t), 1.0);
                AssertRelative(expected, schedule.Beta(t + 1), 1e-10, t + 1);
            }
        });

    [Property(MaxTest = Tests)]
    public Property LogSnrGridIsUniform() =>
        Prop.ForAll(Steps(3).ToArbitrary(), steps =>
        {
            NoiseSchedule schedule = LogSnrSchedule.Create(steps);
            double step = (LogSnrSchedule.DefaultLambdaMin - LogSnrSchedule.DefaultLambdaMax) / (steps - 1);
            for (int t = 1; t <= steps + 1; t++)
            {
                double lambda = schedule.LogAlphaBar(t) - Math.Log(schedule.OneMinusAlphaBar(t));
                double expected = LogSnrSchedule.DefaultLambdaMax + (t - 1) * step;
                if (!(Math.Abs(lambda - expected) <= 1e-9))
                {
                    Assert.Fail($"λ_{t} = {lambda:R}, expected {expected:R} (T = {steps})");
                }
            }
        });

    [Property(MaxTest = Tests)]
    public Property Li2024WarnsExactlyWhenStepsAreLargeOrTheEndIsNotNoise() =>
        Prop.ForAll(Li2024Cases(), c =>
        {
            NoiseSchedule schedule = Li2024Schedule.Create(c.Steps, c.C0, c.C1);
            bool bigSteps = schedule.MaxBeta > 0.5;
            bool notNoise = schedule.AlphaBar(c.Steps) > 1e-8;
            Assert.Equal(bigSteps, schedule.Warnings.Any(w => w.Contains("β_max", StringComparison.Ordinal)));
            Assert.Equal(notNoise, schedule.Warnings.Any(w => w.Contains("ᾱ_T", StringComparison.Ordinal)));
            Assert.Equal((bigSteps ? 1 : 0) + (notNoise ? 1 : 0), schedule.Warnings.Count);
        });

    [Fact]
    public void WarningsAppearForBothConditions()
    {
        // c1 ln T / T = 0.9 and β_1 = 3^{−0.05} ≈ 0.95 ⇒ β_2 = β_3 = 0.9 > 0.5; only 3 steps ⇒ ᾱ_T ≈ 5e−4 > 1e−8.
        int steps = 3;
        double c1 = 0.9 * steps / Math.Log(steps);
        NoiseSchedule schedule = Li2024Schedule.Create(steps, 0.05, c1);
        Assert.Contains(schedule.Warnings, w => w.Contains("β_max", StringComparison.Ordinal));
        Assert.Contains(schedule.Warnings, w => w.Contains("ᾱ_T", StringComparison.Ordinal));

        NoiseSchedule quiet = LogSnrSchedule.Create(1000);
        Assert.Empty(quiet.Warnings);
    }

    [Theory]
    [InlineData(10, 2.0, 10.0)]
    [InlineData(100, 2.0, 21.8)]
    [InlineData(3, 1.0, 2.8)]
    public void Li2024RejectsRatesThatReachOne(int steps, double c0, double c1)
    {
        Assert.True(c1 * Math.Log(steps) / steps >= 1);
        var e = Assert.Throws<InvalidSpecificationException>(() => Li2024Schedule.Create(steps, c0, c1));
        Assert.Equal("c1", e.Field);
        Assert.Contains("ln T / T < 1", e.Message, StringComparison.Ordinal);
        Assert.Contains($"T = {steps}", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(0)]
    [InlineData(-5)]
    public void EveryScheduleRejectsFewerThanTwoSteps(int steps)
    {
        foreach (string kind in ScheduleSpec.Kinds)
        {
            var e = Assert.Throws<InvalidSpecificationException>(() => new ScheduleSpec(kind).Build(steps));
            Assert.Equal("T", e.Field);
            Assert.Contains("at least 2", e.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(double.NaN, 6.0, "c0")]
    [InlineData(double.PositiveInfinity, 6.0, "c0")]
    [InlineData(2.0, double.NaN, "c1")]
    [InlineData(2.0, double.PositiveInfinity, "c1")]
    [InlineData(2.0, double.NegativeInfinity, "c1")]
    public void Li2024RejectsNonFiniteParameters(double c0, double c1, string field)
    {
        var e = Assert.Throws<InvalidSpecificationException>(() => Li2024Schedule.Create(1000, c0, c1));
        Assert.Equal(field, e.Field);
        Assert.Contains("finite", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(10)]
    [InlineData(20)]
    public void LinearRejectsTwentyStepsOrFewer(int steps)
    {
        var e = Assert.Throws<InvalidSpecificationException>(() => LinearSchedule.Create(steps));
        Assert.Equal("T", e.Field);
        Assert.Contains("T ≥ 21", e.Message, StringComparison.Ordinal);
        Assert.Equal(0.02 * 1000 / 21, LinearSchedule.Create(21).Beta(21), 12);
    }

    [Fact]
    public void LogSnrAtTwoStepsIsRejectedBecauseItsSecondBetaRoundsToOne()
    {
        // λ falls from 9 to −40 in one step: α_2 ≈ e^{−49}, so β_2 = 1 − 5e−22 is 1 in double precision.
        var e = Assert.Throws<InvalidSpecificationException>(() => LogSnrSchedule.Create(2));
        Assert.Contains("beta[2]", e.Field, StringComparison.Ordinal);
        Assert.Contains("(0, 1)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownScheduleIsRejected()
    {
        var e = Assert.Throws<InvalidSpecificationException>(() => new ScheduleSpec("quadratic").Build(100));
        Assert.Equal("schedule", e.Field);
        Assert.Contains("li2024", e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// 0 &lt; β_t &lt; 1 for t = 1..T+1; ln ᾱ strictly decreasing and equal to Σ log1p(−β) to 1e−12 relative.
    /// Where β is within ~1e−8 of 1 (logsnr and cosine at small T) the double β itself cannot carry α = 1 − β
    /// to full precision (one ulp of β is 2⁻⁵³/α relative in α), while the schedule keeps ln α exactly; the
    /// tolerance adds that representational error, which is ≈ 1e−16 wherever α is not tiny.
    /// </summary>
    private static void CheckInvariants(NoiseSchedule schedule)
    {
        int steps = schedule.Steps;
        Assert.Equal(0.0, schedule.LogAlphaBar(0));
        double sum = 0;
        double previous = 0;
        double representationError = 0;
        for (int t = 1; t <= steps + 1; t++)
        {
            double beta = schedule.Beta(t);
            if (!(beta > 0 && beta < 1))
            {
                Assert.Fail($"{schedule.Name} T={steps}: β_{t} = {beta:R} not in (0, 1)");
            }

            // α_t equals 1 − β_t up to β_t's representation (ulp(1) absolute) and exp(ln α_t) to a few ulp relative:
            // it is kept from the schedule's defining quantity, not recomputed as 1 − β_t.
            double alpha = schedule.Alpha(t);
            if (!(Math.Abs(alpha - (1 - beta)) <= Math.ScaleB(1.0, -52) && Math.Abs(alpha - Math.Exp(schedule.LogAlpha(t))) <= 4e-16 * alpha * (1 + Math.Abs(schedule.LogAlpha(t)))))
            {
                Assert.Fail($"{schedule.Name} T={steps}: α_{t} = {alpha:R}, 1 − β_{t} = {1 - beta:R}, exp(ln α_{t}) = {Math.Exp(schedule.LogAlpha(t)):R}");
            }
            double logAlphaBar = schedule.LogAlphaBar(t);
            if (!(logAlphaBar < previous))
            {
                Assert.Fail($"{schedule.Name} T={steps}: ln ᾱ_{t} = {logAlphaBar:R} ≥ ln ᾱ_{t - 1} = {previous:R}");
            }

            sum += ReferenceLog1MinusBeta(beta);
            representationError += Math.ScaleB(1.0, -52) / Math.Exp(schedule.LogAlpha(t));
            double error = Math.Abs(logAlphaBar - sum);
            if (!(error <= 1e-12 * Math.Abs(sum) + representationError))
            {
                Assert.Fail($"{schedule.Name} T={steps}: ln ᾱ_{t} = {logAlphaBar:R} vs Σ log1p(−β) = {sum:R} (error {error:G3}, allowed {1e-12 * Math.Abs(sum):G3} + {representationError:G3})");
            }

            previous = logAlphaBar;
        }
    }

    /// <summary>ln(1 − β) independently of the harness: a Taylor series for small β, the plain log otherwise.</summary>
    private static double ReferenceLog1MinusBeta(double beta)
    {
        if (beta >= 1e-3)
        {
            // 1 − β is rounded by ≤ 1.2e−16 absolute, so ln(1 − β) is off by ≲ 1.2e−16/β ≤ 1.2e−13 relative.
            return Math.Log(1 - beta);
        }

        double term = beta;
        double sum = 0;
        for (int n = 1; n <= 12; n++)
        {
            sum -= term / n;
            term *= beta;
        }

        return sum;
    }

    private static void AssertRelative(double expected, double actual, double tolerance, int level)
    {
        double error = Math.Abs(actual - expected);
        if (!(error <= tolerance * Math.Abs(expected)))
        {
            Assert.Fail($"β_{level} = {actual:R} vs {expected:R} (relative error {error / Math.Abs(expected):G3} > {tolerance:G3})");
        }
    }
}
