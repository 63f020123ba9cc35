using System.CommandLine;
using System.Globalization;
using Diffusion.Verify.Experiments.Cli;
using Diffusion.Verify.Experiments.Output;
using Diffusion.Verify.Samplers;
using Diffusion.Verify.Scores;

namespace Diffusion.Verify.Experiments.Commands;

/// <summary>
/// <c>sample</c>: runs one sampler and writes its N outputs (optionally with their starting points) as CSV;
/// prints the average over coordinates of the per-coordinate sample mean and variance.
/// </summary>
public static class SampleCommand
{
    public static Command Create(Terminal terminal, CancellationToken cancellation)
    {
        var problem = new ProblemOptions();
        var output = new Option<string?>("--out") { Description = "write the N output samples as CSV", HelpName = "FILE.csv" }.FilePath();
        var withStart = new Option<bool>("--with-start") { Description = "also write each sample's starting point" };
        var command = new Command("sample", "Run one sampler; print the mean over coordinates of the sample mean and variance");
        problem.AddTo(command);
        command.Options.Add(output);
        command.Options.Add(withStart);
        command.SetAction(parse => Run(problem.Read(parse), parse.GetValue(withStart), parse.GetValue(output), terminal, cancellation));
        return command;
    }

    public static int Run(Problem problem, bool withStart, string? outPath, Terminal terminal, CancellationToken cancellation)
    {
        if (outPath is not null)
        {
            OutputLocation.RequireFile("--out", outPath);
        }

        foreach (string warning in problem.Levels.Warnings)
        {
            terminal.Error.WriteLine($"warning: {warning}");
        }

        var started = DateTime.UtcNow;
        SampleSet set;
        using (var progress = new SampleProgress(terminal.Error, terminal.IsInteractive, "sample", problem.Samples))
        {
            var options = new SamplingOptions
            {
                Samples = problem.Samples,
                Seed = problem.Seed,
                Start = problem.Start,
                KeepStart = withStart,
                Cancellation = cancellation,
                Progress = progress,
            };
            set = SamplerRunner.Run(problem.Sampler, problem.Levels, new ExactScore(problem.Target), problem.Target, options);
        }

        double seconds = (DateTime.UtcNow - started).TotalSeconds;

        if (outPath is not null)
        {
            AtomicFile.Write(outPath, stream => WriteCsv(stream, set));
        }

        (double meanOfMeans, double meanOfVariances) = CoordinateMoments(set);
        terminal.Error.WriteLine(
            $"{problem.Sampler.Name} on {problem.Target.Description}, {problem.Schedule.Label}, T = {problem.Levels.Steps}, " +
            $"NFE = {set.FunctionEvaluations}, n = {set.Count}, {seconds:F2} s");
        terminal.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"meanOfMeans={meanOfMeans:R} meanOfVariances={meanOfVariances:R}"));
        return 0;
    }

    /// <summary>Per coordinate j: sample mean m_j and unbiased variance v_j; returns (mean of m_j, mean of v_j).</summary>
    private static (double MeanOfMeans, double MeanOfVariances) CoordinateMoments(SampleSet set)
    {
        int d = set.Dimension;
        var mean = new double[d];
        var m2 = new double[d];
        for (int i = 0; i < set.Count; i++)
        {
            ReadOnlySpan<double> x = set.Sample(i);
            for (int j = 0; j < d; j++)
            {
                // Welford: stable for means far from zero
                double delta = x[j] - mean[j];
                mean[j] += delta / (i + 1);
                m2[j] += delta * (x[j] - mean[j]);
            }
        }

        double denominator = Math.Max(set.Count - 1, 1);
        return (mean.Average(), m2.Average() / denominator);
    }

    private static void WriteCsv(Stream stream, SampleSet set)
    {
        using var writer = new StreamWriter(stream, leaveOpen: true);
        int d = set.Dimension;
        var header = Enumerable.Range(0, d).Select(j => $"y{j}");
        if (set.Start is not null)
        {
            header = header.Concat(Enumerable.Range(0, d).Select(j => $"start{j}"));
        }

        writer.WriteLine(string.Join(',', header));
        var line = new System.Text.StringBuilder();
        for (int i = 0; i < set.Count; i++)
        {
            line.Clear();
            AppendRow(line, set.Output.AsSpan(i * d, d));
            if (set.Start is not null)
            {
                line.Append(',');
                AppendRow(line, set.Start.AsSpan(i * d, d));
            }

            writer.WriteLine(line);
        }
    }

    private static void AppendRow(System.Text.StringBuilder line, ReadOnlySpan<double> values)
    {
        for (int j = 0; j < values.Length; j++)
        {
            if (j > 0)
            {
                line.Append(',');
            }

            line.Append(values[j].ToString("R", CultureInfo.InvariantCulture));
        }
    }
}
