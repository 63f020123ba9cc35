using System.Text;
using Diffusion.Verify.Experiments.Output;

namespace Diffusion.Verify.Experiments.Pipeline;

/// <summary>
/// The journal beside an experiment CSV (<c>name.csv.journal</c>) that makes appending crash-safe. A
/// point's rows are appended to the CSV and flushed first; only then is "point FINGERPRINT KEY" appended
/// and flushed here. A point counts as finished only when both are on disk, so the rows of a point
/// interrupted between the two writes, or torn by a kill, are dropped on resume and the point is run
/// again. The first line "sweep FINGERPRINT" identifies the whole sweep (every point, not just a
/// shard's), so that merge can refuse shards run from different configs; "complete" is appended once
/// the CSV has been rewritten in canonical order, so merge can refuse unfinished shards.
/// </summary>
public sealed class PointJournal
{
    public const string Suffix = ".journal";

    private PointJournal(string sweep, string? title, IReadOnlyDictionary<string, string> points, bool isComplete)
    {
        Sweep = sweep;
        Title = title;
        Points = points;
        IsComplete = isComplete;
    }

    public string Sweep { get; }

    /// <summary>The experiment's title from its config, so that merge and plot label figures as the run did.</summary>
    public string? Title { get; }

    /// <summary>Finished points: row key → fingerprint.</summary>
    public IReadOnlyDictionary<string, string> Points { get; }

    public bool IsComplete { get; }

    public static string PathFor(string csvPath) => csvPath + Suffix;

    /// <summary>The journal of the CSV, or null if there is none; a torn last line (a kill mid-append) is ignored.</summary>
    public static PointJournal? Read(string csvPath)
    {
        string path = PathFor(csvPath);
        if (!File.Exists(path))
        {
            return null;
        }

        string text = File.ReadAllText(path);
        int lastNewline = text.LastIndexOf('\n');
        string[] lines = lastNewline < 0 ? [] : text[..lastNewline].Split('\n');
        if (lines.Length == 0 || !lines[0].StartsWith("sweep ", StringComparison.Ordinal))
        {
            throw new InvalidSpecificationException(path, lines.Length == 0 ? "(empty)" : lines[0], "not a journal of this tool (first line must be 'sweep FINGERPRINT'); delete it and run without --resume");
        }

        var points = new Dictionary<string, string>(StringComparer.Ordinal);
        bool complete = false;
        string? title = null;
        for (int i = 1; i < lines.Length; i++)
        {
            string[] parts = lines[i].Split(' ', 3);
            if (parts is ["point", _, _])
            {
                points[parts[2]] = parts[1];
            }
            else if (i == 1 && lines[i].StartsWith("title ", StringComparison.Ordinal))
            {
                title = lines[i]["title ".Length..];
            }
            else if (lines[i] == "complete")
            {
                complete = true;
            }
            else
            {
                throw new InvalidSpecificationException($"{path} line {i + 1}", lines[i], "expected 'point FINGERPRINT KEY' or 'complete'");
            }
        }

        return new PointJournal(lines[0]["sweep ".Length..], title, points, complete);
    }

    /// <summary>Replaces the journal (atomically) with the sweep and title lines and the given finished points.</summary>
    public static void Start(string csvPath, string sweep, string? title, IEnumerable<(string Key, string Fingerprint)> points)
    {
        var text = new StringBuilder();
        text.Append("sweep ").Append(sweep).Append('\n');
        if (title is not null)
        {
            text.Append("title ").Append(title.ReplaceLineEndings(" ")).Append('\n');
        }

        foreach ((string key, string fingerprint) in points)
        {
            text.Append(PointLine(key, fingerprint));
        }

        AtomicFile.WriteText(PathFor(csvPath), text.ToString());
    }

    /// <summary>Experiment → title, from the journals of the experiment CSVs in a directory (for figures made without the configs).</summary>
    public static Dictionary<string, string> Titles(string directory)
    {
        var titles = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!Directory.Exists(directory))
        {
            return titles;
        }

        foreach (string journal in Directory.GetFiles(directory, "*.csv" + Suffix).Order(StringComparer.Ordinal))
        {
            string csv = journal[..^Suffix.Length];
            string experiment = System.IO.Path.GetFileNameWithoutExtension(csv);
            if (!experiment.Contains(".shard-", StringComparison.Ordinal) && Read(csv)?.Title is { } title)
            {
                titles[experiment] = title;
            }
        }

        return titles;
    }

    /// <summary>Records a finished point; call only after its rows are flushed to the CSV.</summary>
    public static void Add(string csvPath, string key, string fingerprint) => AppendLine(csvPath, PointLine(key, fingerprint));

    /// <summary>Marks the CSV as finished and in canonical order.</summary>
    public static void Complete(string csvPath) => AppendLine(csvPath, "complete\n");

    private static string PointLine(string key, string fingerprint)
    {
        if (key.Contains('\n') || fingerprint.Contains(' '))
        {
            throw new InvalidOperationException($"unjournalable point key '{key}'");
        }

        return $"point {fingerprint} {key}\n";
    }

    private static void AppendLine(string csvPath, string line)
    {
        // One write of the whole line, then a flush to disk: a kill leaves the line whole or torn, never interleaved.
        byte[] bytes = Encoding.UTF8.GetBytes(line);
        using var stream = new FileStream(PathFor(csvPath), FileMode.Append, FileAccess.Write, FileShare.Read);
        stream.Write(bytes);
        stream.Flush(flushToDisk: true);
    }
}
