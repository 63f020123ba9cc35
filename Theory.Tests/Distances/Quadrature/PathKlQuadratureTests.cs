using System.Diagnostics;
using Diffusion.Verify.Distances;
using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Targets;
using Xunit.Abstractions;

namespace Diffusion.Verify.Theory.Tests;

public class PathKlQuadratureTests(ITestOutputHelper output)
{
    private static IsotropicMixture Bimodal() => new([0.3, 0.7], [[-2.0], [1.5]], [0.09, 0.36]);

    /// <summary>On a Gaussian target the path KL is a sum of expected KLs between Gaussians with affine means (closed form).</summary>
    [Theory]
    [InlineData("ddpm-type", 100, 0.36, StartDistribution.Gaussian)]
    [InlineData("ddpm-type", 1000, 0.01, StartDistribution.Exact)]
    [InlineData("acc-sde-like", 20, 0.36, StartDistribution.Gaussian)]
    [InlineData("acc-sde-like", 100, 0.01, StartDistribution.Exact)]
    [InlineData("acc-sde-inside-like", 100, 0.36, StartDistribution.Gaussian)]
    public void GaussianTargetMatchesClosedForm(string kind, int steps, double variance0, StartDistribution start)
    {
        const double mean0 = 1.5;
        NoiseSchedule schedule = Li2024Schedule.Create(steps, 2, 6);
        IReadOnlyList<StochasticKernel> kernels = DensityPropagationKernels.Of(kind, schedule);
        var target = new IsotropicMixture([1.0], [[mean0]], [variance0]);

        PathKlQuadratureResult result = PathKlQuadrature.Compute(kernels, schedule, target, start);
        double exact = DensityPropagationGaussianReference.PathKl(kernels, schedule, mean0, variance0, start);
        output.WriteLine($"path KL {result.Total:R} vs closed form {exact:R}");

        Assert.True(Math.Abs(result.Total - exact) <= 1e-6 * exact, $"{result.Total} vs {exact}");
        Assert.Equal(steps - 1, result.StepTerms.Count);
        Assert.Equal(start == StartDistribution.Exact, result.StartTerm == 0);
    }

    /// <summary>
    /// A kernel equal to the reverse conditional of the forward chain (for a Gaussian target: mean
    /// (x + β s)/√α, variance β v'/v) has zero path KL from the exact start; the quadrature must see zero.
    /// </summary>
    [Fact]
    public void ExactReverseKernelHasZeroPathKl()
    {
        const double mean0 = -0.7;
        const double variance0 = 0.2;
        NoiseSchedule schedule = Li2024Schedule.Create(50, 2, 6);
        var kernels = new StochasticKernel[schedule.Steps - 1];
        for (int i = 0; i < kernels.Length; i++)
        {
            int t = schedule.Steps - i;
            double vPrevious = DensityPropagationGaussianReference.DiffusedVariance(variance0, schedule.AlphaBar(t - 1));
            double v = schedule.Alpha(t) * vPrevious + schedule.Beta(t);
            kernels[i] = new StochasticKernel(0, 1 / Math.Sqrt(schedule.Alpha(t)), schedule.Beta(t), Math.Sqrt(schedule.Beta(t) * vPrevious / v), schedule.AlphaBar(t));
        }

        var target = new IsotropicMixture([1.0], [[mean0]], [variance0]);
        PathKlQuadratureResult result = PathKlQuadrature.Compute(kernels, schedule, target, StartDistribution.Exact);
        output.WriteLine($"path KL of the exact reverse kernel: {result.Total:G3}");
        Assert.InRange(result.Total, -1e-12, 1e-12);

        // And ddpm-type on the same target is visibly above zero.
        Assert.True(PathKlQuadrature.Compute(DensityPropagation.KernelsOf(new DdpmTypeSampler(), schedule), schedule, target, StartDistribution.Exact).Total > 1e-3);
    }

    /// <summary>
    /// Data processing: path KL ≥ KL(q_1‖p_1) (marginal, from density propagation), on the bimodal mixture,
    /// and the refinement tolerance of the path KL is small.
    /// </summary>
    [Theory]
    [InlineData("ddpm-type", 100, StartDistribution.Gaussian)]
    [InlineData("acc-sde-like", 100, StartDistribution.Exact)]
    [InlineData("acc-sde-inside-like", 20, StartDistribution.Gaussian)]
    public void BoundsTheMarginalKl(string kind, int steps, StartDistribution start)
    {
        NoiseSchedule schedule = Li2024Schedule.Create(steps, 2, 6);
        IReadOnlyList<StochasticKernel> kernels = DensityPropagationKernels.Of(kind, schedule);
        Estimate path = PathKlQuadrature.Evaluate(kernels, schedule, Bimodal(), start);
        DistanceReport marginal = DensityPropagation.Evaluate(kernels, schedule, Bimodal(), start);
        double klQp = marginal.KlTargetToSampler!.Value.Value;
        output.WriteLine($"{kind} T = {steps}: path KL = {path.Value:G6} ± {path.Tolerance:G3}; KL(q_1‖p_1) = {klQp:G6}");

        Assert.True(klQp > 0);
        Assert.True(path.Value >= klQp);
        Assert.True(path.Tolerance < 1e-6 * path.Value, $"tolerance {path.Tolerance}");
    }

    /// <summary>The costly case (pre-noise integral at every node) at T = 1000, both resolutions: seconds.</summary>
    [Fact]
    public void PreNoiseKernelAtThousandStepsTakesSeconds()
    {
        NoiseSchedule schedule = Li2024Schedule.Create(1000, 2, 6);
        IReadOnlyList<StochasticKernel> kernels = DensityPropagationKernels.Of("acc-sde-like", schedule);
        var clock = Stopwatch.StartNew();
        Estimate path = PathKlQuadrature.Evaluate(kernels, schedule, Bimodal(), StartDistribution.Gaussian);
        clock.Stop();
        output.WriteLine($"acc-sde-like T = 1000: path KL = {path.Value:R} ± {path.Tolerance:G3}; {clock.Elapsed.TotalSeconds:F2} s");
        Assert.True(path.Tolerance < 1e-6 * path.Value);
    }

    [Fact]
    public void RejectsKernelsWithoutDensity()
    {
        NoiseSchedule schedule = Li2024Schedule.Create(20, 2, 6);
        var kernels = DensityPropagation.KernelsOf(new DdpmTypeSampler(), schedule).ToArray();
        kernels[3] = kernels[3] with { PostNoise = 0 };
        Assert.Throws<InvalidSpecificationException>(() => PathKlQuadrature.Compute(kernels, schedule, Bimodal(), StartDistribution.Exact));
    }
}
