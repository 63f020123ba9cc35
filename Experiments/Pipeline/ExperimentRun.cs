using System.Diagnostics;
using Diffusion.Verify.Experiments.Configuration;

namespace Diffusion.Verify.Experiments.Pipeline;

/// <summary>
/// Runs the points of each experiment, appending each finished point to the experiment's CSV and
/// <see cref="PointJournal"/>, with a progress line (experiment, point i/n, elapsed, ETA) on standard
/// error. With <c>resume</c>, points already finished with an unchanged fingerprint are skipped; rows of
/// unfinished or changed points are dropped and run again. With a shard i/n, only the points whose
/// position p in the experiment's fixed point order has p mod n = i are run. Whatever the history
/// (one run, interrupted and resumed runs, shards), a finished CSV holds the same rows in the same order.
/// </summary>
public sealed class ExperimentRun(string outputDirectory, bool resume, Shard shard, TextWriter progress)
{
    /// <summary>Called after each point's rows and journal line are on disk (tests use it to interrupt runs).</summary>
    public Action<SweepPoint>? PointFinished { get; init; }

    /// <summary>Points evaluated at once (default: one per core). Changes the wall time, never the results.</summary>
    public int Workers { get; init; } = Environment.ProcessorCount;

    /// <summary>Rewrite one progress line with '\r' (a terminal) rather than a line per point (a log file).</summary>
    public bool ProgressInPlace { get; init; }

    public void Run(IReadOnlyList<ExperimentConfig> experiments, CancellationToken cancellation)
    {
        Directory.CreateDirectory(outputDirectory);
        foreach (ExperimentConfig experiment in experiments)
        {
            cancellation.ThrowIfCancellationRequested();
            RunOne(experiment, cancellation);
        }
    }

    private void RunOne(ExperimentConfig experiment, CancellationToken cancellation)
    {
        string path = ResultStore.PathFor(outputDirectory, shard.Decorate(experiment.Name));
        var evaluator = new PointEvaluator();
        var all = SweepPoint.Enumerate(experiment);
        var targetJson = new Dictionary<int, string>();
        string FingerprintOf(SweepPoint p) => p.Fingerprint(TargetJsonAt(experiment, p.Dimension, targetJson));
        var fingerprints = all.Select(FingerprintOf).ToList();
        string sweep = SweepPoint.Hash($"{experiment.Name}\n{string.Join('\n', fingerprints)}");
        var owned = Enumerable.Range(0, all.Count).Where(shard.Owns).ToList();
        var points = owned.Select(i => all[i]).ToList();
        var keys = points.Select(evaluator.KeyOf).ToList();
        var expected = keys.Zip(owned, (k, i) => (k, fingerprints[i])).ToDictionary(x => x.k, x => x.Item2, StringComparer.Ordinal);

        // Start from a consistent pair: the CSV holds exactly the finished points the journal names. Finished
        // extension points (beyond the config's steps) are kept aside, to be reused if the extension asks
        // for them again with the same fingerprint.
        var extra = new Dictionary<string, (List<ResultRow> Rows, string Fingerprint)>(StringComparer.Ordinal);
        var finished = resume ? Recover(experiment, path, expected, extra) : [];
        var kept = ResultStore.Canonical(finished.Values.Concat(extra.Values.Select(x => x.Rows)).SelectMany(r => r)).ToList();
        if (kept.Count > 0)
        {
            ResultStore.Write(path, kept);
        }
        else if (File.Exists(path))
        {
            File.Delete(path);
        }

        PointJournal.Start(path, sweep, experiment.Title, finished.Keys.Order(StringComparer.Ordinal).Select(k => (k, expected[k]))
            .Concat(extra.OrderBy(x => x.Key, StringComparer.Ordinal).Select(x => (x.Key, x.Value.Fingerprint))));

        var clock = Stopwatch.StartNew();
        int done = finished.Count;
        RunPoints(experiment, path, evaluator, points, keys, expected, finished, clock, ref done, cancellation);

        // Extension rounds (DESIGN §7): need whole series, so a shard runs its part of the configured grid
        // only; `run --resume` on the merged directory then runs the extension.
        if (experiment.MaxSteps is not null && shard.IsWhole)
        {
            var series = new List<SweepPoint>(points);
            for (int round = 1; ; round++)
            {
                var (next, capped) = SeriesExtension.NextRound(series, ResultStore.Read(path), evaluator.KeyOf);
                foreach (string c in capped)
                {
                    progress.WriteLine($"[{experiment.Name}] warning: series {c}: its time budget (seriesBudgetSeconds) stopped the extension, so this result depends on the machine's speed; raise the budget or lower maxSteps");
                }

                if (next.Count == 0)
                {
                    break;
                }

                var nextKeys = next.Select(evaluator.KeyOf).ToList();
                for (int i = 0; i < next.Count; i++)
                {
                    string fingerprint = FingerprintOf(next[i]);
                    expected[nextKeys[i]] = fingerprint;
                    if (extra.TryGetValue(nextKeys[i], out var previous) && previous.Fingerprint == fingerprint)
                    {
                        finished[nextKeys[i]] = previous.Rows;
                    }
                }

                progress.WriteLine($"[{experiment.Name}] extension round {round}: {next.Count} series doubled to T = {string.Join(", ", next.Select(p => p.Steps).Distinct().Order())}");
                RunPoints(experiment, path, evaluator, next, nextKeys, expected, finished, clock, ref done, cancellation);
                series.AddRange(next);
            }
        }

        progress.WriteLine($"{(ProgressInPlace ? "\r" : "")}[{experiment.Name}] {done} points done in {LiveProgressLine.Duration(clock.Elapsed)}".PadRight(120));

        // Canonical order, one row per (point, metric): the same file whatever was resumed, interrupted or sharded.
        ResultStore.Write(path, ResultStore.Canonical(ResultStore.Read(path).Where(r => expected.ContainsKey(r.PointKey))).ToList());
        PointJournal.Complete(path);
    }

