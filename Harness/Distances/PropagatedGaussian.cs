namespace Diffusion.Verify.Distances;

/// <summary>
/// A sampler's exact output law p_1 for a Gaussian target. <see cref="AffineResidual"/> is, for
/// deterministic samplers, the largest relative deviation of the probe run Y_T = 1 from A + b (rounding
/// only, if the sampler is affine as it must be); 0 for stochastic samplers. <see cref="Groups"/> is the
/// number of distinct coordinates actually propagated.
/// </summary>
public sealed record PropagatedGaussian(GaussianLaw Output, double AffineResidual, int Groups);
