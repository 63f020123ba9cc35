using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Diffusion.Verify.Distances;
using Diffusion.Verify.Experiments.Cli;
using Diffusion.Verify.Experiments.Output;
using Diffusion.Verify.Scores;

namespace Diffusion.Verify.Experiments.Commands;

/// <summary>
/// <c>eval</c>: TV(p_1, q_1), KL(p_1‖q_1) and, where available, the path KL of one sampler run, by the most
/// precise applicable method (or the one forced with --method). With --json, exactly one JSON object on
/// standard output; warnings go to standard error.
/// </summary>
public static class EvalCommand
{
    public static Command Create(Terminal terminal, CancellationToken cancellation)
    {
        var problem = new ProblemOptions();
        var method = new Option<string>("--method") { Description = "distance method; auto takes the most precise that applies", DefaultValueFactory = _ => "auto" }.OneOf(DistanceMethods.Names);
        var json = new Option<bool>("--json") { Description = "print exactly one JSON object on standard output" };
        var command = new Command("eval", "TV(p1, q1), KL(p1||q1), KL(q1||p1) and path KL of one sampler run");
        problem.AddTo(command);
        command.Options.Add(method);
        command.Options.Add(json);
        command.SetAction(parse => Run(problem.Read(parse), DistanceMethods.Parse(parse.GetValue(method)!, "--method"), parse.GetValue(json), terminal, cancellation));
        return command;
    }

    public static int Run(Problem problem, DistanceMethod method, bool json, Terminal terminal, CancellationToken cancellation)
    {
        foreach (string warning in problem.Levels.Warnings)
        {
            terminal.Error.WriteLine($"warning: {warning}");
        }

        var clock = Stopwatch.StartNew();
        DistanceReport report;
        using (var progress = new SampleProgress(terminal.Error, terminal.IsInteractive, "eval", problem.Samples))
        {
            var request = new EvaluationRequest(problem.Sampler, problem.Levels, problem.Target, new ExactScore(problem.Target), problem.Start, method, problem.Samples, problem.Seed, cancellation, Progress: progress);
            report = DistanceEvaluator.Evaluate(request);
        }

        double seconds = clock.Elapsed.TotalSeconds;
        if (!string.IsNullOrEmpty(report.Notes))
        {
            terminal.Error.WriteLine($"note: {report.Notes}");
        }

        if (json)
        {
            var payload = new Dictionary<string, object?>
            {
                ["tv"] = report.TotalVariation.Value,
                ["tvStderr"] = report.TotalVariation.StandardError,
                ["kl"] = report.KlSamplerToTarget.Value,
                ["klStderr"] = report.KlSamplerToTarget.StandardError,
                ["pathKl"] = report.PathKl?.Value,
                ["method"] = DistanceMethods.Name(report.Method),
                ["n"] = report.SampleCount,
                ["seconds"] = seconds,
            };
            terminal.Out.WriteLine(JsonSerializer.Serialize(payload));
            return 0;
        }

        terminal.Out.WriteLine(Line("TV(p1, q1)", report.TotalVariation));
        terminal.Out.WriteLine(Line("KL(p1||q1)", report.KlSamplerToTarget));
        if (report.KlTargetToSampler is { } reverse)
        {
            terminal.Out.WriteLine(Line("KL(q1||p1)", reverse));
        }

        if (report.PathKl is { } path)
        {
            terminal.Out.WriteLine(Line("path KL", path));
        }

        if (report.TotalVariationFloor is { } floor)
        {
            terminal.Out.WriteLine(Line("TV floor", floor));
        }

        terminal.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"method {DistanceMethods.Name(report.Method)}, n = {report.SampleCount}, NFE = {problem.Sampler.FunctionEvaluations(problem.Levels.Steps)}, {seconds:F2} s"));
        return 0;
    }

    private static string Line(string name, Estimate e) => string.Create(
        CultureInfo.InvariantCulture,
        $"{name,-12} {e.Value:E6}  {(e.StandardError > 0 ? $"± {e.StandardError:E2} (1σ)" : $"(tolerance {e.Tolerance:E1})")}");
}
