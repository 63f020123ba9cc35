using Diffusion.Verify.Numerics;

namespace Diffusion.Verify.Schedules;

/// <summary>
/// Nichol–Dhariwal: ᾱ(t) = f(t)/f(0), f(t) = cos²(((t/T) + s)/(1 + s) · π/2), s = 0.008,
/// β_t = min(1 − ᾱ_t/ᾱ_{t−1}, 0.999). Level T+1 lies past f's zero and takes the cap 0.999.
/// </summary>
public static class CosineSchedule
{
    private const double Offset = 0.008;
    private const double MaxBeta = 0.999;

    public static NoiseSchedule Create(int steps)
    {
        NoiseSchedule.CheckSteps(steps);

        // ln α_t = ln f(t) − ln f(t−1), capped below at ln(1 − 0.999): α_t keeps its relative precision
        // where β_t nears the cap (1 − β_t would carry an error of 1e−16/α_t).
        double minLogAlpha = Elementary.Log1P(-MaxBeta);
        var logAlphas = new double[steps + 1];
        double previous = LogF(0, steps);
        for (int t = 1; t <= steps; t++)
        {
            double current = LogF(t, steps);
            logAlphas[t - 1] = Math.Max(current - previous, minLogAlpha);
            previous = current;
        }

        logAlphas[steps] = minLogAlpha;
        return NoiseSchedule.FromLogAlphas("cosine", steps, logAlphas);
    }

    private static double LogF(int t, int steps)
    {
        double c = Math.Cos(((double)t / steps + Offset) / (1 + Offset) * Math.PI / 2);
        return c <= 0 ? double.NegativeInfinity : 2 * Math.Log(c);
    }
}
