using Diffusion.Verify.Randomness;
using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Scores;
using Diffusion.Verify.Targets;

namespace Diffusion.Verify.Distances.Samples;

/// <summary>
/// samples (DESIGN §5), the fallback for stochastic samplers on general mixtures in any d: from N sampler
/// outputs Y_1 and exact draws of q_1,
/// <list type="bullet">
/// <item>TV: a lower bound from projections (<see cref="ProjectionTv"/>): an unbiased estimate of
/// P(A) − Q(A) for sets A = slabs along a direction, chosen on training folds and evaluated on held-out
/// ones. Its value at p = q has mean exactly 0, so the max over directions adds no upward bias.</item>
/// <item>KL(p‖q): the k-NN plug-in with the known ln q_1, bias-corrected by the same plug-in on an
/// independent q_1 sample of the same size (<see cref="NearestNeighbourKl.ReferenceCorrected"/>). It was
/// preferred to the two-sample Wang–Kulkarni–Verdú estimator: both have floors near 0 (≈ ±0.007 at
/// N = 10⁴, k = 5, d = 8), but WKV misreads a 10 % variance mismatch in d = 8 (true KL 0.022) as 0.11,
/// where this estimator reads 0.021.</item>
/// </list>
/// Each comes with its floor: the same estimator (same directions, same edges, same N) applied to two
/// further independent samples of q_1. q_1 draws use seeds derived from the run's seed on the evaluation
/// stream, so they are independent of the sampler's start (even with start = exact) and noise.
/// </summary>
public static class SampleDistance
{
    private const int ReferenceRole = 1;
    private const int FloorSampleRole = 2;
    private const int FloorReferenceRole = 3;
    private const int EdgeRole = 4;

    /// <summary>Runs the sampler for N = options.Samples outputs and compares them with q_1 = q at ᾱ_1.</summary>
    public static DistanceReport Evaluate(
        Sampler sampler,
        NoiseSchedule schedule,
        IScore score,
        IDiffusedTarget target,
        SamplingOptions options,
        IReadOnlyList<double[]>? directions = null,
        SampleDistanceSettings? settings = null)
        => EvaluateDetailed(sampler, schedule, score, target, options, directions, settings).ToReport();

    /// <summary>As <see cref="Evaluate"/>, with the per-k estimates, the folds' choices and the directions.</summary>
    public static SampleDistanceResult EvaluateDetailed(
        Sampler sampler,
        NoiseSchedule schedule,
        IScore score,
        IDiffusedTarget target,
        SamplingOptions options,
        IReadOnlyList<double[]>? directions = null,
        SampleDistanceSettings? settings = null)
    {
        CheckMemory(options.Samples, target.Dimension);
        SampleSet samples = SamplerRunner.Run(sampler, schedule, score, target, options);
        return Compare(samples.Output, target, schedule.AlphaBar(1), options.Seed, directions, settings, options.MaxDegreeOfParallelism);
    }

    /// <summary>
    /// Refuses (field "n") an N × d this method cannot hold: the outputs, three q_1 samples of the same
    /// size and the neighbour search's packed copy, ~5 N × d values.
    /// </summary>
    public static void CheckMemory(int samples, int dimension) =>
        MemoryBudget.Check(
            "n",
            samples.ToString(System.Globalization.CultureInfo.InvariantCulture),
            $"the samples method with N × d = {samples} × {dimension}",
            (double)samples * dimension,
            5.0 * samples * dimension);

    /// <summary>
    /// Compares N given samples (N × d row-major) of some law p with q = the target at level ᾱ. Directions
    /// default to the mixture means' directions for an <see cref="IsotropicMixture"/>; random directions
    /// (from <paramref name="seed"/>) are always added.
    /// </summary>
    public static SampleDistanceResult Compare(
        double[] samples,
        IDiffusedTarget target,
        double alphaBar,
        long seed,
        IReadOnlyList<double[]>? directions = null,
        SampleDistanceSettings? settings = null,
        int maxDegreeOfParallelism = -1)
    {
        settings ??= new SampleDistanceSettings();
        int d = target.Dimension;
        if (samples.Length == 0 || samples.Length % d != 0)
        {
            throw new InvalidSpecificationException("samples", $"{samples.Length} values", $"need a non-empty N × {d} row-major array");
        }

        int n = samples.Length / d;
        IReadOnlyList<ProjectionTvDirection> projections = Directions(target, directions, d, settings.RandomDirections, seed);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism };
        double[] reference = Draw(target, alphaBar, DerivedSeed(seed, ReferenceRole), n, parallel);
        double[] floorSample = Draw(target, alphaBar, DerivedSeed(seed, FloorSampleRole), n, parallel);
        double[] floorReference = Draw(target, alphaBar, DerivedSeed(seed, FloorReferenceRole), n, parallel);
        double[] edges = Draw(target, alphaBar, DerivedSeed(seed, EdgeRole), settings.EdgeSamples, parallel);

