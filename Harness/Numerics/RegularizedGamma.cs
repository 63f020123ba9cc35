using MathNet.Numerics;

namespace Diffusion.Verify.Numerics;

/// <summary>
/// The Gamma(k, 1) law with relative accuracy in both tails and for shapes k up to ~10⁶: density, the
/// regularised incomplete gamma functions P(k, x) and Q(k, x) = 1 − P(k, x), and P(k, x + w) − P(k, x)
/// for short intervals without cancellation.
/// MathNet's GammaLowerRegularized / GammaUpperRegularized are not used: they form k ln x − x − ln Γ(k)
/// directly, and against 60-digit values they are off by up to 8e−11 relative at k = 5·10⁴ and 4e−10 at
/// k = 5·10⁵ (x within 8 standard deviations of k), where this routine stays within 6e−14.
/// </summary>
public static class RegularizedGamma
{
    private const double StirlingSeriesThreshold = 15.0;
    private const int MaxIterations = 1_000_000;

    /// <summary>ln of the Gamma(k, 1) density x^{k−1} e^{−x} / Γ(k), x &gt; 0.</summary>
    public static double LogDensity(double k, double x)
    {
        if (x <= 0)
        {
            return x == 0 && k < 1 ? double.PositiveInfinity : (x == 0 && k == 1 ? 0.0 : double.NegativeInfinity);
        }

        if (double.IsPositiveInfinity(x))
        {
            return double.NegativeInfinity;
        }

        if (k < StirlingSeriesThreshold)
        {
            return (k - 1) * Math.Log(x) - x - SpecialFunctions.GammaLn(k);
        }

        // Loader's saddle-point form: with x = k(1 + ε),
        // ln f = −½ ln(2πk) − stirlerr(k) + k (ln(1 + ε) − ε) − ln(1 + ε); no large terms cancel.
        double epsilon = (x - k) / k;
        return -0.5 * Math.Log(2 * Math.PI * k) - StirlingError(k) + k * Remainders.Log1PMinusX(epsilon) - Elementary.Log1P(epsilon);
    }

    /// <summary>P(k, x) = ∫_0^x Gamma(k, 1) density.</summary>
    public static double Lower(double k, double x)
    {
        CheckShape(k);
        if (x <= 0)
        {
            return 0.0;
        }

        if (double.IsPositiveInfinity(x))
        {
            return 1.0;
        }

        return x < k + 1 ? LowerSeries(k, x) : 1.0 - UpperContinuedFraction(k, x);
    }

    /// <summary>Q(k, x) = 1 − P(k, x), accurate in the upper tail.</summary>
    public static double Upper(double k, double x)
    {
        CheckShape(k);
        if (x <= 0)
        {
            return 1.0;
        }

        if (double.IsPositiveInfinity(x))
        {
            return 0.0;
        }

        return x < k + 1 ? 1.0 - LowerSeries(k, x) : UpperContinuedFraction(k, x);
    }

    /// <summary>
    /// P(k, x + w) − P(k, x) for x ≥ 0, w ≥ 0, with relative accuracy also when w is tiny: short intervals
    /// are integrated by Gauss–Legendre on panels over which the density is smooth (narrower than its
    /// local scale and than x itself, the distance to its singular point 0); long ones are differences of
    /// tail probabilities taken on the side where they do not cancel.
    /// </summary>
    public static double IntervalProbability(double k, double x, double w)
    {
        CheckShape(k);
        if (w <= 0 || double.IsPositiveInfinity(x))
        {
            return 0.0;
        }

        double upperEnd = x + w;
        double scale = Math.Max(Math.Sqrt(k), 1.0);
        double panelMax = 0.5 * Math.Min(x, scale);
        if (panelMax > 0 && w <= 8 * panelMax)
        {
            int panels = (int)Math.Ceiling(w / panelMax);
            double h = w / panels;
            var rule = GaussLegendre.Get(16);
            ReadOnlySpan<double> nodes = rule.Nodes;
            ReadOnlySpan<double> weights = rule.Weights;
            double sum = 0;
            for (int p = 0; p < panels; p++)
            {
                double centre = x + (p + 0.5) * h;
                double panel = 0;
                for (int i = 0; i < nodes.Length; i++)
                {
                    panel += weights[i] * Math.Exp(LogDensity(k, centre + 0.5 * h * nodes[i]));
                }

                sum += 0.5 * h * panel;
            }

            return sum;
        }

        if (x >= k + 1)
        {
            return UpperContinuedFraction(k, x) - UpperContinuedFraction(k, upperEnd);
        }

        if (upperEnd < k + 1)
        {
            return LowerSeries(k, upperEnd) - LowerSeries(k, x);
        }

        return 1.0 - LowerSeries(k, x) - UpperContinuedFraction(k, upperEnd);
    }

