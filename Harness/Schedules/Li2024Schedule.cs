using Diffusion.Verify.Numerics;

namespace Diffusion.Verify.Schedules;

/// <summary>
/// The paper's schedule (DESIGN §2): β_1 = T^{−c0},
/// β_{t+1} = (c1 ln T / T) · min{ β_1 (1 + c1 ln T / T)^t, 1 } for t = 1..T.
/// ᾱ_T ≈ T^{−(c1−c0)}, so c1 &gt; c0 is needed for the N(0, I) start to be close to q_T.
/// </summary>
public static class Li2024Schedule
{
    public static NoiseSchedule Create(int steps, double c0, double c1)
    {
        NoiseSchedule.CheckSteps(steps);
        if (!double.IsFinite(c0) || c0 <= 0)
        {
            throw new InvalidSpecificationException("c0", c0.ToString("R"), "li2024 needs a finite c0 > 0");
        }

        if (!double.IsFinite(c1) || c1 <= 0)
        {
            throw new InvalidSpecificationException("c1", c1.ToString("R"), "li2024 needs a finite c1 > 0");
        }

        double rate = c1 * Math.Log(steps) / steps;
        if (rate >= 1)
        {
            throw new InvalidSpecificationException(
                "c1", c1.ToString("R"), $"li2024 needs c1·ln T / T < 1 so that β stays below 1, but at T = {steps} it is {rate:G4}; lower c1 or raise T");
        }

        double beta1 = Math.Pow(steps, -c0);
        double logBeta1 = -c0 * Math.Log(steps);
        double logGrowth = Elementary.Log1P(rate);
        var betas = new double[steps + 1];
        betas[0] = beta1;
        for (int t = 1; t <= steps; t++)
        {
            // min{β_1 (1 + rate)^t, 1} in log space: the power overflows long before it is capped for large T.
            double logGeometric = Math.Min(logBeta1 + t * logGrowth, 0.0);
            betas[t] = rate * Math.Exp(logGeometric);
        }

        return NoiseSchedule.FromBetas("li2024", steps, betas);
    }
}
