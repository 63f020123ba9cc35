using Diffusion.Verify.Experiments.Cli;
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
    public static int Run(Arguments args, Terminal terminal, CancellationToken cancellation)
    {
        bool quick = args.Switch("quick");
        bool resume = args.Switch("resume");
        Shard shard = Shard.Parse(args.Text("shard"));
        string output = args.Text("out") ?? (quick ? ".quick-results" : "results");
        args.RejectUnused("run");

        var configs = ConfigFiles.LoadAll(args.Positional, quick);
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
