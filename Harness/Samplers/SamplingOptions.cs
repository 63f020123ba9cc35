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

    /// <summary>Rows per block; 0 (the default) lets <see cref="AutomaticBlockSize"/> choose. Changes speed, never the result.</summary>
    public int BlockSize { get; init; }

    /// <summary>
    /// 8192 / d rows, at least 4 and at most 128: each d-wide array of a block is then at most 64 KiB, so the
    /// four that acc-ode's step sweeps (state, intermediate point, the two scores) stay in a core's L2
    /// cache from pass to pass instead of streaming from L3. Measured on the Vector256 path (one thread,
    /// medians of 7 interleaved runs): at d = 1024, K = 2 blocks of 8 rows took 0.61× the time of blocks of
    /// 128, at K = 8 0.82×; at d = 256 32 rows 0.9×; at d ≤ 64 128 rows were as fast as any.
    /// </summary>
    public static int AutomaticBlockSize(int dimension) => Math.Clamp(8192 / Math.Max(dimension, 1), 4, 128);

    /// <summary>
    /// The block size a run uses when <see cref="BlockSize"/> is 0. With ln|det J| accumulated, up to 128 rows
    /// whatever d (but no more than an equal share of the samples per worker, so every core gets a block):
    /// each row's determinant work then outweighs the passes over the block, and a target's per-level
    /// constants (a full-covariance mixture's K dense d×d precisions, ≈ 0.1 s at d = 1000) are built once
    /// per block and level — 8-row blocks had rebuilt them for every 8 samples (d = 1000, K = 4, ddim,
    /// T = 50, n = 16: 1.5 CPU s per sample with 8 rows, 1.0 with 16). Where the sampler keeps d×d matrices per
    /// row (<see cref="Sampler.DenseMatricesPerRow"/>: acc-ode-ms's dense tangents) the rows are capped so that
    /// these hold at most 256 MiB: 128-row blocks at d = 1000 had taken 4.4 GB there.
    /// </summary>
    public static int AutomaticBlockSize(int dimension, bool accumulateLogDeterminant, long samples, int workers, int denseMatricesPerRow)
    {
        int bySize = AutomaticBlockSize(dimension);
        if (!accumulateLogDeterminant)
        {
            return bySize;
        }

        long share = (samples + Math.Max(workers, 1) - 1) / Math.Max(workers, 1);
        long byMemory = denseMatricesPerRow > 0 ? (256L << 20) / (denseMatricesPerRow * 8L * dimension * dimension) : long.MaxValue;
        return (int)Math.Clamp(Math.Min(share, byMemory), bySize, Math.Max(bySize, 128));
    }

    /// <summary>Worker threads; −1 for all cores. Changes speed, never the result.</summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;

    public CancellationToken Cancellation { get; init; }

    /// <summary>Called with the number of finished samples (from worker threads).</summary>
    public IProgress<long>? Progress { get; init; }
}