    /// <summary>Evaluates the points not yet finished, concurrently, appending each one's rows and journal line as it finishes.</summary>
    private void RunPoints(
        ExperimentConfig experiment, string path, PointEvaluator evaluator, IReadOnlyList<SweepPoint> points, IReadOnlyList<string> keys,
        Dictionary<string, string> expected, Dictionary<string, List<ResultRow>> finished, Stopwatch clock, ref int done, CancellationToken cancellation)
    {
        double totalCost = points.Where((_, i) => !finished.ContainsKey(keys[i])).Sum(Cost);
        double doneCost = 0;
        int doneHere = done;
        var gate = new object();
        Exception? failure = null;
        SweepPoint? failedPoint = null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        using var live = ProgressInPlace ? new LiveProgressLine(progress) : null;

        // Points run concurrently (most evaluators are single-threaded); each point's numbers depend only
        // on the point, and the CSV is put in canonical order at the end, so concurrency changes nothing
        // but the wall time.
        var pending = Enumerable.Range(0, points.Count).Where(i => !finished.ContainsKey(keys[i])).ToList();
        try
        {
            Parallel.ForEach(
                System.Collections.Concurrent.Partitioner.Create(pending, System.Collections.Concurrent.EnumerablePartitionerOptions.NoBuffering),
                new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Workers), CancellationToken = stop.Token },
                i =>
                {
                    SweepPoint point = points[i];
                    lock (gate)
                    {
                        string Line() => $"[{experiment.Name}] point {i + 1}/{points.Count} {point.Describe(),-50} elapsed {LiveProgressLine.Duration(clock.Elapsed)}, ETA {LiveProgressLine.Eta(clock.Elapsed, doneCost, totalCost)}";
                        if (live is not null)
                        {
                            live.Show(() => $"{LiveProgressLine.Bar(totalCost > 0 ? doneCost / totalCost : 0)} {Line()}");
                        }
                        else
                        {
                            progress.WriteLine(Line());
                        }
                    }

                    IReadOnlyList<ResultRow> rows;
                    try
                    {
                        stop.Token.ThrowIfCancellationRequested();
                        rows = evaluator.Evaluate(point, stop.Token);
                    }
                    catch (Exception e)
                    {
                        lock (gate)
                        {
                            // The first real failure wins; cancellations it caused in other workers are noise.
                            if (failure is null || (Failures.Primary(failure) is OperationCanceledException && Failures.Primary(e) is not OperationCanceledException))
                            {
                                failure = e;
                                failedPoint = point;
                            }
                        }

                        stop.Cancel();
                        return;
                    }

                    lock (gate)
                    {
                        ResultStore.Append(path, rows);
                        PointJournal.Add(path, keys[i], expected[keys[i]]);
                        finished[keys[i]] = rows.ToList();
                        doneHere++;
                        doneCost += Cost(point);
                        PointFinished?.Invoke(point);
                    }
                });
        }
        catch (OperationCanceledException e)
        {
            // Either the user cancelled, or a worker's failure stopped the others: keep the real cause.
            failure ??= e;
        }

        live?.Dispose(); // before the closing lines, which the next tick would otherwise overdraw
        done = doneHere;
        if (failure is not null)
        {
            if (ProgressInPlace)
            {
                progress.WriteLine();
            }

            Exception primary = Failures.Primary(failure);
            string where = failedPoint is null ? "" : failedPoint.Describe();
            if (primary is OperationCanceledException)
            {
                progress.WriteLine($"[{experiment.Name}] cancelled: {doneHere} of {expected.Count} points finished and kept in {path}; continue with --resume");
            }

            switch (primary)
            {
                case NumericalFailureException numerical:
                    throw Failures.WithContext(numerical, $"experiment {experiment.Name}, point {where}");
                case InvalidSpecificationException bad:
                    throw new InvalidSpecificationException($"experiment {experiment.Name}, point {where}: {bad.Field}", bad.Value, bad.Expectation);
                case OperationCanceledException:
                    throw new OperationCanceledException(primary.Message, failure, cancellation);
                default:
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(primary).Throw();
                    break;
            }
        }
    }

    /// <summary>
    /// The rows of the points that are finished and unchanged, by key. A CSV without a journal (copied from
    /// elsewhere, or written by an older version) is trusted as it is.
    /// </summary>
    private Dictionary<string, List<ResultRow>> Recover(ExperimentConfig experiment, string path, IReadOnlyDictionary<string, string> expected, Dictionary<string, (List<ResultRow> Rows, string Fingerprint)> extra)
    {
        var rows = ResultStore.Read(path);
        PointJournal? journal = PointJournal.Read(path);
        var finished = new Dictionary<string, List<ResultRow>>(StringComparer.Ordinal);
        int unfinished = 0, changed = 0, outside = 0;
        foreach (var group in rows.GroupBy(r => r.PointKey))
        {
            if (!expected.TryGetValue(group.Key, out string? fingerprint))
            {
                // A finished extension point (beyond the configured steps) of a whole-sweep run: kept aside
                // for the extension rounds, which reuse it only if they ask for it with the same fingerprint.
                if (experiment.MaxSteps is not null && shard.IsWhole && journal is not null && journal.Points.TryGetValue(group.Key, out string? previous))
                {
                    extra[group.Key] = (group.ToList(), previous);
                }
                else
                {
                    outside++;
                }
            }
            else if (journal is not null && !journal.Points.ContainsKey(group.Key))
            {
                unfinished++;
            }
            else if (journal is not null && journal.Points[group.Key] != fingerprint)
            {
                changed++;
            }
            else
            {
                finished[group.Key] = group.ToList();
            }
        }

        var notes = new List<string>();
        if (journal is null && rows.Count > 0)
        {
            notes.Add("no journal beside the CSV, so its rows are trusted as made with this config");
        }

        if (unfinished > 0)
        {
            notes.Add($"dropped {unfinished} unfinished point(s)");
        }

        if (changed > 0)
        {
            notes.Add($"{changed} point(s) changed in the config since they ran and will run again");
        }

        if (outside > 0)
        {
            notes.Add($"dropped {outside} point(s) no longer in {(shard.IsWhole ? "the sweep" : $"shard {shard.Index}/{shard.Count}")}");
        }

        progress.WriteLine($"[{experiment.Name}] resuming: {finished.Count} of {expected.Count} points finished{(notes.Count > 0 ? "; " + string.Join("; ", notes) : "")}");
        return finished;
    }

    private static string TargetJsonAt(ExperimentConfig experiment, int? dimension, Dictionary<int, string> cache)
    {
        int key = dimension ?? -1;
        if (!cache.TryGetValue(key, out string? json))
        {
            json = experiment.TargetJsonAt(dimension);
            cache[key] = json;
        }

        return json;
    }

    /// <summary>Relative cost for the ETA: T × the score evaluations per step.</summary>
    private static double Cost(SweepPoint point) =>
        point.Steps * Samplers.SamplerCatalog.Get(point.Sampler).EvaluationsPerStep;

}
