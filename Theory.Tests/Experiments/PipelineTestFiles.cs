using System.Diagnostics;
using Diffusion.Verify.Experiments.Cli;
using Diffusion.Verify.Experiments.Pipeline;
using Diffusion.Verify.Experiments.Reporting;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>A scratch directory for one test's configs and outputs, deleted afterwards.</summary>
public sealed class PipelineScratch : IDisposable
{
    public PipelineScratch()
    {
        Root = Path.Combine(Path.GetTempPath(), "dv-pipeline-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string this[string relative] => Path.Combine(Root, relative);

    public string Write(string relative, string text)
    {
        string path = this[relative];
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // a child process may still be releasing a file; the OS cleans the temp directory
        }
    }
}

/// <summary>Small, fast experiment configs and comparisons shared by the pipeline tests.</summary>
public static class PipelineTestFiles
{
    public const string BimodalTarget = """{ "kind": "gmm", "weights": [0.3, 0.7], "means": [[-2.0], [1.5]], "variances": [0.09, 0.36] }""";

    /// <summary>
    /// Deterministic samplers only on a 1-D mixture, started from q_T, evaluated by density-mc on a few hundred
    /// samples (auto would pick the quadrature, seconds per point): 8 points, well under a second in all.
    /// </summary>
    public static string SmallConfig(string name = "small", int n = 400, string steps = "[32, 64, 128, 256]", string samplers = """["ddim-type", "acc-ode"]""", string extra = "") => $$"""
        {
          "name": "{{name}}",
          "target": {{BimodalTarget}},
          "samplers": {{samplers}},
          "schedules": [ { "kind": "logsnr" } ],
          "steps": {{steps}},
          "start": "exact",
          "method": "density-mc",
          "n": {{n}}{{extra}}
        }
        """;

    /// <summary>The CLI in-process: exit code, standard output and standard error.</summary>
    public static (int Code, string Out, string Error) Cli(CancellationToken cancellation, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Entry.Run(args, output, error, cancellation);
        return (code, output.ToString(), error.ToString());
    }

    public static (int Code, string Out, string Error) Cli(params string[] args) => Cli(CancellationToken.None, args);

    /// <summary>The CSV's lines without the Seconds column (the last one), which is the only one allowed to differ.</summary>
    public static IReadOnlyList<string> LinesWithoutSeconds(string csvPath)
    {
        string[] lines = File.ReadAllText(csvPath).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("Seconds", lines[0][(lines[0].LastIndexOf(',') + 1)..]);
        return lines.Select(l => l[..l.LastIndexOf(',')]).ToList();
    }

    /// <summary>Result CSV (Seconds aside), fits CSV, figures and summary.md of one experiment are identical in both directories.</summary>
    public static void AssertSameOutputs(string expectedDirectory, string actualDirectory, string experiment)
    {
        var expected = LinesWithoutSeconds(ResultStore.PathFor(expectedDirectory, experiment));
        var actual = LinesWithoutSeconds(ResultStore.PathFor(actualDirectory, experiment));
        Assert.True(expected.Count > 1, "the reference CSV holds no rows");
        Assert.Equal(expected, actual);
        string fits = experiment + ReportBuilder.FitsSuffix;
        Assert.Equal(File.ReadAllText(Path.Combine(expectedDirectory, fits)), File.ReadAllText(Path.Combine(actualDirectory, fits)));
        Assert.Equal(File.ReadAllText(Path.Combine(expectedDirectory, "summary.md")), File.ReadAllText(Path.Combine(actualDirectory, "summary.md")));
        var figures = Directory.GetFiles(expectedDirectory, experiment + "-*.png").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(figures);
        Assert.Equal(figures, Directory.GetFiles(actualDirectory, experiment + "-*.png").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList());
        foreach (string? figure in figures)
        {
            Assert.True(
                File.ReadAllBytes(Path.Combine(expectedDirectory, figure!)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(actualDirectory, figure!))),
                $"{figure} differs");
        }
    }

    /// <summary>The Experiments executable beside the test assembly (the project reference copies it with its runtimeconfig).</summary>
    public static string ExperimentsDll
    {
        get
        {
            string dll = typeof(Entry).Assembly.Location;
            Assert.True(File.Exists(Path.ChangeExtension(dll, ".runtimeconfig.json")), $"no runtimeconfig beside {dll}");
            return dll;
        }
    }

    /// <summary>Starts <c>dotnet Diffusion.Verify.Experiments.dll args</c> with its output captured.</summary>
    public static Process StartChild(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(ExperimentsDll);
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment.Remove("DOTNET_PROCESSOR_COUNT");
        foreach ((string key, string value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        return Process.Start(info)!;
    }

    /// <summary>Runs a child to completion: exit code and standard error.</summary>
    public static (int Code, string Error) RunChild(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        using Process child = StartChild(workingDirectory, environment, args);
        var output = child.StandardOutput.ReadToEndAsync();
        var error = child.StandardError.ReadToEndAsync();
        Assert.True(child.WaitForExit(120_000), "child process did not finish within 2 minutes");
        child.WaitForExit();
        _ = output.Result;
        return (child.ExitCode, error.Result);
    }

    /// <summary>Points recorded as finished in a CSV's journal (0 if there is none yet).</summary>
    public static int JournalledPoints(string csvPath)
    {
        string path = PointJournal.PathFor(csvPath);
        if (!File.Exists(path))
        {
            return 0;
        }

        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd().Split('\n').Count(l => l.StartsWith("point ", StringComparison.Ordinal));
        }
        catch (IOException)
        {
            return 0; // replaced by a rename at this instant
        }
    }
}
