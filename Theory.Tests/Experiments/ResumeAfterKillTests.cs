using System.Diagnostics;
using System.Runtime.InteropServices;
using Diffusion.Verify.Experiments.Pipeline;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>An uninterrupted in-process run of the config the child processes are interrupted on.</summary>
public sealed class KilledRunReference : IDisposable
{
    public KilledRunReference()
    {
        // 8 points of 0.05–0.5 s each: long enough to be interrupted part-way, short enough to redo.
        Config = Scratch.Write("kill.json", PipelineTestFiles.SmallConfig("kill", n: 2000, steps: "[64, 128, 256, 512]"));
        var (code, _, error) = PipelineTestFiles.Cli("run", Config, "--out", Scratch["reference"]);
        Assert.True(code == 0, error);
    }

    public PipelineScratch Scratch { get; } = new();

    public string Config { get; }

    public string Directory => Scratch["reference"];

    public void Dispose() => Scratch.Dispose();
}

/// <summary>
/// Real processes: a run killed with SIGKILL at a random moment after its first point, or stopped with
/// SIGINT (Ctrl-C) or SIGTERM (what Slurm sends at the time limit), and then resumed, ends with the same result CSV (Seconds aside), fits CSV and summary.md as
/// an uninterrupted run.
/// </summary>
public sealed class ResumeAfterKillTests(KilledRunReference reference) : IClassFixture<KilledRunReference>
{
    private const int Points = 8;

    [DllImport("libc", SetLastError = true, EntryPoint = "kill")]
    private static extern int SendSignal(int pid, int signal);

    /// <summary>Starts a run and waits until it has finished at least one point (and not all of them).</summary>
    private Process StartAndWaitForFirstPoint(string directory, out Task<string> error)
    {
        Process child = PipelineTestFiles.StartChild(reference.Scratch.Root, null, "run", reference.Config, "--out", directory);
        error = child.StandardError.ReadToEndAsync();
        _ = child.StandardOutput.ReadToEndAsync();
        string csv = ResultStore.PathFor(directory, "kill");
        var clock = Stopwatch.StartNew();
        while (PipelineTestFiles.JournalledPoints(csv) < 1)
        {
            Assert.False(child.HasExited, "the child exited before finishing a point");
            // A guard against hanging the suite, not a timing claim: a point takes well under a second.
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(10), "no point finished within 10 minutes");
            Thread.Sleep(10);
        }

        return child;
    }

    private void ResumeAndCompare(string directory, int finished)
    {
        var (code, error) = PipelineTestFiles.RunChild(reference.Scratch.Root, null, "run", reference.Config, "--out", directory, "--resume");
        Assert.True(code == 0, error);
        Assert.Contains($"resuming: {finished} of {Points} points finished", error);
        PipelineTestFiles.AssertSameOutputs(reference.Directory, directory, "kill");
    }

    [Fact]
    public void KilledAtARandomMomentAndResumedGivesTheUninterruptedOutputs()
    {
        string directory = reference.Scratch["sigkill"];
        int delay = new Random(7).Next(0, 250);
        using Process child = StartAndWaitForFirstPoint(directory, out _);
        Thread.Sleep(delay);
        child.Kill(); // SIGKILL: no handler runs, whatever was being written stays half-written
        child.WaitForExit();

        int finished = PipelineTestFiles.JournalledPoints(ResultStore.PathFor(directory, "kill"));
        Assert.InRange(finished, 1, Points - 1);
        ResumeAndCompare(directory, finished);
    }

    [Theory]
    [InlineData(2, "SIGINT")]
    [InlineData(15, "SIGTERM")]
    public async Task StoppedBySignalExitsOneThirtyKeepingFinishedPoints(int signal, string name)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return; // sends a POSIX signal
        }

        string directory = reference.Scratch[name];
        using Process child = StartAndWaitForFirstPoint(directory, out Task<string> error);
        Assert.Equal(0, SendSignal(child.Id, signal));
        Assert.True(child.WaitForExit(30_000), $"the child did not stop within 30 s of {name}");
        child.WaitForExit();

        Assert.Equal(130, child.ExitCode);
        string csv = ResultStore.PathFor(directory, "kill");
        int finished = PipelineTestFiles.JournalledPoints(csv);
        string messages = await error;
        Assert.Contains($"{name}: stopping", messages);
        Assert.Contains($"[kill] cancelled: {finished} of {Points} points finished and kept", messages);
        Assert.Equal(finished, ResultStore.Read(csv).Select(r => r.PointKey).Distinct().Count());
        ResumeAndCompare(directory, finished);
    }
}
