using CsvHelper;
using Diffusion.Verify.Experiments.Output;

namespace Diffusion.Verify.Experiments.Pipeline;

/// <summary>
/// An experiment's tidy CSV. Points are appended and flushed as they finish, so a killed run loses at
/// most the point in flight; a torn last line is dropped on reading, and <see cref="PointJournal"/>
/// tells which points are complete. At the end the file is rewritten in canonical point order through
/// a temporary file and a rename.
/// </summary>
public static class ResultStore
{
    /// <summary>
    /// The canonical row order of a finished CSV, independent of how the rows were produced (one run,
    /// a resumed run, or merged shards).
    /// </summary>
    public static IEnumerable<ResultRow> Canonical(IEnumerable<ResultRow> rows) => rows
        .DistinctBy(r => (r.PointKey, r.Metric))
        .OrderBy(r => r.Experiment, StringComparer.Ordinal)
        .ThenBy(r => r.D)
        .ThenBy(r => r.Schedule, StringComparer.Ordinal)
        .ThenBy(r => r.Perturbation, StringComparer.Ordinal)
        .ThenBy(r => r.Sampler, StringComparer.Ordinal)
        .ThenBy(r => r.T)
        .ThenBy(r => r.Metric, StringComparer.Ordinal);

    public static string PathFor(string directory, string experiment) => Path.Combine(directory, $"{experiment}.csv");

    /// <summary>Every complete row in the file (none if it does not exist).</summary>
    public static List<ResultRow> Read(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        string text = File.ReadAllText(path);
        int lastNewline = text.LastIndexOf('\n');
        if (lastNewline < 0)
        {
            return []; // at most a torn header
        }

        text = text[..(lastNewline + 1)];
        using var csv = CsvReader.FromText(text, new CsvReaderOptions { TrackLineNumbers = true, FormatProvider = System.Globalization.CultureInfo.InvariantCulture });
        try
        {
            return csv.GetRecords<ResultRow>().ToList();
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or CsvFormatException or KeyNotFoundException or ArgumentException)
        {
            throw new InvalidSpecificationException(path, $"line {csv.LineNumber}", $"not a results CSV of this tool: {e.Message.Split('\n')[0]}");
        }
    }

    /// <summary>Appends the rows of one finished point and flushes them to disk.</summary>
    public static void Append(string path, IReadOnlyList<ResultRow> rows)
    {
        if (File.Exists(path))
        {
            TrimTornLine(path);
        }

        // Decided after trimming: a torn header line leaves an empty file that needs the header again.
        bool exists = File.Exists(path) && new FileInfo(path).Length > 0;

        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        using (var csv = CsvWriter.Create(stream, Options(header: !exists), leaveOpen: true))
        {
            csv.WriteRecords(rows);
            csv.Flush();
        }

        stream.Flush(flushToDisk: true);
    }

    /// <summary>Writes the whole file atomically.</summary>
    public static void Write(string path, IEnumerable<ResultRow> rows) =>
        AtomicFile.Write(path, stream =>
        {
            using var csv = CsvWriter.Create(stream, Options(header: true), leaveOpen: true);
            csv.WriteRecords(rows);
            csv.Flush();
        });

    /// <summary>Invariant culture and '\n' line ends, so files are identical on every machine.</summary>
    public static CsvWriterOptions Options(bool header) => new()
    {
        HasHeader = header,
        NewLine = "\n",
        FormatProvider = System.Globalization.CultureInfo.InvariantCulture,
    };

    private static void TrimTornLine(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        if (stream.Length == 0)
        {
            return;
        }

        stream.Seek(-1, SeekOrigin.End);
        if (stream.ReadByte() == '\n')
        {
            return;
        }

        long position = stream.Length - 1;
        while (position > 0)
        {
            stream.Seek(position - 1, SeekOrigin.Begin);
            if (stream.ReadByte() == '\n')
            {
                break;
            }

            position--;
        }

        stream.SetLength(position);
    }
}
