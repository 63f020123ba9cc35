using Diffusion.Verify.Randomness;
using MathNet.Numerics.Distributions;

namespace Diffusion.Verify.Fitting;

/// <summary>
/// Weighted least squares of ln e on ln x (DESIGN §7). Weights come from the relative standard errors
/// (Var ln e ≈ (se/e)²); where an estimate has no standard error (quadrature, closed form) its relative
/// tolerance stands in, floored so that no single point dominates by machine precision alone. The
/// interval uses the residual scatter, so it is honest even when the weights are only relative.
/// </summary>
public static class LogLogRegression
{
    private const double MinimumRelativeError = 1e-6;

    /// <summary>Fits the resolved points; returns null when fewer than 3 remain.</summary>
    public static SlopeFit? Fit(IReadOnlyList<SeriesPoint> points, long seed = 1, int bootstrapReplicates = 2000)
    {
        var used = points.Where(p => p.IsResolved && p.X > 0).OrderBy(p => p.X).ToArray();
        int excluded = points.Count - used.Length;
        if (used.Length < 3)
        {
            return null;
        }

        int n = used.Length;
        var x = used.Select(p => Math.Log(p.X)).ToArray();
        var y = used.Select(p => Math.Log(p.Value)).ToArray();
        var relativeError = used.Select(p => Math.Max(p.RelativeError, MinimumRelativeError)).ToArray();
        var w = relativeError.Select(r => 1.0 / (r * r)).ToArray();

        (double slope, double intercept, double sxx) = Weighted(x, y, w);
        double residualSquares = 0;
        for (int i = 0; i < n; i++)
        {
            double r = y[i] - (intercept + slope * x[i]);
            residualSquares += w[i] * r * r;
        }

        // Regression standard error: scatter about the line, or the estimates' own errors if larger.
        double scatterVariance = n > 2 ? residualSquares / (n - 2) : 0;
        double slopeSe = Math.Sqrt(Math.Max(scatterVariance, 1.0) / sxx);
        double tQuantile = StudentT.InvCDF(0, 1, Math.Max(n - 2, 1), 0.975);

        // Parametric bootstrap over the estimates' own errors: redraw each ln e and refit. Deterministic
        // estimates (closed form, quadrature: no standard error) have nothing to resample, and a bootstrap
        // over their tolerances alone would give a meaninglessly narrow interval, so none is reported (NaN).
        bool stochastic = used.Any(p => p.StandardError > 0);
        var slopes = new double[stochastic ? bootstrapReplicates : 0];
        var yStar = new double[n];
        for (int b = 0; b < slopes.Length; b++)
        {
            ulong key = CounterRandom.Key(seed, RandomStream.Evaluation, 0, b);
            for (int i = 0; i < n; i++)
            {
                yStar[i] = y[i] + relativeError[i] * CounterRandom.StandardNormal(key, i);
            }

            slopes[b] = Weighted(x, yStar, w).Slope;
        }

        Array.Sort(slopes);
        var local = new List<(double, double)>();
        for (int i = 1; i < n; i++)
        {
            local.Add((Math.Sqrt(used[i - 1].X * used[i].X), (y[i] - y[i - 1]) / (x[i] - x[i - 1])));
        }

        return new SlopeFit(
            slope,
            intercept,
            slopeSe,
            slope - tQuantile * slopeSe,
            slope + tQuantile * slopeSe,
            stochastic ? slopes[(int)(0.025 * (slopes.Length - 1))] : double.NaN,
            stochastic ? slopes[(int)(0.975 * (slopes.Length - 1))] : double.NaN,
            n,
            excluded,
            local);
    }

    private static (double Slope, double Intercept, double Sxx) Weighted(double[] x, double[] y, double[] w)
    {
        double sw = 0, sx = 0, sy = 0;
        for (int i = 0; i < x.Length; i++)
        {
            sw += w[i];
            sx += w[i] * x[i];
            sy += w[i] * y[i];
        }

        double mx = sx / sw, my = sy / sw;
        double sxx = 0, sxy = 0;
        for (int i = 0; i < x.Length; i++)
        {
            sxx += w[i] * (x[i] - mx) * (x[i] - mx);
            sxy += w[i] * (x[i] - mx) * (y[i] - my);
        }

        double slope = sxy / sxx;
        return (slope, my - slope * mx, sxx);
    }
}
