using Diffusion.Verify.Distances;
using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Xunit.Abstractions;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>Closed-form path KL against a per-step numerical evaluation, data processing, and its parts.</summary>
public sealed class ExactGaussianPathKlTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("ddpm-type", StartDistribution.Gaussian)]
    [InlineData("ddpm-type", StartDistribution.Exact)]
    [InlineData("test-acc-sde", StartDistribution.Gaussian)]
    public void MatchesAPerStepNumericalEvaluationInOneDimension(string samplerName, StartDistribution start)
    {
        // Each step independently: x over q_t and y over q(·|x) by quadrature, with q(·|x) from DESIGN §4's
        // exact facts, E[X_{t−1}|x] = (x + β s_t(x))/√α, Var = β/α (1 + β s_t'), and p(·|x) from the kernel.
        const double m = 0.8;
        const double lambda = 0.5;
        Sampler sampler = ExactGaussianPropagationTests.ByName(samplerName);
        NoiseSchedule schedule = LogSnrSchedule.Create(12, 6.0, -8.0);
        PathKlBreakdown closed = GaussianPathKl.Compute(sampler, schedule, new GaussianLaw([m], [lambda]), start);

        double LogNormal(double y, double mean, double variance) => (-0.5 * (y - mean) * (y - mean) / variance) - (0.5 * Math.Log(2 * Math.PI * variance));
        double NumericalKl(double meanA, double varianceA, double meanB, double varianceB)
        {
            double sd = Math.Sqrt(varianceA);
            return ExactReferenceQuadrature.Integrate(
                y => Math.Exp(LogNormal(y, meanA, varianceA)) * (LogNormal(y, meanA, varianceA) - LogNormal(y, meanB, varianceB)),
                meanA - (12 * sd),
                meanA + (12 * sd),
                24);
        }

        int steps = schedule.Steps;
        double alphaBarT = schedule.AlphaBar(steps);
        double startTerm = start == StartDistribution.Gaussian
            ? NumericalKl(Math.Sqrt(alphaBarT) * m, (alphaBarT * lambda) + (1 - alphaBarT), 0.0, 1.0)
            : 0.0;
        Assert.Equal(startTerm, closed.Start, 1e-9 * Math.Max(startTerm, 1e-300));

        double total = startTerm;
        for (int t = steps; t >= 2; t--)
        {
            double alpha = schedule.Alpha(t);
            double beta = schedule.Beta(t);
            double alphaBar = schedule.AlphaBar(t);
            double meanT = Math.Sqrt(alphaBar) * m;
            double varianceT = (alphaBar * lambda) + (1 - alphaBar);
            double Score(double x) => -(x - meanT) / varianceT;
            StochasticKernel k = sampler.Kernel(schedule, t);
            double gain = 1 - (k.ScoreCoefficient / varianceT);
            double varianceP = (k.Scale * gain * k.PreNoise * (k.Scale * gain * k.PreNoise)) + (k.PostNoise * k.PostNoise);
            double varianceQ = beta / alpha * (1 - (beta / varianceT));
            double sdT = Math.Sqrt(varianceT);
            double step = ExactReferenceQuadrature.Integrate(
                x => Math.Exp(LogNormal(x, meanT, varianceT))
                    * NumericalKl((x + (beta * Score(x))) / Math.Sqrt(alpha), varianceQ, k.Scale * (x + (k.ScoreCoefficient * Score(x))), varianceP),
                meanT - (12 * sdT),
                meanT + (12 * sdT),
                24);
            Assert.True(Math.Abs(step - closed.StepTerms[t]) <= 1e-7 * step, $"t = {t}: numerical {step:R} vs closed form {closed.StepTerms[t]:R}");
            total += step;
        }

        output.WriteLine($"{samplerName} {start}: path KL closed form {closed.Total:R}, numerical {total:R}, relative gap {Math.Abs(total - closed.Total) / total:G3}");
        Assert.True(Math.Abs(total - closed.Total) <= 1e-6 * total, $"numerical {total:R} vs closed form {closed.Total:R}");
    }

    [Theory]
    [InlineData("ddpm-type", StartDistribution.Gaussian, 10)]
    [InlineData("ddpm-type", StartDistribution.Exact, 10)]
    [InlineData("ddpm-type", StartDistribution.Exact, 200)]
    [InlineData("test-acc-sde", StartDistribution.Gaussian, 30)]
    [InlineData("test-acc-sde", StartDistribution.Exact, 200)]
    public void BoundsTheMarginalKlFromAbove(string samplerName, StartDistribution start, int steps)
    {
        // Data processing: KL(q_1‖p_1) ≤ KL(path of q ‖ path of p).
        var data = new GaussianLaw([1.0, -2.0, 0.0], [0.05, 1.0, 4.0]);
        foreach (NoiseSchedule schedule in new[] { LogSnrSchedule.Create(steps), LinearSchedule.Create(Math.Max(steps, 25)) })
        {
            Sampler sampler = ExactGaussianPropagationTests.ByName(samplerName);
            GaussianLaw p = GaussianPropagation.Propagate(sampler, schedule, data, start).Output;
            double marginal = GaussianDivergence.Kl(data.Diffused(schedule, 1), p);
            PathKlBreakdown path = GaussianPathKl.Compute(sampler, schedule, data, start);
            Assert.True(marginal > 0);
            Assert.True(path.Total >= marginal * (1 - 1e-12), $"{schedule.Name} T = {schedule.Steps}: path KL {path.Total:G6} < marginal KL(q1‖p1) {marginal:G6}");
        }
    }

    [Fact]
    public void DdpmTypeTermsAreTheVarianceMismatchOfTheExactPosteriorMean()
    {
        // For a Gaussian target ddpm-type's kernel mean is the exact posterior mean, so each term is
        // ½(r − 1 − ln r) with r = σ_q²/σ_p² = (β v_{t−1}/v_t)/(β/α) = α v_{t−1}/v_t, summed over coordinates.
        double[] eigenvalues = [0.01, 1.0, 9.0];
        var data = new GaussianLaw([3.0, -1.0, 0.5], eigenvalues);
        NoiseSchedule schedule = LogSnrSchedule.Create(50);
        PathKlBreakdown path = GaussianPathKl.Compute(new DdpmTypeSampler(), schedule, data, StartDistribution.Exact);
        Assert.Equal(0.0, path.Start);
        for (int t = 2; t <= schedule.Steps; t++)
        {
            double expected = 0;
            foreach (double lambda in eigenvalues)
            {
                double vt = (schedule.AlphaBar(t) * lambda) + schedule.OneMinusAlphaBar(t);
                double vPrevious = (schedule.AlphaBar(t - 1) * lambda) + schedule.OneMinusAlphaBar(t - 1);
                double r = schedule.Alpha(t) * vPrevious / vt;
                expected += 0.5 * (r - 1 - Math.Log(r));
            }

            Assert.True(Math.Abs(path.StepTerms[t] - expected) <= 1e-9 * expected, $"t = {t}: {path.StepTerms[t]:R} vs {expected:R}");
        }
    }

    [Fact]
    public void GaussianStartAddsKlFromQTToTheStandardNormal()
    {
        var data = new GaussianLaw([2.0, 0.0], [0.5, 3.0]);
        NoiseSchedule schedule = LinearSchedule.Create(30);
        PathKlBreakdown gaussian = GaussianPathKl.Compute(new DdpmTypeSampler(), schedule, data, StartDistribution.Gaussian);
        PathKlBreakdown exact = GaussianPathKl.Compute(new DdpmTypeSampler(), schedule, data, StartDistribution.Exact);
        double expected = GaussianDivergence.Kl(data.Diffused(schedule, schedule.Steps), GaussianLaw.StandardNormal(2));
        Assert.True(expected > 0);
        Assert.Equal(expected, gaussian.Start, 1e-15);
        Assert.Equal(exact.Total + expected, gaussian.Total, 1e-12 * gaussian.Total);
    }

    [Fact]
    public void IsRefusedForDeterministicSamplers()
    {
        Assert.Throws<InvalidSpecificationException>(() =>
            GaussianPathKl.Compute(new DdimTypeSampler(), LinearSchedule.Create(30), GaussianLaw.StandardNormal(1), StartDistribution.Exact));
    }
}
