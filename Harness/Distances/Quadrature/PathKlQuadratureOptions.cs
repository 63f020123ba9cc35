using Diffusion.Verify.Scores;

namespace Diffusion.Verify.Distances.Quadrature;

/// <summary>Resolution knobs of <see cref="PathKlQuadrature"/>.</summary>
public sealed record PathKlQuadratureOptions
{
    /// <summary>Spacing of the trapezoid rule over x_t ~ q_t: the smallest component sd of q_t divided by this.</summary>
    public int OuterPointsPerSd { get; init; } = 4;

    /// <summary>Gauss–Hermite nodes per component of the reverse conditional q(x_{t−1} | x_t).</summary>
    public int InnerNodes { get; init; } = 16;

    /// <summary>
    /// For kernels with pre-noise: spacing of the trapezoid rule over Y⁺ is the width of the integrand
    /// (min(PreNoise, PostNoise / |M'|)) divided by this.
    /// </summary>
    public int PreNoisePointsPerSd { get; init; } = 2;

    /// <summary>The outer grid and the Y⁺ integral reach this many standard deviations.</summary>
    public double TailSds { get; init; } = 10;

    /// <summary>Also compute with every resolution doubled and report the change as the tolerance.</summary>
    public bool CheckRefinement { get; init; } = true;

    /// <summary>The score the sampler uses (e.g. a perturbed one); null for the target's exact score.</summary>
    public IScore? Score { get; init; }

    /// <summary>Steps are independent and run in parallel; −1 for all cores. Changes speed, never the result.</summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;

    internal PathKlQuadratureOptions Refined() => this with
    {
        OuterPointsPerSd = 2 * OuterPointsPerSd,
        InnerNodes = 2 * InnerNodes,
        PreNoisePointsPerSd = 2 * PreNoisePointsPerSd,
    };

    internal void Validate()
    {
        if (OuterPointsPerSd < 1 || OuterPointsPerSd > 4096)
        {
            throw new InvalidSpecificationException("pathKl.outerPointsPerSd", OuterPointsPerSd.ToString(), "need 1 to 4096 points per standard deviation");
        }

        if (InnerNodes < 2 || InnerNodes > 200)
        {
            throw new InvalidSpecificationException("pathKl.innerNodes", InnerNodes.ToString(), "need 2 to 200 Gauss–Hermite nodes");
        }

        if (PreNoisePointsPerSd < 1 || PreNoisePointsPerSd > 4096)
        {
            throw new InvalidSpecificationException("pathKl.preNoisePointsPerSd", PreNoisePointsPerSd.ToString(), "need 1 to 4096 points per standard deviation");
        }

        if (!(TailSds >= 6) || !double.IsFinite(TailSds))
        {
            throw new InvalidSpecificationException("pathKl.tailSds", TailSds.ToString("R"), "need at least 6 standard deviations");
        }
    }
}
