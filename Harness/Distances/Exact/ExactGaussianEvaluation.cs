namespace Diffusion.Verify.Distances.Exact;

/// <summary>
/// Everything the exact evaluator computed for one (sampler, schedule, Gaussian target, start): the output
/// law p_1 and the target q_1 in the eigenbasis, the TV with its formula, the path KL for stochastic
/// samplers, and the report rows.
/// </summary>
public sealed record ExactGaussianEvaluation(
    PropagatedGaussian Output,
    GaussianLaw Target,
    TotalVariationValue TotalVariation,
    PathKlBreakdown? PathKl,
    DistanceReport Report);
