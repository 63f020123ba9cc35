using System.Diagnostics;
using Diffusion.Verify.Experiments.Configuration;
using Diffusion.Verify.Experiments.Pipeline;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// Interrupted runs resume to exactly the rows of an uninterrupted run (the Seconds column aside), with
/// identical fits and summary: after cancellation at random moments, after a torn last line, after rows
/// of a point whose journal line never made it to disk, and after a config change (only changed points
/// run again).
/// </summary>
public sealed class ResumeTests : IDisposable
{
    private readonly PipelineScratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    /// <summary>A run without figures, fits or summary (the pipeline alone, to keep the tests fast).</summary>
    private string Run(string config, string directory, bool resume = false)
    {
        var progress = new StringWriter();
        new ExperimentRun(_scratch[directory], resume, Shard.Whole, progress).Run([ExperimentConfig.Load(config, quick: false)], CancellationToken.None);
        LastProgress = progress.ToString();
        return _scratch[directory];
    }

    private string LastProgress { get; set; } = "";

    private void Resume(string config, string directory, string? expectedNote = null)
    {
        Run(config, directory, resume: true);
        if (expectedNote is not null)
        {
            Assert.Contains(expectedNote, LastProgress);
        }
    }

    private static void AssertSameRows(string expectedDirectory, string actualDirectory, string experiment) =>
        Assert.Equal(
            PipelineTestFiles.LinesWithoutSeconds(ResultStore.PathFor(expectedDirectory, experiment)),
            PipelineTestFiles.LinesWithoutSeconds(ResultStore.PathFor(actualDirectory, experiment)));

    /// <summary>Runs until <paramref name="finishedPoints"/> points are on disk, then cancels (at once, or after a delay that lands inside a point).</summary>
    private static int Interrupt(string config, string directory, int finishedPoints, int delayMilliseconds)
    {
        ExperimentConfig experiment = ExperimentConfig.Load(config, quick: false);
        using var cancellation = new CancellationTokenSource();
        int finished = 0;
        var run = new ExperimentRun(directory, resume: false, Shard.Whole, TextWriter.Null)
        {
            PointFinished = _ =>
            {
                if (++finished == finishedPoints)
                {
                    cancellation.CancelAfter(delayMilliseconds);
                }
            },
        };
        if (finishedPoints == 0)
        {
            cancellation.CancelAfter(delayMilliseconds);
        }

        try
        {
            run.Run([experiment], cancellation.Token);
        }
        catch (OperationCanceledException)
        {
        }

        return finished;
    }

    /// <summary>The CSV holds only whole points, each named in the journal and equal to the reference's rows.</summary>
    private static void AssertOnlyFinishedPoints(string directory, string referenceDirectory, string experiment, int atLeast)
    {
        string csv = ResultStore.PathFor(directory, experiment);
        var journal = PointJournal.Read(csv)!;
        var reference = ResultStore.Read(ResultStore.PathFor(referenceDirectory, experiment))
            .GroupBy(r => r.PointKey).ToDictionary(g => g.Key, g => g.Select(r => r with { Seconds = 0 }).OrderBy(r => r.Metric, StringComparer.Ordinal).ToList());
        var rows = ResultStore.Read(csv).GroupBy(r => r.PointKey).ToList();
        Assert.True(rows.Count >= atLeast, $"{rows.Count} points on disk, expected at least {atLeast}");
        Assert.Equal(rows.Select(g => g.Key).Order(), journal.Points.Keys.Order());
        foreach (var point in rows)
        {
            Assert.Equal(reference[point.Key], point.Select(r => r with { Seconds = 0 }).OrderBy(r => r.Metric, StringComparer.Ordinal).ToList());
        }
    }

