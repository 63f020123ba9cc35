using System.Globalization;
using System.Text;
using CsvHelper;
using Diffusion.Verify.Experiments.Output;
using Diffusion.Verify.Experiments.Pipeline;
using Diffusion.Verify.Fitting;

namespace Diffusion.Verify.Experiments.Reporting;

/// <summary>
/// Rebuilds everything derived from the result CSVs in a directory: per-experiment fits CSVs, figures
/// and summary.md. Reads nothing but the CSVs, so <c>plot DIR</c> reproduces the run's outputs.
/// </summary>
public static class ReportBuilder
{
    public const string FitsSuffix = "-fits.csv";

    public static IReadOnlyList<string> ExperimentFiles(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new InvalidSpecificationException("DIR", directory, "no such directory");
        }

        return Directory.GetFiles(directory, "*.csv")
            .Where(f => !f.EndsWith(FitsSuffix, StringComparison.Ordinal) && !Path.GetFileName(f).Contains(".shard-", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    public static Analysis Build(string directory, IReadOnlyDictionary<string, string>? titles = null)
    {
        var files = ExperimentFiles(directory);
        if (files.Count == 0)
        {
            throw new InvalidSpecificationException("DIR", directory, "holds no result CSV files");
        }

        var allRows = new List<ResultRow>();
        var figures = new Dictionary<string, IReadOnlyList<string>>();
        foreach (string file in files)
        {
            var rows = ResultStore.Read(file);
            if (rows.Count == 0)
            {
                continue;
            }

            string experiment = rows[0].Experiment;
            allRows.AddRange(rows);
            string title = titles is not null && titles.TryGetValue(experiment, out string? t) ? t : experiment;
            figures[experiment] = FigureWriter.Write(directory, experiment, title, rows);
            Analysis own = Analysis.Of(rows);
            AtomicFile.Write(Path.Combine(directory, experiment + FitsSuffix), stream =>
            {
                using var csv = CsvWriter.Create(stream, ResultStore.Options(header: true), leaveOpen: true);
                csv.WriteRecords(own.Fits);
                csv.Flush();
            });
        }

        Analysis analysis = Analysis.Of(allRows);
        AtomicFile.WriteText(Path.Combine(directory, "summary.md"), Summary(analysis, figures) + DimensionExponentTable.Markdown(allRows));
        return analysis;
    }

    public static string VerdictTable(Analysis analysis)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| claim | experiment | target | schedule | judged by slope vs | measured slope [95 % interval] | bound | points (fit / resolved / excluded) | verdict | slope vs the other abscissa |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (ClaimResult c in analysis.Claims)
        {
            ClaimAssessment a = c.Assessment;
            SlopeFit? f = a.AsymptoticFit;
            string measured = f is null ? "—" : Invariant($"{f.Slope:F2} [{f.CombinedLower95:F2}, {f.CombinedUpper95:F2}]");
            int resolved = c.Series.Points(r => r.T).Count(p => p.IsResolved);
            string used = f is null ? Invariant($"{resolved} resolved of {c.Series.Rows.Count}") : Invariant($"{f.PointsUsed} of {resolved} resolved, {c.Series.Rows.Count - resolved} excluded");
            string other = c.OtherAbscissa?.AsymptoticFit is { } o ? Invariant($"{o.Slope:F2} vs {(c.Against == "h" ? "T" : "h")}") : "—";
            sb.AppendLine(Invariant($"| {c.Claim.Id}: {c.Claim.Statement} | {c.Series.Experiment} | {c.Series.Target} | {c.Series.Schedule} | {c.Against} | {measured} | {a.BoundSlope:+0.##;-0.##} | {used} | **{a.Verdict.ToString().ToLowerInvariant()}** | {other} |"));
        }

        return sb.ToString();
    }

    private static string Summary(Analysis analysis, IReadOnlyDictionary<string, IReadOnlyList<string>> figures)
    {
        var sb = new StringBuilder();
        sb.AppendLine("# Diffusion.Verify — results");
        sb.AppendLine();
        sb.AppendLine("Generated from the CSV files in this directory (`dotnet run --project Experiments -c Release -- plot results`).");
        sb.AppendLine("Slopes are fitted on the asymptotic half of each T-sweep (DESIGN §7); li2024 runs are judged by the slope against h = max β_t, others against T.");
        sb.AppendLine("A bound is *contradicted* only by a decay slower than its slope beyond the 95 % interval; *consistent* means at least as fast; *inconclusive* means fewer than 3 resolved points.");
        sb.AppendLine("A point is resolved when its value lies above its floor (3 σ, the method's tolerance, or a sample estimator's floor; for TV with the Gaussian start also 3× the start-error bound) and, for TV-like quantities, below 0.5 (saturated TV carries no rate). The verdict fit uses the resolved points in the upper half of the T-range.");
        sb.AppendLine();
        sb.AppendLine("## Verdicts");
        sb.AppendLine();
        sb.Append(VerdictTable(analysis));
        sb.AppendLine();
        sb.AppendLine("## Accelerated / vanilla TV ratio against T");
        sb.AppendLine();
        sb.AppendLine("| pair | experiment | schedule | ratio at smallest T | ratio at largest T | slope of the ratio vs T |");
        sb.AppendLine("|---|---|---|---|---|---|");
        foreach (var (a, v, ratios) in analysis.Ratios())
        {
            var fit = LogLogRegression.Fit(ratios.Select(r => new SeriesPoint(r.T, r.Ratio, 0, 0)).ToList());
            sb.AppendLine(Invariant($"| {a.Sampler} / {v.Sampler} | {a.Experiment} | {a.Schedule} | {ratios[0].Ratio:G3} (T={ratios[0].T}) | {ratios[^1].Ratio:G3} (T={ratios[^1].T}) | {(fit is null ? "—" : fit.Slope.ToString("F2", CultureInfo.InvariantCulture))} |"));
        }

        sb.AppendLine();
        sb.AppendLine("## Fitted slopes (all series with ≥ 3 resolved points)");
        sb.AppendLine();
        sb.AppendLine("| experiment | schedule | sampler | perturbation | metric | vs | slope | 95 % interval | bootstrap 95 % | used / excluded |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (FitRow f in analysis.Fits.Where(f => f.Against != "NFE"))
        {
            sb.AppendLine(Invariant($"| {f.Experiment} | {f.Schedule} | {f.Sampler} | {f.Perturbation} | {f.Metric} | {f.Against} | {f.Slope:F3} | [{f.Lower95:F3}, {f.Upper95:F3}] | [{f.BootstrapLower95:F3}, {f.BootstrapUpper95:F3}] | {f.PointsUsed} / {f.PointsExcluded} |"));
        }

        sb.AppendLine();
        sb.AppendLine("## Figures");
        foreach ((string experiment, IReadOnlyList<string> files) in figures.OrderBy(x => x.Key, StringComparer.Ordinal))
        {
            sb.AppendLine();
            sb.AppendLine($"### {experiment}");
            sb.AppendLine();
            foreach (string file in files)
            {
                sb.AppendLine($"![{file}]({file})");
            }
        }

        return sb.ToString();
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
