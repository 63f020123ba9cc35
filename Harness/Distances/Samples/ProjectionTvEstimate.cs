namespace Diffusion.Verify.Distances.Samples;

/// <summary>
/// A projection TV lower bound: <see cref="LowerBound"/> is an unbiased estimate (with standard error) of
/// the average of P(A_f) − Q(A_f) over the folds' sets, each of which is ≤ TV(p, q). <see cref="Choices"/>
/// says which direction and partition each fold used.
/// </summary>
public sealed record ProjectionTvEstimate(Estimate LowerBound, IReadOnlyList<ProjectionTvChoice> Choices, int SampleCount, int ReferenceCount);
