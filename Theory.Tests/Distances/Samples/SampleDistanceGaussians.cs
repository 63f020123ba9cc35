using Diffusion.Verify.Randomness;
using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using MathNet.Numerics.Distributions;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// Closed forms for pairs of isotropic Gaussians p = N(a e₁, s_p² I), q = N(0, s_q² I) in R^d, used as
/// the exact answers of the sample-distance tests, and the exact output law of ddpm-type on a Gaussian target.
/// </summary>
internal static class SampleDistanceGaussians
{
    /// <summary>n draws of N(a e₁, s² I), row-major, from the evaluation stream at the given seed.</summary>
    public static double[] Draw(int n, int d, double shift, double sd, long seed)
    {
        var x = new double[n * d];
        for (int i = 0; i < n; i++)
        {
            Span<double> row = x.AsSpan(i * d, d);
            CounterRandom.FillStandardNormal(CounterRandom.Key(seed, RandomStream.Evaluation, 77, i), row);
            for (int c = 0; c < d; c++)
            {
                row[c] *= sd;
            }

            row[0] += shift;
        }

        return x;
    }

    /// <summary>KL(N(a e₁, s_p² I) ‖ N(0, s_q² I)).</summary>
    public static double Kl(int d, double shift, double sp, double sq)
    {
        double ratio = (sp * sp) / (sq * sq);
        return (0.5 * d * (ratio - 1 - Math.Log(ratio))) + (shift * shift / (2 * sq * sq));
    }

    /// <summary>TV between N(m1, s1²) and N(m2, s2²) on the line, from the crossing points of the densities.</summary>
    public static double TotalVariation1D(double m1, double s1, double m2, double s2)
    {
        // ln p1 − ln p2 = a x² + b x + c
        double a = (1 / (2 * s2 * s2)) - (1 / (2 * s1 * s1));
        double b = (m1 / (s1 * s1)) - (m2 / (s2 * s2));
        double c = (m2 * m2 / (2 * s2 * s2)) - (m1 * m1 / (2 * s1 * s1)) + Math.Log(s2 / s1);
        double Mass(double m, double s, double lo, double hi) => Normal.CDF(m, s, hi) - Normal.CDF(m, s, lo);
        double Difference(double lo, double hi) => Mass(m1, s1, lo, hi) - Mass(m2, s2, lo, hi);
        if (Math.Abs(a) < 1e-14)
        {
            double root = -c / b;
            return b > 0 ? Difference(root, double.PositiveInfinity) : Difference(double.NegativeInfinity, root);
        }

        double discriminant = (b * b) - (4 * a * c);
        double r1 = (-b - Math.Sqrt(discriminant)) / (2 * a);
        double r2 = (-b + Math.Sqrt(discriminant)) / (2 * a);
        (double low, double high) = (Math.Min(r1, r2), Math.Max(r1, r2));
        return a > 0
            ? Difference(double.NegativeInfinity, low) + Difference(high, double.PositiveInfinity)
            : Difference(low, high);
    }

    /// <summary>
    /// TV(N(a e₁, s_p² I), N(0, s_q² I)) in R^d. With x = (u, w), the log ratio is g(u) + κ|w|², so the set
    /// {p > q} is, for each u, a ball or ball complement in w, whose mass is a χ²_{d−1} CDF: TV is a 1-D
    /// integral over u (Simpson, 40 000 intervals over ±14 standard deviations).
    /// </summary>
    public static double TotalVariation(int d, double shift, double sp, double sq)
    {
        if (d == 1)
        {
            return TotalVariation1D(shift, sp, 0, sq);
        }

        // Scale so that q = N(0, I).
        double a = shift / sq;
        double s = sp / sq;
        double kappa = 0.5 - (1 / (2 * s * s));
        var chi = new ChiSquared(d - 1);
        double Integrand(double u)
        {
            double g = (-(u - a) * (u - a) / (2 * s * s)) + (u * u / 2) - (d * Math.Log(s));
            double densityP = Normal.PDF(a, s, u);
            double densityQ = Normal.PDF(0, 1, u);
            if (Math.Abs(kappa) < 1e-14)
            {
                return g > 0 ? densityP - densityQ : 0;
            }

            if (kappa < 0)
            {
                // {p > q} = {|w|² < g/(−κ)}, empty when g ≤ 0.
                if (g <= 0)
                {
                    return 0;
                }

                double radius = g / -kappa;
                return (densityP * chi.CumulativeDistribution(radius / (s * s))) - (densityQ * chi.CumulativeDistribution(radius));
            }

            // κ > 0: {p > q} = {|w|² > −g/κ}, everything when g ≥ 0.
            double threshold = Math.Max(-g / kappa, 0);
            return (densityP * (1 - chi.CumulativeDistribution(threshold / (s * s)))) - (densityQ * (1 - chi.CumulativeDistribution(threshold)));
        }

        double width = 14 * Math.Max(s, 1);
        double lo = Math.Min(a, 0) - width;
        double hi = Math.Max(a, 0) + width;
        const int intervals = 40_000;
        double h = (hi - lo) / intervals;
        double sum = Integrand(lo) + Integrand(hi);
        for (int i = 1; i < intervals; i++)
        {
            sum += (i % 2 == 1 ? 4 : 2) * Integrand(lo + (i * h));
        }

        return sum * h / 3;
    }

    /// <summary>
    /// The exact output law of ddpm-type on q_0 = N(μ e₁, σ² I) started from N(0, I): each step is affine,
    /// Y ← ((1 − β/v) Y + β √ᾱ μ e₁ / v + √β Z) / √α with v = ᾱσ² + 1 − ᾱ, so Y_1 = N(c e₁, V I).
    /// </summary>
    public static (double Mean, double Variance) DdpmTypeOutput(NoiseSchedule schedule, double mu, double sigma2)
    {
        double mean = 0;
        double variance = 1;
        for (int t = schedule.Steps; t >= 2; t--)
        {
            double beta = schedule.Beta(t);
            double alpha = schedule.Alpha(t);
            double alphaBar = schedule.AlphaBar(t);
            double v = (alphaBar * sigma2) + 1 - alphaBar;
            double contraction = 1 - (beta / v);
            mean = ((contraction * mean) + (beta * Math.Sqrt(alphaBar) * mu / v)) / Math.Sqrt(alpha);
            variance = ((contraction * contraction * variance) + beta) / alpha;
        }

        return (mean, variance);
    }

    public static SamplingOptions Options(int samples, long seed) => new() { Samples = samples, Seed = seed };
}
