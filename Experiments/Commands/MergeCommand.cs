using System.Text.RegularExpressions;
using Diffusion.Verify.Experiments.Cli;
using Diffusion.Verify.Experiments.Pipeline;
using Diffusion.Verify.Experiments.Reporting;

namespace Diffusion.Verify.Experiments.Commands;

/// <summary>
/// <c>merge DIR... [--out DIR]</c>: combines the shard CSVs (name.shard-i-of-n.csv) found in the
/// directories into one CSV per experiment, in canonical order, then rebuilds fits, figures and summary.
/// Refuses to merge an incomplete or inconsistent set of shards.
/// </summary>
public static partial class MergeCommand
{
    public static int Run(Arguments args)
    {
        string? output = args.Text("out");
        args.RejectUnused("merge");
        if (args.Positional.Count == 0)
        {
            throw new InvalidSpecificationException("DIR", "(none)", "merge needs at least one directory holding shard CSVs");
        }

        output ??= args.Positional[0];
        var shards = new List<(string Experiment, int Index, int Count, string Path)>();
        foreach (string directory in args.Positional)
        {
            if (!Directory.Exists(directory))
            {
                throw new InvalidSpecificationException("DIR", directory, "no such directory");
            }

            foreach (string file in Directory.GetFiles(directory, "*.csv"))
            {
                Match m = ShardName().Match(Path.GetFileName(file));
                if (m.Success)
                {
                    shards.Add((m.Groups[1].Value, int.Parse(m.Groups[2].Value), int.Parse(m.Groups[3].Value), file));
                }
            }
        }

        if (shards.Count == 0)
        {
            throw new InvalidSpecificationException("DIR", string.Join(" ", args.Positional), "holds no shard CSVs (name.shard-i-of-n.csv)");
        }

        Directory.CreateDirectory(output);
        foreach (var experiment in shards.GroupBy(s => s.Experiment).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var counts = experiment.Select(s => s.Count).Distinct().ToList();
            if (counts.Count != 1)
            {
                throw new InvalidSpecificationException(experiment.Key, string.Join(",", counts), "shards of one experiment must share the same n");
            }

            var missing = Enumerable.Range(0, counts[0]).Except(experiment.Select(s => s.Index)).ToList();
            if (missing.Count > 0)
            {
                throw new InvalidSpecificationException(experiment.Key, $"missing shard(s) {string.Join(",", missing)} of {counts[0]}", "all shards must be present to merge");
            }

            var rows = experiment.DistinctBy(s => s.Index).SelectMany(s => ResultStore.Read(s.Path));
            ResultStore.Write(ResultStore.PathFor(output, experiment.Key), ResultStore.Canonical(rows));
            Console.Error.WriteLine($"merged {counts[0]} shard(s) of {experiment.Key}");
        }

        ReportBuilder.Build(output);
        return 0;
    }

    [GeneratedRegex(@"^(.+)\.shard-(\d+)-of-(\d+)\.csv$")]
    private static partial Regex ShardName();
}
