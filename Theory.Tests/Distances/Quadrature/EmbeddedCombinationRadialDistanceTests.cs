using Diffusion.Verify.Distances;
using MathNet.Numerics;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// ∫ | a f_V(ρ) − b f_v(ρ) | dρ for the radius ρ = |w|² of m-dimensional N(0, V I) vs N(0, v I), against
/// independent closed forms (m = 1: erf; m = 2: exponentials), brute-force integration (m = 1000) and the
/// small-η asymptote (m = 10⁵).
/// </summary>
public sealed class EmbeddedCombinationRadialDistanceTests
{
    public static TheoryData<double, double, double> Cases()
    {
        var data = new TheoryData<double, double, double>();
        foreach (double bigV in new[] { 0.3, 0.999, 1.0, 1.001, 1.7, 25.0 })
        {
            foreach (double r in new[] { 1e-3, 0.5, 0.97, 1.0, 1.02, 3.0, 400.0 })
            {
                data.Add(bigV, 1.0, r);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void OneDimensionalComplementMatchesErfClosedForm(double bigV, double v, double r)
    {
        // ∫ |N(w; 0, V) − r N(w; 0, v)| dw: the densities cross at |w| = c, with c² = ρ*.
        double expected = ClosedForm(bigV, v, r, 1, c2 => SpecialFunctions.Erf(Math.Sqrt(c2 / (2 * bigV))), c2 => SpecialFunctions.Erf(Math.Sqrt(c2 / (2 * v))));
        double actual = Math.Exp(EmbeddedCombinationRadialDistance.LogL1(1, bigV / v - 1, 0.0, Math.Log(r)));
        Assert.Equal(expected, actual, 1e-13 * Math.Max(1, r));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TwoDimensionalComplementMatchesExponentialClosedForm(double bigV, double v, double r)
    {
        double expected = ClosedForm(bigV, v, r, 2, c2 => -Numerics.Elementary.ExpM1(-c2 / (2 * bigV)), c2 => -Numerics.Elementary.ExpM1(-c2 / (2 * v)));
        double actual = Math.Exp(EmbeddedCombinationRadialDistance.LogL1(2, bigV / v - 1, 0.0, Math.Log(r)));
        Assert.Equal(expected, actual, 1e-13 * Math.Max(1, r));
    }

    [Theory]
    [InlineData(1.01, 1.0)]
    [InlineData(1.01, 0.93)]
    [InlineData(0.995, 1.04)]
    [InlineData(1.2, 1e5)]
    public void ThousandDimensionalComplementMatchesBruteForce(double bigV, double r)
    {
        const int m = 1000;
        double k = m / 2.0;

        // Densities of ρ from Γ's definition (MathNet's ln Γ, not the saddle-point form under test), integrated
        // by composite Gauss–Legendre on [0, 2.5k·2max(V,1)] split at the crossing.
        double LogDensity(double rho, double variance) => (k - 1) * Math.Log(rho) - rho / (2 * variance) - k * Math.Log(2 * variance) - SpecialFunctions.GammaLn(k);
        double rhoStar = (Math.Log(r) + k * Math.Log(bigV)) / (0.5 - 1 / (2 * bigV));
        double top = 2.5 * k * 2 * Math.Max(bigV, 1.0);
        var cuts = new List<double> { 0, top };
        if (rhoStar > 0 && rhoStar < top)
        {
            cuts.Insert(1, rhoStar);
        }

        var rule = Numerics.GaussLegendre.Get(32);
        double sum = 0;
        for (int c = 0; c + 1 < cuts.Count; c++)
        {
            const int panels = 4000;
            double h = (cuts[c + 1] - cuts[c]) / panels;
            for (int p = 0; p < panels; p++)
            {
                double a = cuts[c] + p * h;
                sum += rule.Integrate(a, a + h, rho => Math.Abs(Math.Exp(LogDensity(rho, bigV)) - r * Math.Exp(LogDensity(rho, 1.0))));
            }
        }

        double actual = Math.Exp(EmbeddedCombinationRadialDistance.LogL1(m, bigV - 1, 0.0, Math.Log(r)));
        Assert.Equal(sum, actual, 1e-10 * Math.Max(1, r));
    }

    [Theory]
    [InlineData(1e-4)]
    [InlineData(1e-7)]
    [InlineData(1e-10)]
    public void HundredThousandDimensionsFollowTheSmallExcessAsymptote(double eta)
    {
        // TV(Gamma(k, θ(1+η)), Gamma(k, θ)) = ½ η E|X − k| + O(η²k) with E|X − k| = 2 k^k e^{−k} / Γ(k), X ~ Gamma(k, 1).
        const int m = 100_000;
        double k = m / 2.0;
        double meanAbsoluteDeviation = 2 * Math.Exp(k * Math.Log(k) - k - SpecialFunctions.GammaLn(k));
        double asymptote = 0.5 * eta * meanAbsoluteDeviation;
        double tv = 0.5 * Math.Exp(EmbeddedCombinationRadialDistance.LogL1(m, eta, 0.0, 0.0));
        Assert.Equal(1.0, tv / asymptote, Math.Max(1e-8, 2 * eta * Math.Sqrt(k)));

        // TV is symmetric: swapping the laws (η → −η/(1+η), weights swapped) gives the same value.
        double swapped = 0.5 * Math.Exp(EmbeddedCombinationRadialDistance.LogL1(m, -eta / (1 + eta), 0.0, 0.0));
        Assert.Equal(1.0, swapped / tv, 1e-12);
    }

    [Fact]
    public void WeightsSwapWithTheLaws()
    {
        foreach (int m in new[] { 1, 2, 7, 1000, 100_000 })
        {
            foreach (double eta in new[] { -0.3, -1e-6, 1e-9, 0.02, 5.0 })
            {
                foreach ((double la, double lb) in new[] { (0.0, 0.0), (-1.0, 0.3), (2.0, -5.0), (-800.0, -799.0) })
                {
                    double direct = EmbeddedCombinationRadialDistance.LogL1(m, eta, la, lb);
                    double swapped = EmbeddedCombinationRadialDistance.LogL1(m, -eta / (1 + eta), lb, la);
                    Assert.Equal(direct, swapped, 1e-11 * Math.Max(1, Math.Abs(direct)));
                    double scaled = EmbeddedCombinationRadialDistance.LogL1(m, eta, la + 3.5, lb + 3.5);
                    Assert.Equal(direct + 3.5, scaled, 1e-11 * Math.Max(1, Math.Abs(direct)));

                    // L1 ≥ |a − b|, and L1 ≤ a + b.
                    double a = Math.Exp(la), b = Math.Exp(lb);
                    Assert.True(Math.Exp(direct) >= Math.Abs(a - b) * (1 - 1e-12));
                    Assert.True(Math.Exp(direct) <= (a + b) * (1 + 1e-12));
                }
            }
        }
    }

    /// <summary>
    /// ∫ |f_V − r f_v| for m-dimensional centred Gaussians, from the radius where r f_v = f_V and the
    /// probabilities of the ball of that radius under each law.
    /// </summary>
    private static double ClosedForm(double bigV, double v, double r, int m, Func<double, double> ballV, Func<double, double> ballv)
    {
        if (bigV == v)
        {
            return Math.Abs(1 - r);
        }

        // ln f_V(ρ) − ln f_v(ρ) = −(m/2) ln(V/v) − ρ/(2V) + ρ/(2v) = ln r
        double rhoStar = (Math.Log(r) + 0.5 * m * Math.Log(bigV / v)) / (1 / (2 * v) - 1 / (2 * bigV));
        if (rhoStar <= 0)
        {
            return Math.Abs(1 - r);
        }

        double inV = ballV(rhoStar);
        double inv = ballv(rhoStar);
        return Math.Abs(inV - r * inv) + Math.Abs((1 - inV) - r * (1 - inv));
    }
}
