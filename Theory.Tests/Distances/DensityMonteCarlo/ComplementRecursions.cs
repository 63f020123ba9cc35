using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// Independent closed forms for one coordinate of a zero-mean Gaussian data law N(0, λ) (λ = 0: data on a
/// subspace, the complement of an embedded target with σ⊥² = 0), written from the update rules of DESIGN §4
/// and nothing of the harness but the schedule's α_t, ᾱ_t: with the exact score s(y, ᾱ) = −y/v(ᾱ),
/// v = ᾱλ + 1 − ᾱ, every sampler is linear in y, so the output variance follows a scalar recursion —
/// deterministic samplers multiply a gain, stochastic ones add their noise variances.
/// </summary>
internal static class ComplementRecursions
{
    /// <summary>Var Y_1 for Y_T ~ N(0, 1) (Gaussian start) or N(0, v(ᾱ_T)) (exact start).</summary>
    public static double OutputVariance(string sampler, NoiseSchedule schedule, double lambda, StartDistribution start)
    {
        int steps = schedule.Steps;
        double v(int t) => schedule.AlphaBar(t) * lambda + schedule.OneMinusAlphaBar(t);
        double c(double alphaBar, double oneMinusAlphaBar) => 1.0 / (alphaBar * lambda + oneMinusAlphaBar);
        double ct(int t) => 1.0 / v(t);
        double variance = start == StartDistribution.Gaussian ? 1.0 : v(steps);
        double gain = 1.0;
        double previousEpsilonGain = 0; // acc-ode-ms: ε_{t+1}(Y_{t+1}) per unit of Y_T
        double previousGain = 0;
        for (int t = steps; t >= 2; t--)
        {
            double alpha = schedule.Alpha(t);
            double beta = schedule.Beta(t);
            double rootAlpha = Math.Sqrt(alpha);
            double sigma = Math.Sqrt(schedule.OneMinusAlphaBar(t));
            double sigmaPrevious = Math.Sqrt(schedule.OneMinusAlphaBar(t - 1));
            switch (sampler)
            {
                case "ddim-type":
                    // Y_{t−1} = (Y + β/2 s)/√α
                    gain *= (1 - beta / 2 * ct(t)) / rootAlpha;
                    break;
                case "ddim":
                    // Y_{t−1} = Y/√α + (σ_{t−1} − σ_t/√α) ε,  ε = σ_t c y
                    gain *= 1 / rootAlpha + (sigmaPrevious - sigma / rootAlpha) * sigma * ct(t);
                    break;
                case "acc-ode":
                {
                    // Y⁻ = √α_{t+1}(Y − β_{t+1}/2 s_t(Y)); Y_{t−1} = (Y + β/2 s_t(Y) + β²/(4β_{t+1})(s_t(Y) − √α_{t+1} s_{t+1}(Y⁻)))/√α
                    double betaNext = schedule.Beta(t + 1);
                    double rootAlphaNext = Math.Sqrt(schedule.Alpha(t + 1));
                    double minus = rootAlphaNext * (1 + betaNext / 2 * ct(t));
                    double sT = -ct(t);
                    double sNext = -ct(t + 1) * minus;
                    gain *= (1 + beta / 2 * sT + beta * beta / (4 * betaNext) * (sT - rootAlphaNext * sNext)) / rootAlpha;
                    break;
                }

                case "acc-ode-ms":
                {
                    // ddim(Y) + √ᾱ_{t−1}/(ᾱ_t − ᾱ_{t+1}) K_t (ε_{t+1}(Y_{t+1}) − ε_t(Y_t)), first step ddim only;
                    // K_t = ᾱ_t σ_{t−1}/√ᾱ_{t−1} − ᾱ_t σ_t/√ᾱ_t + [arcsin √ᾱ_{t−1} − arcsin √ᾱ_t], the bracket as one arcsin.
                    double alphaBar = schedule.AlphaBar(t);
                    double alphaBarPrevious = schedule.AlphaBar(t - 1);
                    double epsilonGain = sigma * ct(t) * gain;
                    double next = gain / rootAlpha + (sigmaPrevious - sigma / rootAlpha) * epsilonGain;
                    if (t < steps)
                    {
                        double arcsinDifference = Math.Asin(Math.Sqrt(alphaBarPrevious) * sigma - Math.Sqrt(alphaBar) * sigmaPrevious);
                        double k = alphaBar * sigmaPrevious / Math.Sqrt(alphaBarPrevious) - alphaBar * sigma / Math.Sqrt(alphaBar) + arcsinDifference;
                        double denominator = alphaBar - schedule.AlphaBar(t + 1);
                        next += Math.Sqrt(alphaBarPrevious) / denominator * k * (previousEpsilonGain - epsilonGain);
                    }

                    previousGain = gain;
                    previousEpsilonGain = epsilonGain;
                    gain = next;
                    break;
                }

                case "dpm-solver-2":
                {
                    // λ = ln(a/σ); u = (a_m/a_t) Y − σ_m(e^{h/2} − 1) ε(Y, ᾱ_t); Y_{t−1} = (a_{t−1}/a_t) Y − σ_{t−1}(e^h − 1) ε(u, ᾱ_m)
                    double lambdaT = 0.5 * (schedule.LogAlphaBar(t) - Math.Log(schedule.OneMinusAlphaBar(t)));
                    double lambdaPrevious = 0.5 * (schedule.LogAlphaBar(t - 1) - Math.Log(schedule.OneMinusAlphaBar(t - 1)));
                    double h = lambdaPrevious - lambdaT;
                    double lambdaM = lambdaT + h / 2;
                    double alphaBarM = 1 / (1 + Math.Exp(-2 * lambdaM));
                    double oneMinusM = 1 / (1 + Math.Exp(2 * lambdaM));
                    double sigmaM = Math.Sqrt(oneMinusM);
                    double aRatioM = Math.Sqrt(alphaBarM / schedule.AlphaBar(t));
                    double u = aRatioM - sigmaM * (Math.Exp(h / 2) - 1) * sigma * ct(t);
                    double epsilonU = sigmaM * c(alphaBarM, oneMinusM) * u;
                    gain *= 1 / rootAlpha - sigmaPrevious * (Math.Exp(h) - 1) * epsilonU;
                    break;
                }

                case "ddpm-type":
                {
                    // (Y + β s + √β Z)/√α
                    double g = (1 - beta * ct(t)) / rootAlpha;
                    variance = g * g * variance + beta / alpha;
                    break;
                }

                case "ddpm-posterior":
                {
                    // (Y + β s)/√α + √β̃ Z,  β̃ = β (1 − ᾱ_{t−1})/(1 − ᾱ_t)
                    double g = (1 - beta * ct(t)) / rootAlpha;
                    variance = g * g * variance + beta * schedule.OneMinusAlphaBar(t - 1) / schedule.OneMinusAlphaBar(t);
                    break;
                }

                case "acc-sde":
                case "acc-sde-inside":
                {
                    // Y⁺ = Y + √(β/2) Z; (Y⁺ + β s(Y⁺))/√α + √(β/2) Z⁺ (outside) or with √(β/2) Z⁺ inside the 1/√α
                    double g = (1 - beta * ct(t)) / rootAlpha;
                    variance = g * g * (variance + beta / 2) + (sampler == "acc-sde" ? beta / 2 : beta / (2 * alpha));
                    break;
                }

                default:
                    throw new ArgumentException(sampler);
            }
        }

        _ = previousGain;
        return SamplerCatalog.Get(sampler).IsStochastic ? variance : gain * gain * variance;
    }

    /// <summary>v(ᾱ_1) = ᾱ_1 λ + 1 − ᾱ_1, the variance of q_1.</summary>
    public static double TargetVariance(NoiseSchedule schedule, double lambda) => schedule.AlphaBar(1) * lambda + schedule.OneMinusAlphaBar(1);

    /// <summary>KL(N(0, a) ‖ N(0, b)) = ½(η − ln(1 + η)), η = a/b − 1 (a series for small η, where the two terms cancel).</summary>
    public static double Kl(double a, double b)
    {
        double eta = (a - b) / b;
        return Math.Abs(eta) < 1e-3
            ? 0.5 * eta * eta * (0.5 - eta * (1.0 / 3 - eta * (0.25 - eta / 5)))
            : 0.5 * (eta - Math.Log(1 + eta));
    }
}
