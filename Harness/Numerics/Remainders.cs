namespace Diffusion.Verify.Numerics;

/// <summary>
/// Taylor remainders that appear in divergences between nearly equal laws. Written out naively they lose all
/// relative precision exactly where it matters (a log-ratio l of 1e−8 gives a KL integrand of 5e−17), so
/// near zero they are summed as series that start at their leading term.
/// </summary>
public static class Remainders
{
    /// <summary>eˡ − 1 − l ≥ 0: the integrand of KL(p‖q) = E_p[r − 1 − ln r] at l = ln r.</summary>
    public static double ExpM1MinusX(double l)
    {
        if (Math.Abs(l) >= 0.5)
        {
            return Elementary.ExpM1(l) - l;
        }

        // Σ_{n≥2} lⁿ / n!
        double term = 0.5 * l * l;
        double sum = term;
        for (int n = 3; n < 30; n++)
        {
            term *= l / n;
            sum += term;
            if (Math.Abs(term) <= 1e-17 * sum)
            {
                break;
            }
        }

        return sum;
    }

    /// <summary>l eˡ − eˡ + 1 ≥ 0: the integrand of KL(q‖p) = E_p[r ln r − r + 1] at l = ln r.</summary>
    public static double XExpXMinusExpM1(double l)
    {
        if (Math.Abs(l) >= 0.5)
        {
            return l * Math.Exp(l) - Elementary.ExpM1(l);
        }

        // Σ_{n≥2} (n − 1) lⁿ / n!
        double power = l * l / 2.0;
        double sum = power;
        for (int n = 3; n < 30; n++)
        {
            power *= l / n;
            double term = (n - 1) * power;
            sum += term;
            if (Math.Abs(term) <= 1e-17 * sum)
            {
                break;
            }
        }

        return sum;
    }

    /// <summary>ln(1 + x) − x ≤ 0 (x &gt; −1), accurate for small x (R's log1pmx idea).</summary>
    public static double Log1PMinusX(double x)
    {
        if (x <= -1.0)
        {
            return x == -1.0 ? double.NegativeInfinity : double.NaN;
        }

        if (Math.Abs(x) > 0.5)
        {
            return Elementary.Log1P(x) - x;
        }

        // With u = x / (2 + x): ln(1 + x) = 2 atanh u = 2 Σ u^{2j+1}/(2j+1) and x − 2u = x u, so
        // ln(1 + x) − x = −x u + 2 u³ Σ_{j≥0} u^{2j} / (2j + 3); |u| ≤ 1/3 here.
        double u = x / (2.0 + x);
        double u2 = u * u;
        double power = 1.0;
        double series = 0;
        for (int j = 0; j < 40; j++)
        {
            double term = power / (2 * j + 3);
            series += term;
            if (term <= 1e-17 * series)
            {
                break;
            }

            power *= u2;
        }

        return -x * u + 2.0 * u * u2 * series;
    }
}