        ProjectionTvEstimate tv = ProjectionTv.Estimate(samples, reference, edges, d, projections, settings.Projection, seed, maxDegreeOfParallelism);
        ProjectionTvEstimate tvFloor = ProjectionTv.Estimate(floorSample, floorReference, edges, d, projections, settings.Projection, seed, maxDegreeOfParallelism);
        NearestNeighbourKlEstimate kl = Kl(samples, reference, target, alphaBar, settings, parallel);
        NearestNeighbourKlEstimate klFloor = Kl(floorSample, floorReference, target, alphaBar, settings, parallel);
        return new SampleDistanceResult(tv, tvFloor, kl, klFloor, settings.Neighbours, projections);
    }

    /// <summary>
    /// A value is within its floor when it does not exceed the floor's value by more than 3 combined
    /// standard errors; such values are reported but must not be fitted (DESIGN §5, §7).
    /// </summary>
    public static bool IsBelowFloor(Estimate value, Estimate floor) =>
        !(value.Value - floor.Value > 3 * Math.Sqrt((value.StandardError * value.StandardError) + (floor.StandardError * floor.StandardError)));

    /// <summary>The caller's directions (or the mixture means'), plus random ones, without repeats.</summary>
    public static IReadOnlyList<ProjectionTvDirection> Directions(IDiffusedTarget target, IReadOnlyList<double[]>? directions, int dimension, int randomDirections, long seed)
    {
        var all = new List<ProjectionTvDirection>();
        if (directions is not null)
        {
            for (int j = 0; j < directions.Count; j++)
            {
                if (directions[j].Length != dimension)
                {
                    throw new InvalidSpecificationException($"directions[{j}]", $"{directions[j].Length} values", $"a direction needs {dimension} coordinates");
                }

                if (ProjectionTvDirection.Along($"given {j}", directions[j]) is { } direction)
                {
                    all.Add(direction);
                }
            }
        }
        else if (target is IsotropicMixture mixture)
        {
            var means = Enumerable.Range(0, mixture.Components).Select(k => mixture.Mean(k).ToArray()).ToArray();
            all.AddRange(ProjectionTvDirection.FromMeans(means));
        }

        all.AddRange(ProjectionTvDirection.Random(dimension, randomDirections, seed));
        return ProjectionTvDirection.Distinct(all);
    }

    private static NearestNeighbourKlEstimate Kl(double[] p, double[] reference, IDiffusedTarget target, double alphaBar, SampleDistanceSettings settings, ParallelOptions parallel)
        => NearestNeighbourKl.ReferenceCorrected(
            p,
            LogDensities(target, alphaBar, p, parallel),
            reference,
            LogDensities(target, alphaBar, reference, parallel),
            target.Dimension,
            settings.Neighbours,
            settings.StandardErrorBatches,
            parallel.MaxDegreeOfParallelism);

    private static long DerivedSeed(long seed, int role) => (long)CounterRandom.Key(seed, RandomStream.Evaluation, role, 0);

    /// <summary>count exact draws of q at level ᾱ, row i a pure function of (seed, i).</summary>
    private static double[] Draw(IDiffusedTarget target, double alphaBar, long seed, int count, ParallelOptions parallel)
    {
        int d = target.Dimension;
        var x = new double[count * d];
        Parallel.For(0, count, parallel, i => target.SampleDiffused(seed, i, alphaBar, x.AsSpan(i * d, d)));
        return x;
    }

    private static double[] LogDensities(IDiffusedTarget target, double alphaBar, double[] x, ParallelOptions parallel)
    {
        int d = target.Dimension;
        var log = new double[x.Length / d];
        Parallel.For(0, log.Length, parallel, i => log[i] = target.LogDensity(x.AsSpan(i * d, d), alphaBar));
        return log;
    }
}
