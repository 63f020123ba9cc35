using Diffusion.Verify.Numerics;

namespace Diffusion.Verify.Distances.Quadrature;

/// <summary>
/// The complement part of the embedded TV (DESIGN §5): at a core point the two laws have complement
/// densities a·N(0, V I_m) and b·N(0, v I_m), and the L1 distance between them reduces to the radius
/// ρ = |w|², distributed Gamma(k = m/2, scale 2V) resp. Gamma(k, 2v):
/// <code>L1 = ∫ | a f_V(ρ) − b f_v(ρ) | dρ.</code>
/// The weighted densities cross at most once, at ρ* (their ratio is monotone in ρ). With "wide" the law
/// with the larger variance (weight a_w, scale θ_w), "narrow" the other (a_n, θ_n), η = θ_w/θ_n − 1 &gt; 0,
/// and x_w = ρ*/θ_w, x_n = ρ*/θ_n = x_w + (ln(a_n/a_w) + k ln(1+η)):
/// <code>L1 = (a_w − a_n)(1 − 2 P(k, x_n)) + 2 a_w [P(k, x_n) − P(k, x_w)],</code>
/// where both terms are bounded by ~2·L1 (the bracket is at most the two Gamma laws' TV, and L1 ≥ |a_w − a_n|),
/// so nothing cancels catastrophically; the bracket is computed without subtracting P's
/// (<see cref="RegularizedGamma.IntervalProbability"/>). The cost does not depend on m beyond the √k
/// iterations of the incomplete gamma series.
/// </summary>
public static class EmbeddedCombinationRadialDistance
{
    /// <summary>
    /// ln ∫ | a f_V − b f_v | dρ for complement dimension <paramref name="complementDimension"/> = m ≥ 0,
    /// with ln a, ln b given and η = V/v − 1 (V the sampler's complement variance, v the target's).
    /// For m = 0 this is ln|a − b|.
    /// </summary>
    public static double LogL1(int complementDimension, double relativeExcess, double logA, double logB)
    {
        if (complementDimension < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(complementDimension), complementDimension, "must be ≥ 0");
        }

        if (!(relativeExcess > -1))
        {
            throw new ArgumentOutOfRangeException(nameof(relativeExcess), relativeExcess, "V/v − 1 must exceed −1");
        }

        if (double.IsNegativeInfinity(logA) && double.IsNegativeInfinity(logB))
        {
            return double.NegativeInfinity;
        }

        if (complementDimension == 0 || relativeExcess == 0)
        {
            return LogAbsDifference(logA, logB);
        }

        double k = 0.5 * complementDimension;
        if (relativeExcess > 0)
        {
            return LogWideNarrow(k, relativeExcess, logA, logB);
        }

        // The target's complement is the wider one: θ_w/θ_n − 1 = v/V − 1 = −η/(1 + η).
        return LogWideNarrow(k, -relativeExcess / (1 + relativeExcess), logB, logA);
    }

    private static double LogWideNarrow(double k, double eta, double logWide, double logNarrow)
    {
        double l = logNarrow - logWide;
        double top = Math.Max(logWide, logNarrow);

        // (a_w − a_n) / e^top, without cancellation.
        double difference = logWide >= logNarrow ? -Elementary.ExpM1(l) : Elementary.ExpM1(-l);
        double wide = Math.Exp(logWide - top);
        double gap = l + k * Elementary.Log1P(eta);
        if (double.IsNegativeInfinity(l) || gap <= 0)
        {
            // a_w f_w ≥ a_n f_n for every ρ.
            return top + Math.Log(difference);
        }

        if (double.IsPositiveInfinity(l))
        {
            return logNarrow;
        }

        double xWide = gap / eta;
        double xNarrow = xWide + gap;
        double upperMinusLower = xNarrow < k + 1
            ? 1.0 - 2.0 * RegularizedGamma.Lower(k, xNarrow)
            : 2.0 * RegularizedGamma.Upper(k, xNarrow) - 1.0;
        double between = RegularizedGamma.IntervalProbability(k, xWide, gap);
        double value = difference * upperMinusLower + 2.0 * wide * between;
        return value > 0 ? top + Math.Log(value) : double.NegativeInfinity;
    }

    private static double LogAbsDifference(double logA, double logB)
    {
        double top = Math.Max(logA, logB);
        double bottom = Math.Min(logA, logB);
        if (double.IsNegativeInfinity(bottom))
        {
            return top;
        }

        return top + Math.Log(-Elementary.ExpM1(bottom - top));
    }
}
