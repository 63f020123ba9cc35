using Diffusion.Verify.Numerics;
using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// Closed forms for a 1-D Gaussian target N(μ0, σ0²), written independently of the harness: every
/// stochastic kernel is affine in y plus Gaussian noise, so the sampler's law stays Gaussian and path KL
/// is an expectation of KLs between Gaussians with affine means.
/// </summary>
internal static class DensityPropagationGaussianReference
{
    public static double DiffusedVariance(double variance0, double alphaBar) => alphaBar * variance0 + 1 - alphaBar;

    /// <summary>Mean and variance of Y_1 after the kernels (in order of application) from the given start.</summary>
    public static (double Mean, double Variance) Propagate(IReadOnlyList<StochasticKernel> kernels, NoiseSchedule schedule, double mean0, double variance0, StartDistribution start)
    {
        double alphaBarT = schedule.AlphaBar(schedule.Steps);
        double m = start == StartDistribution.Gaussian ? 0 : Math.Sqrt(alphaBarT) * mean0;
        double v = start == StartDistribution.Gaussian ? 1 : DiffusedVariance(variance0, alphaBarT);
        foreach (StochasticKernel k in kernels)
        {
            (double a, double b) = AffineMap(k, mean0, variance0);
            v += k.PreNoise * k.PreNoise;
            m = a * m + b;
            v = a * a * v + k.PostNoise * k.PostNoise;
        }

        return (m, v);
    }

    /// <summary>M(y) = Scale (y + c s(y)) = a y + b for s(y) = −(y − √ᾱ μ0)/v.</summary>
    public static (double A, double B) AffineMap(StochasticKernel k, double mean0, double variance0)
    {
        double v = DiffusedVariance(variance0, k.AlphaBar);
        return (k.Scale * (1 - k.ScoreCoefficient / v), k.Scale * k.ScoreCoefficient * Math.Sqrt(k.AlphaBar) * mean0 / v);
    }

    public static double Phi(double z) => 0.5 * MathNet.Numerics.SpecialFunctions.Erfc(-z / Math.Sqrt(2));

    /// <summary>TV between N(m1, v1) and N(m2, v2): |P1(A) − P2(A)| on the set between the two crossing points.</summary>
    public static double TotalVariation(double m1, double v1, double m2, double v2)
    {
        double s1 = Math.Sqrt(v1);
        double s2 = Math.Sqrt(v2);

        // ln N1 − ln N2 = a x² + b x + c.
        double a = 0.5 / v2 - 0.5 / v1;
        double b = m1 / v1 - m2 / v2;
        double c = -m1 * m1 / (2 * v1) + m2 * m2 / (2 * v2) + 0.5 * Math.Log(v2 / v1);
        if (a == 0)
        {
            double r = -c / b;
            return Math.Abs(Phi((r - m1) / s1) - Phi((r - m2) / s2));
        }

        double q = -0.5 * (b + Math.Sign(b) * Math.Sqrt(b * b - 4 * a * c));
        double r1 = q / a;
        double r2 = c / q;
        if (r1 > r2)
        {
            (r1, r2) = (r2, r1);
        }

        return Math.Abs(Phi((r2 - m1) / s1) - Phi((r1 - m1) / s1) - (Phi((r2 - m2) / s2) - Phi((r1 - m2) / s2)));
    }

    /// <summary>KL(N(m1, v1) ‖ N(m2, v2)) = ½ (r − ln(1 + r) + (m1 − m2)²/v2), r = v1/v2 − 1.</summary>
    public static double Kl(double m1, double v1, double m2, double v2)
    {
        double r = (v1 - v2) / v2;
        return 0.5 * (r - Elementary.Log1P(r) + (m1 - m2) * (m1 - m2) / v2);
    }

    /// <summary>
    /// Path KL: KL(q_T ‖ p_T) + Σ_t E_{x∼q_t} KL(N(A_q x + b_q, τ²) ‖ N(A_p x + b_p, s²)), with the reverse
    /// conditional of the forward chain A_q = √α v'/v, b_q = β √ᾱ_{t−1} μ0 / v, τ² = β v'/v, and the kernel
    /// A_p = a, b_p = b, s² = a² pre² + post². E(Δmean)² = ΔA² Var x + (ΔA E x + Δb)².
    /// </summary>
    public static double PathKl(IReadOnlyList<StochasticKernel> kernels, NoiseSchedule schedule, double mean0, double variance0, StartDistribution start)
    {
        int steps = schedule.Steps;
        double total = 0;
        if (start == StartDistribution.Gaussian)
        {
            double alphaBarT = schedule.AlphaBar(steps);
            total += Kl(Math.Sqrt(alphaBarT) * mean0, DiffusedVariance(variance0, alphaBarT), 0, 1);
        }

        for (int t = 2; t <= steps; t++)
        {
            StochasticKernel k = kernels[steps - t];
            double alpha = schedule.Alpha(t);
            double beta = schedule.Beta(t);
            double vPrevious = DiffusedVariance(variance0, schedule.AlphaBar(t - 1));
            double v = alpha * vPrevious + beta;
            double aq = Math.Sqrt(alpha) * vPrevious / v;
            double bq = beta * Math.Sqrt(schedule.AlphaBar(t - 1)) * mean0 / v;
            double tau2 = beta * vPrevious / v;
            (double ap, double bp) = AffineMap(k, mean0, variance0);
            double s2 = ap * ap * k.PreNoise * k.PreNoise + k.PostNoise * k.PostNoise;
            double da = aq - ap;
            double meanX = Math.Sqrt(schedule.AlphaBar(t)) * mean0;
            double varianceX = DiffusedVariance(variance0, schedule.AlphaBar(t));
            double meanGap2 = da * da * varianceX + Math.Pow(da * meanX + bq - bp, 2);
            double r = (tau2 - s2) / s2;
            total += 0.5 * (r - Elementary.Log1P(r) + meanGap2 / s2);
        }

        return total;
    }
}
