using Diffusion.Verify.Numerics;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>The numeric pieces the quadrature evaluators are built from.</summary>
public class DensityPropagationNumericsTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(16)]
    [InlineData(64)]
    public void GaussHermiteIntegratesNormalMomentsExactly(int points)
    {
        var rule = new GaussHermiteRule(points);
        Assert.Equal(1.0, rule.Weights.Sum(), 13);
        for (int k = 0; k < 2 * points && k <= 40; k++)
        {
            // E ξ^k = (k − 1)!! for even k, 0 for odd k.
            double exact = k % 2 == 1 ? 0 : DoubleFactorial(k - 1);
            double sum = 0;
            for (int i = 0; i < points; i++)
            {
                sum += rule.Weights[i] * Math.Pow(rule.Nodes[i], k);
            }

            // Round-off scales with E|ξ|^k ≤ k!! (odd moments cancel between terms of that size).
            Assert.True(Math.Abs(sum - exact) <= 1e-13 * Math.Max(1, DoubleFactorial(k)), $"n = {points}, k = {k}: {sum} vs {exact}");
        }
    }

    [Fact]
    public void GaussHermiteIsNotExactBeyondItsDegree()
    {
        var rule = new GaussHermiteRule(3);
        double sum = 0;
        for (int i = 0; i < 3; i++)
        {
            sum += rule.Weights[i] * Math.Pow(rule.Nodes[i], 6);
        }

        Assert.NotEqual(15.0, sum, 6);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(12)]
    public void LagrangeStencilReproducesPolynomialsAndTheirCellIntegrals(int points)
    {
        var stencil = new LagrangeStencil(points);
        var values = new double[40];
        double P(double x) => 0.3 + x * (-0.2 + x * (0.01 + x * 0.001 * (points > 4 ? 1 : 0)));
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = P(i);
        }

        Assert.Equal(1.0, stencil.CellWeights.Sum(), 13);
        for (double x = 15; x < 25; x += 0.37)
        {
            Assert.Equal(P(x), stencil.Interpolate(values, x), 11);
        }

        // ∫_i^{i+1} P and ∫_i^{i+u} P.
        double Antiderivative(double x) => 0.3 * x - 0.1 * x * x + 0.01 / 3 * x * x * x + (points > 4 ? 0.001 / 4 * x * x * x * x : 0);
        Assert.Equal(Antiderivative(21) - Antiderivative(20), stencil.CellIntegral(values, 20), 10);
        Assert.Equal(Antiderivative(20.3) - Antiderivative(20), stencil.PartialCellIntegral(values, 20, 0.3), 10);
    }

    /// <summary>N(0, s²) convolved with N(0, σ²) is N(0, s² + σ²), for kernels far wider and far narrower than a cell.</summary>
    [Theory]
    [InlineData(0.7)]
    [InlineData(1e-4)]
    [InlineData(1e-9)]
    public void FourierConvolutionOfGaussiansIsExact(double sigma)
    {
        const double s = 0.5;
        const double h = 0.03;
        var values = new double[1024];
        double origin = -h * 511.5;
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = Density(origin + i * h, s * s);
        }

        GaussianFourierConvolution.Apply(values, h, sigma);
        double worst = 0;
        for (int i = 0; i < values.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(values[i] - Density(origin + i * h, s * s + sigma * sigma)));
        }

        Assert.True(worst < 1e-14, $"max error {worst}");
    }

    private static double Density(double x, double variance) => Math.Exp(-0.5 * x * x / variance) / Math.Sqrt(2 * Math.PI * variance);

    private static double DoubleFactorial(int k)
    {
        double r = 1;
        for (int i = k; i > 1; i -= 2)
        {
            r *= i;
        }

        return r;
    }
}
