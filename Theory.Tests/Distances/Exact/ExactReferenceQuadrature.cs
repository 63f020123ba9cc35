namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// Independent brute-force references for the exact-evaluator tests: composite Gauss–Legendre on a fine
/// grid, with the sign changes of an integrand located by bisection on the grid (so |f| is integrated as a
/// smooth function on each piece). Shares no code with the harness's closed forms.
/// </summary>
internal static class ExactReferenceQuadrature
{
    private static readonly (double[] Nodes, double[] Weights) Rule = Legendre(20);

    /// <summary>∫_a^b f by composite 20-point Gauss–Legendre on <paramref name="panels"/> equal panels.</summary>
    public static double Integrate(Func<double, double> f, double a, double b, int panels)
    {
        double width = (b - a) / panels;
        double sum = 0;
        for (int p = 0; p < panels; p++)
        {
            double centre = a + ((p + 0.5) * width);
            double partial = 0;
            for (int i = 0; i < Rule.Nodes.Length; i++)
            {
                partial += Rule.Weights[i] * f(centre + (0.5 * width * Rule.Nodes[i]));
            }

            sum += 0.5 * width * partial;
        }

        return sum;
    }

    /// <summary>∫_a^b |f|: the sign changes on a grid of <paramref name="grid"/> cells are bisected and each piece integrated.</summary>
    public static double IntegrateAbsolute(Func<double, double> f, double a, double b, int grid, int panelsPerPiece = 64)
    {
        var breaks = new List<double> { a };
        double h = (b - a) / grid;
        double left = a;
        double fLeft = f(left);
        for (int k = 1; k <= grid; k++)
        {
            double right = a + (k * h);
            double fRight = f(right);
            if (fRight == 0 && fLeft != 0)
            {
                breaks.Add(right);
            }
            else if (fLeft * fRight < 0)
            {
                double lo = left;
                double hi = right;
                double fLo = fLeft;
                for (int it = 0; it < 200 && hi - lo > 1e-15 * Math.Max(1, Math.Abs(lo)); it++)
                {
                    double mid = 0.5 * (lo + hi);
                    double fMid = f(mid);
                    if (fLo * fMid <= 0)
                    {
                        hi = mid;
                    }
                    else
                    {
                        lo = mid;
                        fLo = fMid;
                    }
                }

                breaks.Add(0.5 * (lo + hi));
            }

            left = right;
            fLeft = fRight;
        }

        breaks.Add(b);
        double total = 0;
        for (int i = 0; i + 1 < breaks.Count; i++)
        {
            total += Math.Abs(Integrate(f, breaks[i], breaks[i + 1], panelsPerPiece));
        }

        return total;
    }

    public static double NormalDensity(double x, double mean, double variance) =>
        Math.Exp(-0.5 * (x - mean) * (x - mean) / variance) / Math.Sqrt(2 * Math.PI * variance);

    /// <summary>½ ∫ |N(μ_p, v_p) − N(μ_q, v_q)| by brute force.</summary>
    public static double TotalVariation1D(double meanP, double varianceP, double meanQ, double varianceQ)
    {
        double spread = 40 * Math.Sqrt(Math.Max(varianceP, varianceQ));
        double a = Math.Min(meanP, meanQ) - spread;
        double b = Math.Max(meanP, meanQ) + spread;
        return 0.5 * IntegrateAbsolute(x => NormalDensity(x, meanP, varianceP) - NormalDensity(x, meanQ, varianceQ), a, b, 20_000);
    }

    /// <summary>Gauss–Legendre nodes and weights on [−1, 1] by Newton's iteration on P_n.</summary>
    private static (double[] Nodes, double[] Weights) Legendre(int n)
    {
        var nodes = new double[n];
        var weights = new double[n];
        for (int i = 0; i < n; i++)
        {
            double x = Math.Cos(Math.PI * (i + 0.75) / (n + 0.5));
            double derivative = 0;
            for (int it = 0; it < 100; it++)
            {
                double p0 = 1;
                double p1 = x;
                for (int k = 2; k <= n; k++)
                {
                    double p2 = (((2 * k) - 1) * x * p1 - ((k - 1) * p0)) / k;
                    p0 = p1;
                    p1 = p2;
                }

                derivative = n * ((x * p1) - p0) / ((x * x) - 1);
                double dx = p1 / derivative;
                x -= dx;
                if (Math.Abs(dx) < 1e-16)
                {
                    break;
                }
            }

            nodes[i] = x;
            weights[i] = 2 / ((1 - (x * x)) * derivative * derivative);
        }

        return (nodes, weights);
    }
}
