namespace Diffusion.Verify.Numerics;

/// <summary>
/// Gauss–Hermite quadrature for the standard normal weight: E[f(ξ)], ξ ~ N(0, 1), is approximated by
/// Σ_i Weights[i] f(Nodes[i]); exact for polynomials of degree ≤ 2n − 1. The weights sum to 1.
/// </summary>
public sealed class GaussHermiteRule
{
    public GaussHermiteRule(int points)
    {
        if (points < 1 || points > 400)
        {
            throw new InvalidSpecificationException("Gauss–Hermite points", points.ToString(), "need 1 to 400 nodes");
        }

        var nodes = new double[points];
        var weights = new double[points];
        Compute(points, nodes, weights);
        Nodes = nodes;
        Weights = weights;
    }

    public int Count => Nodes.Length;

    public double[] Nodes { get; }

    public double[] Weights { get; }

    /// <summary>
    /// Newton iteration on the orthonormal Hermite recurrence (physicists' weight e^{−x²}) with the
    /// classical asymptotic starting guesses (Numerical Recipes' gauher), then rescaled to N(0, 1):
    /// ξ = √2 x, w = w_phys / √π. The orthonormal recurrence cannot overflow for large n.
    /// </summary>
    private static void Compute(int n, double[] nodes, double[] weights)
    {
        const double pim4 = 0.7511255444649425; // π^{−1/4}
        int half = (n + 1) / 2;
        var x = new double[n];
        double z = 0;
        for (int i = 0; i < half; i++)
        {
            z = i switch
            {
                0 => Math.Sqrt(2.0 * n + 1) - 1.85575 * Math.Pow(2.0 * n + 1, -0.16667),
                1 => z - 1.14 * Math.Pow(n, 0.426) / z,
                2 => 1.86 * z - 0.86 * x[0],
                3 => 1.91 * z - 0.91 * x[1],
                _ => 2.0 * z - x[i - 2],
            };

            double derivative = 0;
            for (int iteration = 0; iteration < 100; iteration++)
            {
                double p1 = pim4;
                double p2 = 0;
                for (int j = 0; j < n; j++)
                {
                    double p3 = p2;
                    p2 = p1;
                    p1 = z * Math.Sqrt(2.0 / (j + 1)) * p2 - Math.Sqrt((double)j / (j + 1)) * p3;
                }

                derivative = Math.Sqrt(2.0 * n) * p2;
                double previous = z;
                z = previous - p1 / derivative;
                if (Math.Abs(z - previous) <= 1e-15 * Math.Max(1.0, Math.Abs(z)))
                {
                    break;
                }
            }

            x[i] = z;
            x[n - 1 - i] = -z;
            double w = 2.0 / (derivative * derivative) / Math.Sqrt(Math.PI);
            weights[n - 1 - i] = w;
            weights[i] = w;
        }

        for (int i = 0; i < n; i++)
        {
            nodes[i] = Math.Sqrt(2.0) * x[n - 1 - i];
        }

        Array.Reverse(weights);
    }
}
