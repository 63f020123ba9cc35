using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// The samplers evaluate DESIGN §4's coefficients in cancellation-free rearrangements. They must equal the
/// literal formulas where those are accurate (moderate β), and stay accurate where the literal ones are not.
/// </summary>
public sealed class SamplerCoefficientTests
{
    [Theory]
    [InlineData(0.3, 0.2, 0.25)]
    [InlineData(0.05, 0.01, 0.06)]
    [InlineData(0.9, 0.5, 0.7)]
    public void StableFormsEqualTheLiteralFormulas(double beta1, double beta2, double beta3)
    {
        NoiseSchedule schedule = NoiseSchedule.FromBetas("coefficients", 2, [beta1, beta2, beta3]);
        const int t = 2;
        double alpha = 1 - beta2;
        double alphaBar = (1 - beta1) * (1 - beta2);
        double alphaBarPrevious = 1 - beta1;
        double alphaBarNext = alphaBar * (1 - beta3);

        // √(1−ᾱ_{t−1}) − √(1−ᾱ_t)/√α_t
        double ddim = Math.Sqrt(1 - alphaBarPrevious) - Math.Sqrt(1 - alphaBar) / Math.Sqrt(alpha);
        Assert.Equal(ddim, DdimSampler.EpsilonCoefficient(schedule, t), 1e-12 * Math.Abs(ddim));

        // √ᾱ_{t−1}/(ᾱ_t − ᾱ_{t+1}) · K_t, K_t = ᾱ_t √(1−ᾱ_{t−1})/√ᾱ_{t−1} + arcsin √ᾱ_{t−1} − ᾱ_t √(1−ᾱ_t)/√ᾱ_t − arcsin √ᾱ_t
        double k = alphaBar * Math.Sqrt(1 - alphaBarPrevious) / Math.Sqrt(alphaBarPrevious) + Math.Asin(Math.Sqrt(alphaBarPrevious))
            - alphaBar * Math.Sqrt(1 - alphaBar) / Math.Sqrt(alphaBar) - Math.Asin(Math.Sqrt(alphaBar));
        double correction = Math.Sqrt(alphaBarPrevious) / (alphaBar - alphaBarNext) * k;
        Assert.Equal(correction, AccOdeMultistepSampler.CorrectionCoefficient(schedule, t), 1e-9 * Math.Abs(correction));

        // β̃_t = β_t (1−ᾱ_{t−1})/(1−ᾱ_t)
        double posterior = beta2 * (1 - alphaBarPrevious) / (1 - alphaBar);
        Assert.Equal(posterior, DdpmPosteriorSampler.PosteriorVariance(schedule, t), 1e-13 * posterior);
    }

    /// <summary>
    /// As β → 0 with ᾱ_t fixed, the DDIM weight is ∝ β and the multistep weight ∝ β (K_t ∝ β², divided by
    /// ᾱ_t β_{t+1}); halving β at tiny β must halve them to many digits, which fails if they are computed
    /// by cancelling O(1) terms.
    /// </summary>
    [Fact]
    public void CoefficientsScaleCleanlyAtTinyBeta()
    {
        double Ratio(Func<NoiseSchedule, double> coefficient, double beta)
        {
            NoiseSchedule Build(double b) => NoiseSchedule.FromBetas("tiny", 2, [1 - 0.5 / (1 - b), b, b]);
            return coefficient(Build(beta)) / coefficient(Build(beta / 2));
        }

        foreach (double beta in new[] { 1e-6, 1e-9, 1e-12 })
        {
            Assert.Equal(2.0, Ratio(s => DdimSampler.EpsilonCoefficient(s, 2), beta), 1e-5);
            Assert.Equal(2.0, Ratio(s => AccOdeMultistepSampler.CorrectionCoefficient(s, 2), beta), 1e-5);
        }
    }
}
