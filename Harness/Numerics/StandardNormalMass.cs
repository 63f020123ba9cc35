using MathNet.Numerics;

namespace Diffusion.Verify.Numerics;

/// <summary>
/// Φ(z + h) − Φ(z) with full relative precision. Two nearly equal Gaussians differ by a tiny shift of the
/// standardised crossing point, so the TV is a mass over an interval of width h ≪ 1: subtracting two
/// CDF values would keep only |h|·φ / ε_mach of relative precision, integrating φ over the interval keeps it all.
/// </summary>
internal static class StandardNormalMass
{
    private static readonly double InverseRootTwoPi = 1.0 / Math.Sqrt(2 * Math.PI);
    private static readonly double InverseRootTwo = 1.0 / Math.Sqrt(2.0);

    /// <summary>Φ(z + h) − Φ(z) (negative when h &lt; 0).</summary>
    public static double Between(double z, double h)
    {
        if (h == 0 || double.IsNaN(h))
        {
            return 0;
        }

        double width = Math.Abs(h);
        double lo = h > 0 ? z : z + h;
        double hi = lo + width;
        double sign = h > 0 ? 1.0 : -1.0;
        double reach = Math.Max(1.0, Math.Max(Math.Abs(lo), Math.Abs(hi)));
        if (width * reach <= 1.0)
        {
            // ln φ varies by at most ~1 over the interval: one K15 panel is exact to rounding.
            var density = new Density();
            return sign * GaussKronrod15.CentredPanel(ref density, lo + (0.5 * width), 0.5 * width, out _);
        }

        // Wide interval: the mass is not a small difference of its end values, so CDF tails are safe.
        double mass;
        if (lo >= 0)
        {
            mass = 0.5 * (SpecialFunctions.Erfc(lo * InverseRootTwo) - SpecialFunctions.Erfc(hi * InverseRootTwo));
        }
        else if (hi <= 0)
        {
            mass = 0.5 * (SpecialFunctions.Erfc(-hi * InverseRootTwo) - SpecialFunctions.Erfc(-lo * InverseRootTwo));
        }
        else
        {
            mass = 0.5 * (SpecialFunctions.Erf(hi * InverseRootTwo) + SpecialFunctions.Erf(-lo * InverseRootTwo));
        }

        return sign * mass;
    }

    private struct Density : IRealFunction
    {
        public readonly double Evaluate(double x) => InverseRootTwoPi * Math.Exp(-0.5 * x * x);
    }
}
