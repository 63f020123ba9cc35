namespace Diffusion.Verify.Distances.Samples;

/// <summary>
/// The set one fold used: a direction, a partition (<see cref="Bins"/> bins, or 0 for a half-line), its
/// penalised score on the training folds, and P̂(A) − Q̂(A) on the held-out fold.
/// </summary>
public readonly record struct ProjectionTvChoice(int Fold, string Direction, int Bins, double TrainingScore, double HeldOutDifference);
