using Diffusion.Verify.Numerics;

namespace Diffusion.Verify.Distances.Quadrature;

/// <summary>
/// The sampler's output density p_1 on a grid and its distances to q_1, from one propagation at one
/// resolution. <see cref="MinimumMapSlope"/> is the smallest M'(y) met on the support (how close the
/// steps came to losing monotonicity); <see cref="LargestGrid"/> the most points any level needed.
/// </summary>
public sealed record DensityPropagationResult(
    GridDensity Density,
    double TotalVariation,
    double KlSamplerToTarget,
    double KlTargetToSampler,
    double Mass,
    int PointsPerSd,
    int LargestGrid,
    double MinimumMapSlope);
