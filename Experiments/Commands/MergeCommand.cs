using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using Diffusion.Verify.Experiments.Cli;
using Diffusion.Verify.Experiments.Output;
using Diffusion.Verify.Experiments.Pipeline;
using Diffusion.Verify.Experiments.Reporting;

namespace Diffusion.Verify.Experiments.Commands;

/// <summary>
/// <c>merge DIR... [--out DIR]</c>: combines the shard CSVs (name.shard-i-of-n.csv) found in the
/// directories into one CSV per experiment, in canonical order, then rebuilds fits, figures and summary.
/// Refuses an incomplete or inconsistent set: every shard 0..n−1 present exactly once, each finished
/// (its journal ends with "complete"), all run from the same sweep (same journal fingerprint), and each
/// CSV holding exactly the points its journal names. The output is then identical to a single run's.
/// </summary>
public static partial class MergeCommand
{
    public static Command Create(Terminal terminal)
    {
        var directories = new Argument<string[]>("DIR") { Description = "directories holding the shard CSVs of runs made with --shard i/n", Arity = ArgumentArity.OneOrMore }.FilePaths();
        var output = new Option<string?>("--out") { Description = "output directory [default: the first DIR]", HelpName = "DIR" }.FilePath();
        var command = new Command("merge", "Combine the shard outputs of 'run --shard i/n' into one result set") { directories, output };
        command.SetAction(parse =>
        {
            string[] named = parse.GetValue(directories)!;
            return Run(named, parse.GetValue(output) ?? named[0], terminal);
        });
        return command;
    }

    public static int Run(IReadOnlyList<string> directories, string output, Terminal terminal)
    {
        var shards = new List<ShardFile>();
        foreach (string directory in directories.Select(Path.GetFullPath).Distinct())
        {
            if (!Directory.Exists(directory))
            {
                throw new InvalidSpecificationException("DIR", directory, "no such directory");
            }

            foreach (string file in Directory.GetFiles(directory, "*.csv").Order(StringComparer.Ordinal))
            {
                Match m = ShardName().Match(Path.GetFileName(file));
                if (m.Success)
                {
                    shards.Add(new ShardFile(m.Groups[1].Value, int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture), file));
                }
            }
        }

        if (shards.Count == 0)
        {
            throw new InvalidSpecificationException("DIR", string.Join(" ", directories), "holds no shard CSVs (name.shard-i-of-n.csv)");
        }

        // After the DIRs: --out defaults to the first of them, whose own message is the one to give.
        OutputLocation.RequireDirectory("--out", output);

        // Check every experiment before writing anything, so a refused merge leaves the output untouched.
        var merged = shards.GroupBy(s => s.Experiment).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => Check(g.Key, g.ToList())).ToList();
        Directory.CreateDirectory(output);
        foreach ((string experiment, int count, string sweep, string? title, List<ResultRow> rows, Dictionary<string, string> points) in merged)
        {
            string path = ResultStore.PathFor(output, experiment);
            ResultStore.Write(path, ResultStore.Canonical(rows).ToList());
            PointJournal.Start(path, sweep, title, points.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (p.Key, p.Value)));
            PointJournal.Complete(path);
            terminal.Error.WriteLine($"merged {count} shard(s) of {experiment}: {points.Count} points");
        }

        ReportBuilder.Build(output, PointJournal.Titles(output));
        terminal.Error.WriteLine($"wrote {Path.Combine(output, "summary.md")}");
        return 0;
    }

    private static (string Experiment, int Count, string Sweep, string? Title, List<ResultRow> Rows, Dictionary<string, string> Points) Check(string experiment, List<ShardFile> files)
    {
        var counts = files.Select(s => s.Count).Distinct().Order().ToList();
        if (counts.Count != 1)
        {
            throw new InvalidSpecificationException(experiment, $"shards of {string.Join(" and ", counts)}", "shards of one experiment must come from one --shard i/n split (the same n)");
        }

        int n = counts[0];
        foreach (var twice in files.GroupBy(s => s.Index).Where(g => g.Count() > 1))
        {
            throw new InvalidSpecificationException(experiment, $"shard {twice.Key} of {n} found {twice.Count()} times ({string.Join(", ", twice.Select(s => s.Path))})", "each shard must be present once; remove the stale copies");
        }

        var missing = Enumerable.Range(0, n).Except(files.Select(s => s.Index)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidSpecificationException(experiment, $"missing shard(s) {string.Join(",", missing)} of {n}", "all shards must be present to merge");
        }

        var rows = new List<ResultRow>();
        var points = new Dictionary<string, string>(StringComparer.Ordinal);
        var sweeps = new HashSet<string>(StringComparer.Ordinal);
        string? title = null;
        foreach (ShardFile file in files.OrderBy(s => s.Index))
        {
            PointJournal journal = PointJournal.Read(file.Path)
                ?? throw new InvalidSpecificationException(file.Path, "(no journal)", $"no {Path.GetFileName(PointJournal.PathFor(file.Path))} beside it; merge takes the outputs of run --shard as they are");
            if (!journal.IsComplete)
            {
                throw new InvalidSpecificationException(file.Path, $"shard {file.Index}/{n} unfinished ({journal.Points.Count} points so far)", $"finish it first: run CONFIG --resume --shard {file.Index}/{n} --out {Path.GetDirectoryName(file.Path)}");
            }

            sweeps.Add(journal.Sweep);
            title ??= journal.Title;
            var shardRows = ResultStore.Read(file.Path);
            var keys = shardRows.Select(r => r.PointKey).ToHashSet(StringComparer.Ordinal);
            if (!keys.SetEquals(journal.Points.Keys))
            {
                throw new InvalidSpecificationException(file.Path, $"{keys.Count} points in the CSV, {journal.Points.Count} in its journal", "the CSV and its journal disagree; rerun this shard");
            }

            foreach ((string key, string fingerprint) in journal.Points)
            {
                if (!points.TryAdd(key, fingerprint))
                {
                    throw new InvalidSpecificationException(file.Path, key, "this point is also in another shard; the shards do not come from one split");
                }
            }

            rows.AddRange(shardRows);
        }

        if (sweeps.Count != 1)
        {
            throw new InvalidSpecificationException(experiment, $"sweep fingerprints {string.Join(", ", sweeps.Order(StringComparer.Ordinal))}", "the shards were run from different configs; rerun them from one config");
        }

        return (experiment, n, sweeps.Single(), title, rows, points);
    }

    private sealed record ShardFile(string Experiment, int Index, int Count, string Path);

    [GeneratedRegex(@"^(.+)\.shard-(\d+)-of-(\d+)\.csv$")]
    private static partial Regex ShardName();
}
