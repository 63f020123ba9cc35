using System.Diagnostics;
using Diffusion.Verify.Experiments.Configuration;

namespace Diffusion.Verify.Experiments.Pipeline;

/// <summary>
/// Runs the points of each experiment, appending each finished point to the experiment's CSV, with a
/// progress line (experiment, point i/n, elapsed, ETA) on standard error. With <c>resume</c>, points
/// already in the CSV are skipped. With a shard i/n, only the points whose position p in the
/// experiment's fixed point order has p mod n = i are run.
/// </summary>
public sealed class ExperimentRun(string outputDirectory, bool resume, Shard shard, TextWriter progress)
{
    public void Run(IReadOnlyList<ExperimentConfig> experiments, CancellationToken cancellation)
    {
        Directory.CreateDirectory(outputDirectory);
        foreach (ExperimentConfig experiment in experiments)
        {
            RunOne(experiment, cancellation);
        }
    }

    private void RunOne(ExperimentConfig experiment, CancellationToken cancellation)
    {
        string path = ResultStore.PathFor(outputDirectory, shard.Decorate(experiment.Name));
        var evaluator = new PointEvaluator();
        var points = SweepPoint.Enumerate(experiment).Where((_, i) => shard.Owns(i)).ToList();
        var keys = points.Select(evaluator.KeyOf).ToList();
        if (!resume && File.Exists(path))
        {
            File.Delete(path);
        }

        var done = ResultStore.Read(path).Select(r => r.PointKey).ToHashSet();
        double totalCost = points.Sum(Cost);
        double doneCost = 0;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < points.Count; i++)
        {
            SweepPoint point = points[i];
            cancellation.ThrowIfCancellationRequested();
            if (done.Contains(keys[i]))
            {
                totalCost -= Cost(point);
                continue;
            }

            progress.Write($"\r[{experiment.Name}] point {i + 1}/{points.Count} {point.Describe(),-50} elapsed {Format(clock.Elapsed)}, ETA {Eta(clock.Elapsed, doneCost, totalCost)}   ");
            IReadOnlyList<ResultRow> rows;
            try
            {
                rows = evaluator.Evaluate(point, cancellation);
            }
            catch (NumericalFailureException e)
            {
                progress.WriteLine();
                throw new NumericalFailureException(e.Sampler, e.Steps, e.Step, e.SampleIndex, $"{e.Message} [experiment {experiment.Name}, {point.Describe()}]");
            }

            ResultStore.Append(path, rows);
            doneCost += Cost(point);
        }

        progress.WriteLine($"\r[{experiment.Name}] {points.Count} points done in {Format(clock.Elapsed)}".PadRight(120));

        // Canonical order, one row per (point, metric): the same file whatever was resumed, interrupted or sharded.
        var owned = keys.ToHashSet();
        var rowsInOrder = ResultStore.Canonical(ResultStore.Read(path).Where(r => owned.Contains(r.PointKey))).ToList();
        ResultStore.Write(path, rowsInOrder);
    }

    /// <summary>Relative cost for the ETA: T × the score evaluations per step.</summary>
    private static double Cost(SweepPoint point) =>
        point.Steps * Samplers.SamplerCatalog.Get(point.Sampler).EvaluationsPerStep;

    private static string Eta(TimeSpan elapsed, double doneCost, double totalCost) =>
        doneCost <= 0 ? "--:--" : Format(TimeSpan.FromSeconds(elapsed.TotalSeconds / doneCost * Math.Max(totalCost - doneCost, 0)));

    private static string Format(TimeSpan t) => t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss") : t.ToString(@"mm\:ss");
}
