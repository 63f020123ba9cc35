using Diffusion.Verify.Experiments.Cli;
using Diffusion.Verify.Experiments.Configuration;
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
    public static int Run(Arguments args, CancellationToken cancellation)
    {
        bool quick = args.Switch("quick");
        bool resume = args.Switch("resume");
        Shard shard = Shard.Parse(args.Text("shard"));
        string output = args.Text("out") ?? (quick ? ".quick-results" : "results");
        args.RejectUnused("run");

        var configs = ConfigFiles.Resolve(args.Positional).Select(path => ExperimentConfig.Load(path, quick)).ToList();
        var duplicate = configs.GroupBy(c => c.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidSpecificationException("name", duplicate.Key, $"two configs use the same experiment name ({string.Join(", ", duplicate.Select(c => c.SourcePath))})");
        }

        Console.Error.WriteLine($"running {configs.Count} experiment(s){(quick ? " (quick)" : "")} into {Path.GetFullPath(output)}");
        new ExperimentRun(output, resume, shard, Console.Error).Run(configs, cancellation);
        if (!shard.IsWhole)
        {
            Console.Error.WriteLine($"shard {shard.Index}/{shard.Count} done; combine the shards with 'merge {output}'");
            return 0;
        }

        Analysis analysis = ReportBuilder.Build(output, configs.ToDictionary(c => c.Name, c => c.Title));
        Console.WriteLine(ReportBuilder.VerdictTable(analysis));
        Console.Error.WriteLine($"wrote {Path.Combine(output, "summary.md")}");
        return 0;
    }
}
