namespace Diffusion.Verify.Distances.Exact;

/// <summary>
/// A sampler's exact output law p_1 for a Gaussian target. For deterministic samplers the map itself is
/// kept: Y_1 = <see cref="Slopes"/>[j] · Y_T + <see cref="Offsets"/>[j] per coordinate (null for stochastic
/// samplers), and <see cref="AffineResidual"/> is the largest relative deviation of the probe run Y_T = 1
/// from slope + offset (rounding only, if the sampler is affine as it must be; 0 for stochastic samplers).
/// <see cref="Groups"/> is the number of distinct coordinates actually propagated.
/// </summary>
public sealed record PropagatedGaussian(GaussianLaw Output, double AffineResidual, int Groups, IReadOnlyList<double>? Slopes = null, IReadOnlyList<double>? Offsets = null);
