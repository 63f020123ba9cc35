namespace Diffusion.Verify.Schedules;

/// <summary>
/// Ho et al.'s linear schedule rescaled to T steps: β from 1e−4·1000/T to 0.02·1000/T, continued
/// linearly by one step for level T+1. Valid only while that last β stays below 1 (T &gt; 20).
/// </summary>
public static class LinearSchedule
{
    public static NoiseSchedule Create(int steps)
    {
        NoiseSchedule.CheckSteps(steps);
        double betaMin = 1e-4 * 1000.0 / steps;
        double betaMax = 0.02 * 1000.0 / steps;
        double increment = (betaMax - betaMin) / (steps - 1);
        if (betaMax + increment >= 1)
        {
            throw new InvalidSpecificationException(
                "T", steps.ToString(), $"the linear schedule reaches β ≥ 1 at T = {steps} (β_T = 20/T); use T ≥ 21");
        }

        var betas = new double[steps + 1];
        for (int t = 1; t <= steps + 1; t++)
        {
            betas[t - 1] = betaMin + (t - 1) * increment;
        }

        return NoiseSchedule.FromBetas("linear", steps, betas);
    }
}
