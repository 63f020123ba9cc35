using System.CommandLine;
using Diffusion.Verify.Experiments.Cli;
using Diffusion.Verify.Experiments.Output;
using Diffusion.Verify.Experiments.Pipeline;
using Diffusion.Verify.Experiments.Reporting;

namespace Diffusion.Verify.Experiments.Commands;

/// <summary>
/// <c>run [CONFIG ...] [--quick] [--out DIR] [--resume] [--shard i/n]</c>: the main job. Without configs it
/// runs every config in Experiments/configs and writes results/. Every config is validated before any
/// work starts.
/// </summary>
public static class RunCommand
{
    public static Command Create(Terminal terminal, CancellationToken cancellation)
    {
        var configs = new Argument<string[]>("CONFIG") { Description = "experiment configs (default: every *.json in Experiments/configs)", Arity = ArgumentArity.ZeroOrMore }.FilePaths();
        var quick = new Option<bool>("--quick") { Description = "few points per sweep (each config's \"quick\" overrides), into .quick-results/ unless --out is given" };
        var output = new Option<string?>("--out") { Description = "output directory [default: results, or .quick-results with --quick]", HelpName = "DIR" }.FilePath();
        var resume = new Option<bool>("--resume") { Description = "keep the finished points of an interrupted run in the output directory" };
        var shard = new Option<Shard?>("--shard")
        {
            Description = "run every n-th point only (shard i of n, 0 ≤ i < n); combine the shards with 'merge'",
            HelpName = "i/n",
            CustomParser = result =>
            {
                try
                {
                    return Shard.Parse(result.Tokens[0].Value);
                }
                catch (InvalidSpecificationException e)
                {
                    result.AddError(e.Message);
                    return Shard.Whole;
                }
            },
        };
        var command = new Command("run", "Run the experiment suite: sweep each config, write CSVs, fits, figures and summary.md") { configs, quick, output, resume, shard };
        command.SetAction(parse =>
        {
            bool isQuick = parse.GetValue(quick);
            return Run(parse.GetValue(configs) ?? [], isQuick, parse.GetValue(output) ?? (isQuick ? ".quick-results" : "results"), parse.GetValue(resume), parse.GetValue(shard) ?? Shard.Whole, terminal, cancellation);
        });
        return command;
    }

    public static int Run(IReadOnlyList<string> configFiles, bool quick, string output, bool resume, Shard shard, Terminal terminal, CancellationToken cancellation)
    {
        OutputLocation.RequireDirectory("--out", output);
        var configs = ConfigFiles.LoadAll(configFiles, quick);
        foreach (string warning in configs.SelectMany(c => c.Warnings).Distinct())
        {
            terminal.Error.WriteLine($"warning: {warning}");
        }

        terminal.Error.WriteLine($"running {configs.Count} experiment(s){(quick ? " (quick)" : "")}{(shard.IsWhole ? "" : $", shard {shard.Index}/{shard.Count}")} into {Path.GetFullPath(output)}");
        new ExperimentRun(output, resume, shard, terminal.Error) { ProgressInPlace = terminal.IsInteractive }.Run(configs, cancellation);
        if (!shard.IsWhole)
        {
            terminal.Error.WriteLine($"shard {shard.Index}/{shard.Count} done; once every shard is done, combine them with 'merge {output}'");
            return 0;
        }

        Analysis analysis = ReportBuilder.Build(output, configs.ToDictionary(c => c.Name, c => c.Title));
        terminal.Out.WriteLine(ReportBuilder.VerdictTable(analysis));
        terminal.Error.WriteLine($"wrote {Path.Combine(output, "summary.md")}");
        return 0;
    }
}