    [Fact]
    public void CancellingAtRandomMomentsAndResumingGivesTheUninterruptedOutputs()
    {
        string config = _scratch.Write("small.json", PipelineTestFiles.SmallConfig());
        string reference = Run(config, "reference");
        var random = new Random(20240611);
        for (int trial = 0; trial < 4; trial++)
        {
            int k = random.Next(0, 8);
            int delay = trial % 2 == 0 ? 0 : random.Next(1, 15);
            string directory = _scratch[$"trial{trial}"];
            int finished = Interrupt(config, directory, k, delay);
            Assert.True(finished >= k, $"trial {trial}: {finished} < {k}");
            AssertOnlyFinishedPoints(directory, reference, "small", k);
            if (trial > 0)
            {
                Resume(config, $"trial{trial}", "resuming: ");
                AssertSameRows(reference, directory, "small");
                continue;
            }

            // Once through the CLI, with fits and summary compared too.
            var (code, _, error) = PipelineTestFiles.Cli("run", config, "--out", directory, "--resume");
            Assert.True(code == 0, error);
            Diffusion.Verify.Experiments.Reporting.ReportBuilder.Build(reference);
            PipelineTestFiles.AssertSameOutputs(reference, directory, "small");
        }
    }

    [Fact]
    public async Task CancellationReachesTheSamplerLoopsWithinAPoint()
    {
        // One point that takes minutes: cancelled after 300 ms, the run must stop at once with no rows.
        string config = _scratch.Write("slow.json", PipelineTestFiles.SmallConfig("slow", n: 100_000, steps: "[4096]", samplers: """["acc-ode"]"""));
        using var cancellation = new CancellationTokenSource(300);
        var clock = Stopwatch.StartNew();
        var run = Task.Run(() => PipelineTestFiles.Cli(cancellation.Token, "run", config, "--out", _scratch["out"]));
        // The point alone takes minutes; the margins allow for a 2-vCPU CI machine under heavy host load,
        // where the thread pool is shared with the other test classes running in parallel.
        var (code, _, error) = await run.WaitAsync(TimeSpan.FromSeconds(90)); // TimeoutException: cancellation did not reach the sampler
        clock.Stop();
        Assert.Equal(130, code);
        // 300 ms may land before the point starts (a cold JIT) or inside it; either way the run stops cleanly.
        Assert.True(error.Contains("[slow] cancelled: 0 of 1 points finished") || error.Contains("cancelled; finished points are kept"), error);
        Assert.Empty(ResultStore.Read(ResultStore.PathFor(_scratch["out"], "slow")));
    }

    /// <summary>Only run keeps points to resume from: a cancelled sample or eval must not point the user at run --resume.</summary>
    [Fact]
    public void ACancelledSampleOrEvalDoesNotOfferToResume()
    {
        string target = _scratch.Write("t.json", """{ "kind": "gmm", "weights": [0.3, 0.7], "means": [[-2.0], [1.5]], "variances": [0.09, 0.36] }""");
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        foreach (string[] extra in new[] { new[] { "sample" }, ["eval", "--method", "density-mc"] })
        {
            string command = extra[0];
            var (code, _, error) = PipelineTestFiles.Cli(cancelled.Token, [.. extra, "--target", target, "--sampler", "ddim", "--steps", "50", "--n", "100"]);
            Assert.True(code == 130, $"{command}: exit {code}: {error}");
            Assert.Contains("cancelled", error);
            Assert.DoesNotContain("resume", error);
        }

        string config = _scratch.Write("small.json", PipelineTestFiles.SmallConfig());
        var (runCode, _, runError) = PipelineTestFiles.Cli(cancelled.Token, "run", config, "--out", _scratch["cancelled-run"]);
        Assert.True(runCode == 130, runError);
        Assert.Contains("run --resume", runError);
    }

