namespace Diffusion.Verify.Scores;

/// <summary>How <see cref="ScoreErrorMeasurement"/> samples levels and points.</summary>
public sealed record ScoreErrorOptions
{
    /// <summary>Exact draws X_t ~ q_t at each measured level.</summary>
    public int SamplesPerLevel { get; init; } = 1000;

    /// <summary>Seed of the draws of X_0 and W (data and diffusion streams).</summary>
    public long Seed { get; init; } = 1;

    /// <summary>
    /// k: measure levels t = 1, 1 + k, 1 + 2k, … ≤ T only. The averages over t then approximate the
    /// averages over all T levels like a Riemann sum (exact for k = 1); that approximation is not part of
    /// the standard errors.
    /// </summary>
    public int LevelStride { get; init; } = 1;

    /// <summary>Also measure ε_Jacobi (needs two d×d Jacobians and a spectral norm per point).</summary>
    public bool MeasureJacobian { get; init; } = true;

    public int MaxDegreeOfParallelism { get; init; } = -1;

    public CancellationToken Cancellation { get; init; }
}
