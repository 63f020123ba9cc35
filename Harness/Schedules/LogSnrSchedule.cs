using Diffusion.Verify.Numerics;

namespace Diffusion.Verify.Schedules;

/// <summary>
/// Log-free reference grid (DESIGN §2): λ_t = ln(ᾱ_t/(1−ᾱ_t)) uniform from λ_1 = λ_max to λ_T = λ_min,
/// extended by one more λ step for level T+1. Every step has the same size in log-SNR, so fitted slopes
/// against T carry no log T factors.
/// </summary>
public static class LogSnrSchedule
{
    public const double DefaultLambdaMax = 9.0;
    public const double DefaultLambdaMin = -40.0;

    public static NoiseSchedule Create(int steps, double lambdaMax = DefaultLambdaMax, double lambdaMin = DefaultLambdaMin)
    {
        NoiseSchedule.CheckSteps(steps);
        if (!double.IsFinite(lambdaMax))
        {
            throw new InvalidSpecificationException("lambdaMax", lambdaMax.ToString("R"), "must be finite");
        }

        if (!double.IsFinite(lambdaMin) || lambdaMin >= lambdaMax)
        {
            throw new InvalidSpecificationException("lambdaMin", lambdaMin.ToString("R"), $"must be finite and below lambdaMax = {lambdaMax:R}");
        }

        double stepSize = (lambdaMin - lambdaMax) / (steps - 1);
        var logAlphas = new double[steps + 1];
        double previousLogAlphaBar = 0.0;
        for (int t = 1; t <= steps + 1; t++)
        {
            double lambda = lambdaMax + (t - 1) * stepSize;

            // ln ᾱ = ln sigmoid(λ) = −softplus(−λ)
            double logAlphaBar = -Elementary.Softplus(-lambda);
            logAlphas[t - 1] = logAlphaBar - previousLogAlphaBar;
            previousLogAlphaBar = logAlphaBar;
        }

        return NoiseSchedule.FromLogAlphas("logsnr", steps, logAlphas);
    }
}
