namespace Diffusion.Verify.Samplers;

/// <summary>How to run a sampler: sample count, seed, start, and the execution knobs that must not change the result.</summary>
public sealed record SamplingOptions
{
    public int Samples { get; init; } = 10_000;

    public long Seed { get; init; } = 1;

    public StartDistribution Start { get; init; } = StartDistribution.Gaussian;

    /// <summary>Keep a copy of Y_T beside the output.</summary>
    public bool KeepStart { get; init; }

    /// <summary>Accumulate ln|det ∂Y_1/∂Y_T| per sample (deterministic samplers only).</summary>
    public bool AccumulateLogDeterminant { get; init; }

    /// <summary>Rows per block. Changes speed, never the result.</summary>
    public int BlockSize { get; init; } = 128;

    /// <summary>Worker threads; −1 for all cores. Changes speed, never the result.</summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;

    public CancellationToken Cancellation { get; init; }

    /// <summary>Called with the number of finished samples (from worker threads).</summary>
    public IProgress<long>? Progress { get; init; }
}
