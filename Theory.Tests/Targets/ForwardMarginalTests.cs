using Diffusion.Verify.Randomness;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Targets;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// The diffused family q_t of each target kind is the law of the forward chain
/// X_t = √α_t X_{t−1} + √β_t W_t started from exact X_0 draws (li2024, T = 50), and the law of
/// SampleDiffused at ᾱ_t. Checked at t = 1, 5, 20, 50 against the closed-form mean and covariance
/// (every coordinate and entry within 5 standard errors, the covariance SE estimated from the sample's
/// fourth moments) and by a Kolmogorov–Smirnov test of a random 1-D projection against the projected
/// mixture's exact CDF (threshold from the asymptotic Kolmogorov law at p = 1e−5). Fixed seeds.
/// </summary>
public class ForwardMarginalTests
{
    private const int Samples = 20_000;
    private const int Steps = 50;
    private const double Sigmas = 5.0;
    private const double KsPValue = 1e-5;
    private static readonly int[] CheckedLevels = [1, 5, 20, 50];

    public static TheoryData<string, string> Targets => new()
    {
        { "gmm-isotropic-1d", """{ "kind": "gmm", "weights": [0.3, 0.7], "means": [[-2.0], [1.5]], "variances": [0.1, 0.6] }""" },
        { "gmm-diagonal", """{ "kind": "gmm", "weights": [0.3, 0.7], "means": [[-2, 0, 1], [1.5, 1, -1]], "diagonals": [[0.2, 1, 0.5], [1, 0.3, 2]] }""" },
        { "gmm-full", """{ "kind": "gmm", "weights": [0.5, 0.25, 0.25], "means": [[0, 2], [-2, -1], [2, -1]], "covariances": [[[1, 0.8], [0.8, 1]], [[0.3, -0.1], [-0.1, 0.2]], [[0.5, 0], [0, 0.1]]] }""" },
        { "embedded-r2", """{ "kind": "embedded", "dimension": 5, "complementVariance": 0.3, "seed": 3, "core": { "kind": "gmm", "weights": [0.4, 0.6], "means": [[-1.5, 0], [1.5, 0.5]], "covariances": [[[0.2, 0.1], [0.1, 0.3]], [[0.5, -0.2], [-0.2, 0.4]]] } }""" },
        { "embedded-r1", """{ "kind": "embedded", "dimension": 4, "complementVariance": 2.0, "seed": 9, "core": { "kind": "gmm", "weights": [0.5, 0.5], "means": [[-3], [3]], "variances": [0.05, 0.05] } }""" },
        { "gaussian-spectrum", """{ "kind": "gaussian", "dimension": 4, "spectrum": [0.1, 0.5, 2, 4], "mean": [1, -1, 0, 2], "seed": 5 }""" },
        { "gaussian-isotropic", """{ "kind": "gaussian", "dimension": 8, "variance": 4.0 }""" },
        { "random-gmm-full", """{ "kind": "random-gmm", "dimension": 3, "components": 4, "meanScale": 2.0, "covariance": "full", "seed": 7 }""" },
    };

