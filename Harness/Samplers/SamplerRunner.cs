using System.Collections.Concurrent;
using System.Numerics.Tensors;
using Diffusion.Verify.Randomness;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Scores;
using Diffusion.Verify.Targets;

namespace Diffusion.Verify.Samplers;

/// <summary>
/// Runs a sampler over N samples in blocks, in parallel. Each row's result is a function of
/// (seed, sample index) alone, so thread count and block size change speed, never bits.
/// </summary>
public static class SamplerRunner
{
    /// <summary>Consumer of finished blocks; called concurrently from worker threads.</summary>
    public delegate void BlockConsumer(in FinishedBlock block);

    /// <summary>Runs and keeps every sample in memory.</summary>
    public static SampleSet Run(Sampler sampler, NoiseSchedule schedule, IScore score, IDiffusedTarget? target, SamplingOptions options)
    {
        int d = score.Dimension;
        int copies = options.KeepStart ? 2 : 1;
        MemoryBudget.Check(
            "n",
            options.Samples.ToString(System.Globalization.CultureInfo.InvariantCulture),
            $"keeping N × d = {options.Samples} × {d} sample values{(options.KeepStart ? " and as many starting points" : "")}",
            (double)options.Samples * d,
            copies * (double)options.Samples * d);
        var output = new double[options.Samples * d];
        double[]? start = options.KeepStart ? new double[output.Length] : null;
        double[]? logDet = options.AccumulateLogDeterminant ? new double[options.Samples] : null;
        Stream(sampler, schedule, score, target, options, (in FinishedBlock b) =>
        {
            long offset = b.FirstSampleIndex * d;
            b.Output.CopyTo(output.AsSpan((int)offset, b.Rows * d));
            if (start is not null)
            {
                b.Start.CopyTo(start.AsSpan((int)offset, b.Rows * d));
            }

            if (logDet is not null)
            {
                b.LogDeterminant.CopyTo(logDet.AsSpan((int)b.FirstSampleIndex, b.Rows));
            }
        });

        return new SampleSet(options.Samples, d, output, start, logDet, sampler.FunctionEvaluations(schedule.Steps));
    }

    /// <summary>
    /// Runs a deterministic sampler from given starting points Y_T (rows × d, row-major) and returns Y_1,
    /// with ln|det ∂Y_1/∂Y_T| per row when requested. Evaluators use it to integrate over starting points.
    /// </summary>
    public static SampleSet RunFrom(Sampler sampler, NoiseSchedule schedule, IScore score, ReadOnlySpan<double> starts, bool accumulateLogDeterminant, int blockSize = 0, int maxDegreeOfParallelism = -1, CancellationToken cancellation = default)
    {
        if (sampler.IsStochastic)
        {
            throw new InvalidSpecificationException("sampler", sampler.Name, "running from given starting points needs a deterministic sampler");
        }

        int d = score.Dimension;
        int n = starts.Length / d;
        double[] startCopy = starts.ToArray();
        var options = new SamplingOptions
        {
            Samples = n,
            AccumulateLogDeterminant = accumulateLogDeterminant,
            BlockSize = blockSize,
            MaxDegreeOfParallelism = maxDegreeOfParallelism,
            Cancellation = cancellation,
        };
        var output = new double[n * d];
        double[]? logDet = accumulateLogDeterminant ? new double[n] : null;
        Stream(sampler, schedule, score, null, options, startCopy, (in FinishedBlock b) =>
        {
            b.Output.CopyTo(output.AsSpan((int)b.FirstSampleIndex * d, b.Rows * d));
            if (logDet is not null)
            {
                b.LogDeterminant.CopyTo(logDet.AsSpan((int)b.FirstSampleIndex, b.Rows));
            }
        });

        return new SampleSet(n, d, output, startCopy, logDet, sampler.FunctionEvaluations(schedule.Steps));
    }

    /// <summary>
    /// Runs and hands each finished block to <paramref name="consume"/> without keeping it, so memory
    /// stays O(workers × block) whatever N is.
    /// </summary>
    public static void Stream(Sampler sampler, NoiseSchedule schedule, IScore score, IDiffusedTarget? target, SamplingOptions options, BlockConsumer consume)
        => Stream(sampler, schedule, score, target, options, null, consume);