    [Fact]
    public void ATornLineAndRowsWithoutAJournalLineAreDroppedAndRunAgain()
    {
        string config = _scratch.Write("small.json", PipelineTestFiles.SmallConfig());
        string reference = Run(config, "reference");
        string directory = _scratch["torn"];
        Interrupt(config, directory, 3, 0);
        string csv = ResultStore.PathFor(directory, "small");

        // What a kill during the 4th point's append leaves: some of its rows, then half a line.
        string referenceCsv = ResultStore.PathFor(reference, "small");
        string[] referenceLines = File.ReadAllText(referenceCsv).Split('\n', StringSplitOptions.RemoveEmptyEntries)[1..];
        var referenceRows = ResultStore.Read(referenceCsv);
        var done = PointJournal.Read(csv)!.Points.Keys.ToHashSet();
        string key = referenceRows.First(r => !done.Contains(r.PointKey)).PointKey;
        var next = referenceLines.Where((_, i) => referenceRows[i].PointKey == key).ToList();
        Assert.Equal(3, next.Count);
        File.AppendAllText(csv, next[0] + "\n" + next[1][..(next[1].Length / 2)]);
        // ...and half a journal line.
        File.AppendAllText(PointJournal.PathFor(csv), "point 0123456789abcdef small|gmm(K=2,d=1,isot");

        // Points run concurrently, so more than 3 may have finished before the cancellation reached the workers.
        Assert.InRange(done.Count, 3, 7);
        Resume(config, "torn", $"resuming: {done.Count} of 8 points finished; dropped 1 unfinished point(s)");
        AssertSameRows(reference, directory, "small");
        Assert.True(PointJournal.Read(csv)!.IsComplete);
    }

    [Fact]
    public void ATornHeaderIsRecoveredFrom()
    {
        string config = _scratch.Write("small.json", PipelineTestFiles.SmallConfig(steps: "[32, 64, 128]", samplers: """["ddim-type"]"""));
        string reference = Run(config, "reference");
        string directory = _scratch["header"];
        Directory.CreateDirectory(directory);
        string csv = ResultStore.PathFor(directory, "small");
        File.WriteAllText(csv, "Experiment,Target,D,Sche");
        File.WriteAllText(PointJournal.PathFor(csv), "sweep 0000000000000000\n");
        Assert.Empty(ResultStore.Read(csv));

        Resume(config, "header", "resuming: 0 of 3 points finished");
        AssertSameRows(reference, directory, "small");
    }

    [Fact]
    public void AppendAfterATornHeaderWritesTheHeaderAgain()
    {
        string csv = _scratch.Write("x.csv", "Experiment,Targ");
        var row = new ResultRow { Experiment = "x", Target = "t", D = 1, Schedule = "s", Sampler = "ddim", Perturbation = "exact", T = 8, Metric = Metrics.Tv, Value = 0.25 };
        ResultStore.Append(csv, [row]);
        Assert.Equal([row], ResultStore.Read(csv));
        Assert.StartsWith("Experiment,Target,D,", File.ReadAllText(csv));
    }

    [Fact]
    public void OnlyPointsWhoseInputsChangedRunAgain()
    {
        string config = _scratch.Write("c.json", PipelineTestFiles.SmallConfig("c", steps: "[32, 64, 128]", samplers: """["ddim-type"]"""));
        string directory = Run(config, "resumed");
        var before = ResultStore.Read(ResultStore.PathFor(directory, "c"));

        // A new T only adds a point: the others are reused, seconds and all.
        _scratch.Write("c.json", PipelineTestFiles.SmallConfig("c", steps: "[32, 64, 128, 256]", samplers: """["ddim-type"]"""));
        Resume(config, "resumed", "resuming: 3 of 4 points finished");
        var after = ResultStore.Read(ResultStore.PathFor(directory, "c"));
        Assert.All(before, r => Assert.Contains(r, after));

        // A new target mean keeps every row key but changes every value: all points run again.
        string moved = PipelineTestFiles.SmallConfig("c", steps: "[32, 64, 128, 256]", samplers: """["ddim-type"]""").Replace("[[-2.0], [1.5]]", "[[-2.5], [1.5]]");
        _scratch.Write("c.json", moved);
        Resume(config, "resumed", "4 point(s) changed in the config since they ran and will run again");
        string fresh = Run(config, "fresh");
        AssertSameRows(fresh, directory, "c");
        var freshValues = ResultStore.Read(ResultStore.PathFor(fresh, "c")).ToDictionary(r => (r.PointKey, r.Metric), r => r.Value);
        Assert.Contains(before, r => freshValues[(r.PointKey, r.Metric)] != r.Value);
    }
}