    /// <summary>stirlerr(k) = ln Γ(k) − (k − ½) ln k + k − ½ ln 2π.</summary>
    public static double StirlingError(double k)
    {
        if (k < StirlingSeriesThreshold)
        {
            return SpecialFunctions.GammaLn(k) - (k - 0.5) * Math.Log(k) + k - 0.5 * Math.Log(2 * Math.PI);
        }

        // 1/(12k) − 1/(360k³) + 1/(1260k⁵) − 1/(1680k⁷) + 1/(1188k⁹); next term < 1e−16 for k ≥ 15.
        double inverse = 1.0 / k;
        double inverse2 = inverse * inverse;
        return inverse * (1.0 / 12 - inverse2 * (1.0 / 360 - inverse2 * (1.0 / 1260 - inverse2 * (1.0 / 1680 - inverse2 / 1188))));
    }

    /// <summary>P(k, x) = x f(x)/k · Σ_{n≥0} Π_{j=1..n} x/(k + j) for x &lt; k + 1 (all terms positive).</summary>
    private static double LowerSeries(double k, double x)
    {
        double logPrefactor = LogDensity(k, x) + Math.Log(x) - Math.Log(k);
        if (logPrefactor < -745)
        {
            return 0.0;
        }

        double term = 1.0;
        double sum = 1.0;
        for (int n = 1; n < MaxIterations; n++)
        {
            term *= x / (k + n);
            sum += term;
            if (term <= 1e-17 * sum)
            {
                return Math.Exp(logPrefactor + Math.Log(sum));
            }
        }

        throw new InvalidOperationException($"P({k}, {x}): series did not converge");
    }

    /// <summary>Q(k, x) = x f(x) · 1/(x + 1 − k − 1·(1 − k)/(x + 3 − k − …)) for x ≥ k + 1 (modified Lentz).</summary>
    private static double UpperContinuedFraction(double k, double x)
    {
        double logPrefactor = LogDensity(k, x) + Math.Log(x);
        if (logPrefactor < -745)
        {
            return 0.0;
        }

        const double tiny = 1e-300;
        double b = x + 1 - k;
        double c = 1 / tiny;
        double d = 1 / b;
        double h = d;
        for (int i = 1; i < MaxIterations; i++)
        {
            double an = -i * (i - k);
            b += 2;
            d = an * d + b;
            if (Math.Abs(d) < tiny)
            {
                d = tiny;
            }

            c = b + an / c;
            if (Math.Abs(c) < tiny)
            {
                c = tiny;
            }

            d = 1 / d;
            double delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1) <= 4e-16)
            {
                return Math.Exp(logPrefactor + Math.Log(h));
            }
        }

        throw new InvalidOperationException($"Q({k}, {x}): continued fraction did not converge");
    }

    private static void CheckShape(double k)
    {
        if (!(k > 0) || !double.IsFinite(k))
        {
            throw new ArgumentOutOfRangeException(nameof(k), k, "the Gamma shape must be finite and positive");
        }
    }
}
