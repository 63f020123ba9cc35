using Diffusion.Verify.Scores;

namespace Diffusion.Verify.Distances.Quadrature;

/// <summary>Resolution knobs of <see cref="DensityPropagation"/>.</summary>
public sealed record DensityPropagationOptions
{
    /// <summary>Grid spacing at level t is the finest feature (smallest component sd of q_t, or of the sampler's density if smaller) divided by this.</summary>
    public int PointsPerSd { get; init; } = 16;

    /// <summary>Even number of nodes of the centred Lagrange stencil that carries the density through each map.</summary>
    public int InterpolationPoints { get; init; } = 12;

    /// <summary>Grids reach this many standard deviations (of q's components, of each noise) past the support.</summary>
    public double TailSds { get; init; } = 10;

    /// <summary>Also run at half the spacing and report the change as the tolerance.</summary>
    public bool CheckRefinement { get; init; } = true;

    /// <summary>The score the sampler uses (e.g. a perturbed one); null for the target's exact score.</summary>
    public IScore? Score { get; init; }

    /// <summary>Refuse grids larger than this (a sign the density spread far beyond its finest feature).</summary>
    public int MaxGridPoints { get; init; } = 1 << 22;

    internal void Validate()
    {
        if (PointsPerSd < 8 || PointsPerSd > 1 << 16)
        {
            // Below 8 the interpolation error (~(1/PointsPerSd)^12 per step) rises above the support
            // threshold and the grids swell with noise.
            throw new InvalidSpecificationException("quadrature.pointsPerSd", PointsPerSd.ToString(), "need 8 to 65536 grid points per standard deviation");
        }

        if (!(TailSds >= 6) || !double.IsFinite(TailSds))
        {
            throw new InvalidSpecificationException("quadrature.tailSds", TailSds.ToString("R"), "grids must reach at least 6 standard deviations into the tails");
        }

        _ = new Numerics.LagrangeStencil(InterpolationPoints);
    }
}
