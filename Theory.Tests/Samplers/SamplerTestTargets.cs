using Diffusion.Verify.Scores;
using Diffusion.Verify.Targets;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>Targets shared by the sampler tests.</summary>
internal static class SamplerTestTargets
{
    /// <summary>1-D bimodal mixture: weights 0.3/0.7, means −2/1.5, variances 0.09/0.36.</summary>
    public static IsotropicMixture Bimodal1D() =>
        new([0.3, 0.7], [[-2.0], [1.5]], [0.09, 0.36]);

    /// <summary>
    /// 3-D mixture with spread means and different variances per component, standing in for an anisotropic
    /// target until a diagonal-covariance target exists.
    /// </summary>
    public static IsotropicMixture Anisotropic3D() =>
        new([0.2, 0.5, 0.3], [[2.0, 0.0, 0.5], [-1.0, 1.5, 0.0], [0.0, -1.0, -1.5]], [0.05, 0.4, 0.15]);

    /// <summary>2-D bimodal mixture.</summary>
    public static IsotropicMixture Bimodal2D() =>
        new([0.4, 0.6], [[-1.5, 0.5], [1.0, -0.8]], [0.1, 0.3]);

    /// <summary>N(μ, σ² I).</summary>
    public static IsotropicMixture Gaussian(double[] mean, double variance) => new([1.0], [mean], [variance]);

    public static IScore Exact(IDiffusedTarget target) => new ExactScore(target);
}