    [Theory]
    [MemberData(nameof(Targets))]
    public void ForwardChainMarginalsEqualQT(string name, string json)
    {
        TargetCase c = TargetCase.FromTarget(name, TargetJson.Parse(json));
        NoiseSchedule schedule = new ScheduleSpec("li2024").Build(Steps);
        int d = c.Dimension;
        const long seed = 11;
        var x = new double[Samples * d];
        for (int i = 0; i < Samples; i++)
        {
            c.Target.SampleData(seed, i, x.AsSpan(i * d, d));
        }

        var failures = new List<string>();
        var noise = new double[d];
        for (int t = 1; t <= Steps; t++)
        {
            // X_t = √α_t X_{t−1} + √β_t W_t
            double a = Math.Sqrt(schedule.Alpha(t));
            double b = Math.Sqrt(schedule.Beta(t));
            for (int i = 0; i < Samples; i++)
            {
                CounterRandom.FillStandardNormal(CounterRandom.Key(seed, RandomStream.Evaluation, t, i), noise);
                Span<double> xi = x.AsSpan(i * d, d);
                for (int j = 0; j < d; j++)
                {
                    xi[j] = a * xi[j] + b * noise[j];
                }
            }

            if (CheckedLevels.Contains(t))
            {
                failures.AddRange(Compare(c, x, schedule.AlphaBar(t), $"chain t={t}", t));
            }
        }

        Assert.True(failures.Count == 0, $"{c}:\n" + string.Join("\n", failures));
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void SampleDiffusedEqualsQT(string name, string json)
    {
        TargetCase c = TargetCase.FromTarget(name, TargetJson.Parse(json));
        NoiseSchedule schedule = new ScheduleSpec("li2024").Build(Steps);
        int d = c.Dimension;
        var failures = new List<string>();
        var x = new double[Samples * d];
        foreach (int t in CheckedLevels)
        {
            double alphaBar = schedule.AlphaBar(t);
            for (int i = 0; i < Samples; i++)
            {
                c.Target.SampleDiffused(100 + t, i, alphaBar, x.AsSpan(i * d, d));
            }

            failures.AddRange(Compare(c, x, alphaBar, $"SampleDiffused t={t}", 1000 + t));
        }

        Assert.True(failures.Count == 0, $"{c}:\n" + string.Join("\n", failures));
    }

    /// <summary>Data draws at ᾱ = 1 are checked the same way (q_0 itself, where the covariances are least smoothed).</summary>
    [Theory]
    [MemberData(nameof(Targets))]
    public void SampleDataEqualsQ0(string name, string json)
    {
        TargetCase c = TargetCase.FromTarget(name, TargetJson.Parse(json));
        int d = c.Dimension;
        var x = new double[Samples * d];
        for (int i = 0; i < Samples; i++)
        {
            c.Target.SampleData(23, i, x.AsSpan(i * d, d));
        }

        List<string> failures = Compare(c, x, 1.0, "SampleData", 7);
        Assert.True(failures.Count == 0, $"{c}:\n" + string.Join("\n", failures));
    }

    /// <summary>Mean, covariance and one projected KS test of the rows of <paramref name="x"/> against q at ᾱ.</summary>
    private static List<string> Compare(TargetCase c, double[] x, double alphaBar, string label, int projectionSeed)
    {
        int d = c.Dimension;
        int n = x.Length / d;
        (double[] mean, double[] covariance) = c.Moments(alphaBar);
        var failures = new List<string>();

        var sampleMean = new double[d];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < d; j++)
            {
                sampleMean[j] += x[i * d + j] / n;
            }
        }

        for (int j = 0; j < d; j++)
        {
            double z = (sampleMean[j] - mean[j]) / Math.Sqrt(covariance[j * d + j] / n);
            if (Math.Abs(z) > Sigmas)
            {
                failures.Add($"{label}: mean[{j}] = {sampleMean[j]:G6}, exact {mean[j]:G6} ({z:F1} σ)");
            }
        }

        for (int j = 0; j < d; j++)
        {
            for (int l = 0; l <= j; l++)
            {
                double sum = 0;
                double sumSquares = 0;
                for (int i = 0; i < n; i++)
                {
                    double p = (x[i * d + j] - sampleMean[j]) * (x[i * d + l] - sampleMean[l]);
                    sum += p;
                    sumSquares += p * p;
                }

                double estimate = sum / n;
                double standardError = Math.Sqrt(Math.Max(sumSquares / n - estimate * estimate, 0) / n);
                double z = (estimate - covariance[j * d + l]) / standardError;
                if (Math.Abs(z) > Sigmas)
                {
                    failures.Add($"{label}: cov[{j},{l}] = {estimate:G6}, exact {covariance[j * d + l]:G6} ({z:F1} σ)");
                }
            }
        }

        double[] v = new Draws(projectionSeed, 9).UnitVector(d);
        var projected = new double[n];
        for (int i = 0; i < n; i++)
        {
            double sum = 0;
            for (int j = 0; j < d; j++)
            {
                sum += v[j] * x[i * d + j];
            }

            projected[i] = sum;
        }

        Array.Sort(projected);
        Func<double, double> cdf = c.ProjectedCdf(v, alphaBar);
        double ks = 0;
        for (int i = 0; i < n; i++)
        {
            double f = cdf(projected[i]);
            ks = Math.Max(ks, Math.Max(f - (double)i / n, (double)(i + 1) / n - f));
        }

        // P(√n D > λ) ≈ 2 e^{−2λ²} in the tail, so λ = √(ln(2/p) / 2).
        double threshold = Math.Sqrt(Math.Log(2 / KsPValue) / 2) / Math.Sqrt(n);
        if (ks > threshold)
        {
            failures.Add($"{label}: KS D = {ks:G4} on a random projection > {threshold:G4} (p = {KsPValue:G})");
        }

        return failures;
    }
}
