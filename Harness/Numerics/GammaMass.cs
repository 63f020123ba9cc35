using MathNet.Numerics;
using Diffusion.Verify.Distances.Exact;

namespace Diffusion.Verify.Numerics;

/// <summary>
/// Mass of the Gamma(k, 1) law over [x, x + h] with full relative precision, for the isotropic
/// chi-square TV: two nearly equal isotropic Gaussians cross at a radius whose two standardised values
/// differ by h = (d/2) ln(v_p/v_q) ≪ 1, and P(k, x + h) − P(k, x) would lose everything to cancellation.
/// Narrow intervals are integrated (K15 panels on an accurate log-density); wide ones use MathNet's
/// regularised incomplete gamma on the tail side that avoids cancellation.
/// </summary>
internal static class GammaMass
{
    private const int MaxPanels = 64;

    /// <summary>∫_x^{x+h} x^{k−1} e^{−x} / Γ(k) dx (negative when h &lt; 0); requires k ≥ 1, x ≥ 0.</summary>
    public static double Between(double k, double x, double h)
    {
        if (h == 0)
        {
            return 0;
        }

        double width = Math.Abs(h);
        double lo = h > 0 ? x : x + h;
        double hi = lo + width;
        double sign = h > 0 ? 1.0 : -1.0;

        // ln g changes at rate |(k−1)/x − 1| and curves at rate √(k−1)/x; panels keep both ≲ 1/2.
        double rate = Math.Max(Math.Max(Math.Abs(((k - 1) / lo) - 1), Math.Abs(((k - 1) / hi) - 1)), Math.Sqrt(Math.Max(k - 1, 0)) / lo);
        int panels = lo > 0 ? (int)Math.Min(1e9, Math.Ceiling(width * rate / 0.5)) : int.MaxValue;
        if (panels <= MaxPanels)
        {
            panels = Math.Max(panels, 1);
            var density = new Density(k);
            double panelHalf = 0.5 * width / panels;
            double sum = 0;
            for (int i = 0; i < panels; i++)
            {
                sum += GaussKronrod15.CentredPanel(ref density, lo + ((2 * i) + 1) * panelHalf, panelHalf, out _);
            }

            return sign * sum;
        }

        double mass = lo >= k
            ? SpecialFunctions.GammaUpperRegularized(k, lo) - SpecialFunctions.GammaUpperRegularized(k, hi)
            : SpecialFunctions.GammaLowerRegularized(k, hi) - SpecialFunctions.GammaLowerRegularized(k, lo);
        return sign * mass;
    }

    /// <summary>
    /// ln of the Gamma(k) density. For large k the naive (k−1) ln x − x − ln Γ(k) subtracts numbers of size
    /// k ln k; writing x = k(1 + ε) gives −ln x − k (ε − ln(1+ε)) + ½ ln(k/2π) − R(k) with R the Stirling
    /// remainder, every term of the size of the result.
    /// </summary>
    public static double LogDensity(double k, double x)
    {
        if (k < 30)
        {
            return ((k - 1) * Math.Log(x)) - x - SpecialFunctions.GammaLn(k);
        }

        double epsilon = (x - k) / k;
        return -Math.Log(x) - (k * GaussianDivergence.ExcessOverLog(epsilon)) + (0.5 * Math.Log(k / (2 * Math.PI))) - StirlingRemainder(k);
    }

    /// <summary>R(k) = ln Γ(k) − ((k − ½) ln k − k + ½ ln 2π), by its asymptotic series (k ≥ 30: error &lt; 1e−18).</summary>
    private static double StirlingRemainder(double k)
    {
        double inv = 1.0 / k;
        double inv2 = inv * inv;
        return inv * ((1.0 / 12) - (inv2 * ((1.0 / 360) - (inv2 * ((1.0 / 1260) - (inv2 * ((1.0 / 1680) - (inv2 / 1188))))))));
    }

    private readonly struct Density(double k) : IRealFunction
    {
        public double Evaluate(double x) => Math.Exp(LogDensity(k, x));
    }
}