    private static void Stream(Sampler sampler, NoiseSchedule schedule, IScore score, IDiffusedTarget? target, SamplingOptions options, double[]? givenStarts, BlockConsumer consume)
    {
        Validate(sampler, options, target);
        int blockSize = options.BlockSize > 0 ? options.BlockSize : SamplingOptions.AutomaticBlockSize(
            score.Dimension,
            options.AccumulateLogDeterminant,
            options.Samples,
            options.MaxDegreeOfParallelism > 0 ? options.MaxDegreeOfParallelism : Environment.ProcessorCount,
            sampler.DenseMatricesPerRow);
        int blocks = (int)((options.Samples + (long)blockSize - 1) / blockSize);
        var parallel = new ParallelOptions
        {
            MaxDegreeOfParallelism = options.MaxDegreeOfParallelism,
            CancellationToken = options.Cancellation,
        };

        // Blocks are handed out one at a time: Parallel.For's growing ranges had left a core idle at the end of
        // short runs (20 ms runs at d = 16: 1.90 cores busy, now 1.96).
        Parallel.ForEach(
            Partitioner.Create(Enumerable.Range(0, blocks), EnumerablePartitionerOptions.NoBuffering),
            parallel,
            () => new Worker(new SamplerBlock(schedule, score, options.Seed, blockSize, options.AccumulateLogDeterminant), options.KeepStart ? new double[blockSize * score.Dimension] : null),
            (b, _, worker) =>
            {
                long first = (long)b * blockSize;
                int rows = (int)Math.Min(blockSize, options.Samples - first);
                RunBlock(sampler, worker, target, options, givenStarts, first, rows, consume);
                options.Progress?.Report(rows);
                return worker;
            },
            _ => { });
    }

    private static void RunBlock(Sampler sampler, Worker worker, IDiffusedTarget? target, SamplingOptions options, double[]? givenStarts, long first, int rows, BlockConsumer consume)
    {
        SamplerBlock block = worker.Block;
        NoiseSchedule schedule = block.Schedule;
        int d = block.Dimension;
        int steps = schedule.Steps;
        block.Reset(first, rows);
        if (givenStarts is not null)
        {
            givenStarts.AsSpan((int)(first * d), rows * d).CopyTo(block.State);
        }
        else
        {
            FillStart(block, target, options.Start, steps);
        }

        if (worker.Start is not null)
        {
            block.Active(block.State).CopyTo(worker.Start);
        }

        for (int t = steps; t >= 2; t--)
        {
            options.Cancellation.ThrowIfCancellationRequested();
            sampler.Step(block, t);
            CheckFinite(sampler, block, t);
        }

        consume(new FinishedBlock(
            first,
            rows,
            d,
            block.Active(block.State),
            worker.Start is null ? default : worker.Start.AsSpan(0, rows * d),
            block.LogDeterminant is null ? default : block.LogDeterminant.AsSpan(0, rows)));
    }

    private static void FillStart(SamplerBlock block, IDiffusedTarget? target, StartDistribution start, int steps)
    {
        if (start == StartDistribution.Gaussian)
        {
            block.DrawNoise(RandomStream.Start, steps, block.State);
            return;
        }

        double alphaBarT = block.Schedule.AlphaBar(steps);
        for (int i = 0; i < block.Rows; i++)
        {
            target!.SampleDiffused(block.Seed, block.FirstSampleIndex + i, alphaBarT, block.Row(block.State, i));
        }
    }

    private static void CheckFinite(Sampler sampler, SamplerBlock block, int t)
    {
        ReadOnlySpan<double> y = block.Active(block.State);
        bool checkedFinite = block.StateCheckedFinite;
        block.StateCheckedFinite = false;
        if ((checkedFinite || AllFinite(y)) && (block.LogDeterminant is null || AllFinite(block.LogDeterminant.AsSpan(0, block.Rows))))
        {
            return;
        }

        for (int k = 0; k < y.Length; k++)
        {
            if (!double.IsFinite(y[k]))
            {
                long sample = block.FirstSampleIndex + (k / block.Dimension);
                throw new NumericalFailureException(sampler.Name, block.Schedule.Steps, t, sample, $"Y_{t - 1}[{k % block.Dimension}] = {y[k]}");
            }
        }

        if (block.LogDeterminant is { } logDet)
        {
            for (int i = 0; i < block.Rows; i++)
            {
                if (!double.IsFinite(logDet[i]))
                {
                    throw new NumericalFailureException(sampler.Name, block.Schedule.Steps, t, block.FirstSampleIndex + i, $"ln|det J| = {logDet[i]}");
                }
            }
        }
    }

    private static bool AllFinite(ReadOnlySpan<double> y) => TensorPrimitives.IsFiniteAll(y);

    private static void Validate(Sampler sampler, SamplingOptions options, IDiffusedTarget? target)
    {
        if (options.Samples < 1)
        {
            throw new InvalidSpecificationException("n", options.Samples.ToString(), "the number of samples must be at least 1");
        }

        if (options.BlockSize < 0)
        {
            throw new InvalidSpecificationException("blockSize", options.BlockSize.ToString(), "must be at least 1 (or 0: chosen by dimension)");
        }

        if (options.Start == StartDistribution.Exact && target is null)
        {
            throw new InvalidSpecificationException("start", "exact", "starting from q_T needs the target");
        }

        if (options.AccumulateLogDeterminant && !sampler.SupportsLogDeterminant)
        {
            throw new InvalidSpecificationException("sampler", sampler.Name, "ln|det J| exists only for deterministic samplers");
        }
    }

    private sealed record Worker(SamplerBlock Block, double[]? Start);
}
