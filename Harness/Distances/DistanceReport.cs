namespace Diffusion.Verify.Distances;

/// <summary>
/// Distances between the sampler's output law p_1 and q_1 (DESIGN §5). KL directions are named:
/// <see cref="KlSamplerToTarget"/> is KL(p_1‖q_1); <see cref="KlTargetToSampler"/> is KL(q_1‖p_1), present
/// where the method gives it cheaply. <see cref="PathKl"/> is the path KL of stochastic samplers (§5–§6).
/// <see cref="Floor"/> is the same estimator's value on two independent samples of q_1, for sample-based
/// methods; null otherwise.
/// </summary>
public sealed record DistanceReport(
    Estimate TotalVariation,
    Estimate KlSamplerToTarget,
    Estimate? KlTargetToSampler,
    Estimate? PathKl,
    DistanceMethod Method,
    long SampleCount,
    Estimate? TotalVariationFloor = null,
    Estimate? KlFloor = null,
    string Notes = "");
