using Diffusion.Verify.Numerics;
using MathNet.Numerics;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>The numeric pieces the starting-point quadrature and the embedded combination stand on.</summary>
public sealed class StartingPointQuadratureNumericsTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(8)]
    [InlineData(12)]
    [InlineData(16)]
    [InlineData(33)]
    [InlineData(64)]
    public void GaussLegendreIsExactForPolynomialsOfDegreeTwoNMinusOne(int n)
    {
        var rule = GaussLegendre.Get(n);
        for (int i = 1; i < n; i++)
        {
            Assert.True(rule.Nodes[i] > rule.Nodes[i - 1]);
        }

        for (int degree = 0; degree <= 2 * n - 1; degree++)
        {
            double exact = degree % 2 == 1 ? 0.0 : 2.0 / (degree + 1);
            double sum = 0;
            for (int i = 0; i < n; i++)
            {
                sum += rule.Weights[i] * Math.Pow(rule.Nodes[i], degree);
            }

            Assert.Equal(exact, sum, 1e-14);
        }

        // and, for the rule to be Gaussian rather than something else, not exact at degree 2n (visible for small n)
        if (n > 12)
        {
            return;
        }

        double even = 0;
        for (int i = 0; i < n; i++)
        {
            even += rule.Weights[i] * Math.Pow(rule.Nodes[i], 2 * n);
        }

        Assert.True(Math.Abs(even - 2.0 / (2 * n + 1)) > 1e-12);
    }

    [Fact]
    public void GaussLegendreConvergesGeometricallyOnAnalyticFunctions()
    {
        double exact = Math.Exp(1) - Math.Exp(-1);
        Assert.Equal(exact, GaussLegendre.Get(12).Integrate(-1, 1, Math.Exp), 1e-15);
        Assert.Equal(Math.Atan(5) - Math.Atan(-5), GaussLegendre.Get(64).Integrate(-5, 5, x => 1 / (1 + x * x)), 1e-8);
    }

    [Theory]
    [InlineData(1e-150)]
    [InlineData(1e-12)]
    [InlineData(-3e-9)]
    [InlineData(1e-5)]
    [InlineData(-0.2)]
    [InlineData(0.49)]
    public void RemaindersKeepRelativePrecisionNearZero(double x)
    {
        // Leading terms of the Taylor series, exact to the first neglected power.
        double expRemainder = x * x / 2 + x * x * x / 6 + x * x * x * x / 24;
        double xExpRemainder = x * x / 2 + x * x * x / 3 + x * x * x * x / 8;
        double logRemainder = -x * x / 2 + x * x * x / 3 - x * x * x * x / 4;
        double tolerance = Math.Abs(x) < 1e-3 ? 1e-14 : 0.5 * Math.Pow(Math.Abs(x), 3);
        Assert.InRange(Math.Abs(Remainders.ExpM1MinusX(x) / expRemainder - 1), 0, tolerance);
        Assert.InRange(Math.Abs(Remainders.XExpXMinusExpM1(x) / xExpRemainder - 1), 0, tolerance);
        Assert.InRange(Math.Abs(Remainders.Log1PMinusX(x) / logRemainder - 1), 0, tolerance);
    }

    [Theory]
    [InlineData(-3.0)]
    [InlineData(-0.7)]
    [InlineData(0.6)]
    [InlineData(2.5)]
    public void RemaindersAgreeWithDirectFormulasAwayFromZero(double x)
    {
        Assert.Equal(Math.Exp(x) - 1 - x, Remainders.ExpM1MinusX(x), 1e-14);
        Assert.Equal(x * Math.Exp(x) - Math.Exp(x) + 1, Remainders.XExpXMinusExpM1(x), 1e-13);
        if (x > -1)
        {
            Assert.Equal(Math.Log(1 + x) - x, Remainders.Log1PMinusX(x), 1e-14);
        }

        Assert.Equal(Math.Log(1 + 0.45) - 0.45, Remainders.Log1PMinusX(0.45), 1e-15);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(1.0)]
    [InlineData(2.5)]
    [InlineData(10.0)]
    [InlineData(50.0)]
    [InlineData(500.0)]
    public void RegularizedGammaAgreesWithMathNetInTheBulk(double k)
    {
        double sd = Math.Sqrt(k);
        foreach (double z in new[] { -3.0, -1.0, -0.1, 0.0, 0.3, 1.0, 3.0 })
        {
            double x = Math.Max(1e-3, k + z * sd);
            double p = RegularizedGamma.Lower(k, x);
            double q = RegularizedGamma.Upper(k, x);
            Assert.Equal(SpecialFunctions.GammaLowerRegularized(k, x), p, 1e-11);
            Assert.Equal(1.0, p + q, 1e-15);
            double direct = (k - 1) * Math.Log(x) - x - SpecialFunctions.GammaLn(k);
            Assert.Equal(direct, RegularizedGamma.LogDensity(k, x), 1e-10);
        }
    }

    [Fact]
    public void RegularizedGammaIsRelativelyAccurateInBothTailsForLargeShapes()
    {
        const double k = 50_000;
        double sd = Math.Sqrt(k);

        // Far tails: P(k, k − 10 sd) and Q(k, k + 10 sd) are ~1e−23; MathNet's lower function returns 1 here.
        double lower = RegularizedGamma.Lower(k, k - 10 * sd);
        double upper = RegularizedGamma.Upper(k, k + 10 * sd);
        Assert.InRange(lower, 1e-26, 1e-20);
        Assert.InRange(upper, 1e-26, 1e-20);

        // Tail ratio against the first Mills-ratio term: Q(k, x) ≈ x f(x) / (x − k + 1) for x ≫ k + √k.
        double x = k + 30 * sd;
        double mills = Math.Exp(RegularizedGamma.LogDensity(k, x)) * x / (x - k + 1);
        Assert.InRange(RegularizedGamma.Upper(k, x) / mills, 0.98, 1.0);

        // A short interval: P(k, x + w) − P(k, x) ≈ w f(x) to first order.
        double w = 1e-6;
        double between = RegularizedGamma.IntervalProbability(k, k, w);
        Assert.Equal(w * Math.Exp(RegularizedGamma.LogDensity(k, k + w / 2)), between, 1e-20);
        Assert.Equal(1.0, between / (w * Math.Exp(RegularizedGamma.LogDensity(k, k + w / 2))), 1e-9);
    }

    [Theory]
    [InlineData(0.5, 0.1, 0.05)]
    [InlineData(0.5, 2.0, 5.0)]
    [InlineData(3.0, 1.0, 0.3)]
    [InlineData(20.0, 18.0, 9.0)]
    [InlineData(500.0, 480.0, 3.0)]
    [InlineData(500.0, 300.0, 150.0)]
    [InlineData(500.0, 560.0, 100.0)]
    public void IntervalProbabilityMatchesDifferencesWhereTheyDoNotCancel(double k, double x, double w)
    {
        double expected = SpecialFunctions.GammaLowerRegularized(k, x + w) - SpecialFunctions.GammaLowerRegularized(k, x);
        double actual = RegularizedGamma.IntervalProbability(k, x, w);
        Assert.Equal(expected, actual, Math.Max(1e-13, 1e-10 * expected));
    }
}
