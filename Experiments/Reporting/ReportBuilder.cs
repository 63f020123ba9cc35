using System.Globalization;
using System.Text;
using CsvHelper;
using Diffusion.Verify.Experiments.Output;
using Diffusion.Verify.Experiments.Pipeline;
using Diffusion.Verify.Fitting;

namespace Diffusion.Verify.Experiments.Reporting;

/// <summary>
/// Rebuilds everything derived from the result CSVs in a directory: per-experiment fits CSVs, figures
/// (per experiment, and per claim the local slopes against T) and summary.md. Reads nothing but the CSVs
/// and the claims registry, so <c>plot DIR</c> reproduces the run's outputs.
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

    public static Analysis Build(string directory, IReadOnlyDictionary<string, string>? titles = null, ClaimRegistry? registry = null)
    {
        registry ??= ClaimRegistry.LoadDefault();
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
            Analysis own = Analysis.Of(rows, registry);
            AtomicFile.Write(Path.Combine(directory, experiment + FitsSuffix), stream =>
            {
                using var csv = CsvWriter.Create(stream, ResultStore.Options(header: true), leaveOpen: true);
                csv.WriteRecords(own.Fits);
                csv.Flush();
            });
        }

        Analysis analysis = Analysis.Of(allRows, registry);
        var claimFigures = ClaimFigures(directory, analysis);
        AtomicFile.WriteText(Path.Combine(directory, "summary.md"), Summary(analysis, figures, claimFigures) + DimensionExponentTable.Markdown(allRows));
        return analysis;
    }

    /// <summary>The T-rate verdicts, grouped by claim (the line starting "| claim" is what CI looks for).</summary>
    public static string VerdictTable(Analysis analysis)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| claim (source) | experiment | schedule | verdict | slope of g as stated [95 %] | strict rate [95 %] | tightness | settled | largest T | points used |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (ClaimVerdict c in analysis.Claims)
        {
            RateAssessment a = c.Assessment;
            string claim = $"{c.Claim.Id}: {c.Claim.Sampler} {c.Claim.Metric} ≤ C {c.Claim.Shape} ({c.Claim.Source.ArxivId}, {ShortTheorem(c.Claim.Source.Theorem)})";
            string schedule = $"{c.Series.Schedule} ({(c.Transferred ? "transferred" : "proved for")})";
            string asStated = a.AsStated is { } g ? Interval(g) : "—";
            string strict = a.Strict is { } s ? Interval(s) : "—";
            string tightness = a.Tightness?.Describe() ?? "—";
            string settled = a.Verdict == Verdict.Unresolved ? "—" : a.Settled ? "yes" : Invariant($"no ({a.DriftPerDoubling:+0.000;-0.000}/doubling)");
            string used = a.Verdict == Verdict.Unresolved ? Invariant($"0 of {a.TotalPoints} ({a.ResolvedPoints} resolved)") : Invariant($"{a.PointsUsed} of {a.TotalPoints} ({a.ResolvedPoints} resolved)");
            sb.AppendLine(Invariant($"| {claim} | {c.Series.Experiment} | {schedule} | {VerdictCell(c)} | {asStated} | {strict} | {tightness} | {settled} | {a.LargestT:0} | {used} |"));
        }

        return sb.ToString();
    }

    /// <summary>The d-exponent verdicts (DESIGN §7, "Dimension").</summary>
    public static string DimensionTable(Analysis analysis)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| claim (source) | experiment | schedule | T | measured exponent b [95 %] | bound's exponent in d (a, plus k's where the data fill ℝ^d) | verdict | what it says |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (DimensionVerdict d in analysis.Dimensions)
        {
            DimensionAssessment a = d.Assessment;
            string b = a.Exponent is { } e ? Interval(e) : "—";
            string verdict = a.Verdict == Verdict.Unresolved ? $"**unresolved** ({a.Reason.ToString().ToLowerInvariant()})" : $"**{a.Verdict.ToString().ToLowerInvariant()}**";
            sb.AppendLine(Invariant($"| {d.Claim.Id}: {d.Claim.Sampler} {d.Claim.Metric} ({d.Claim.Source.ArxivId}) | {d.Experiment} | {d.Schedule} ({(d.Transferred ? "transferred" : "proved for")}) | {d.T} | {b} | {a.BoundExponent:0.##}{(d.Claim.A.Provenance == ExponentProvenance.Quoted ? " (quoted)" : "")} | {verdict} | {a.Detail} |"));
        }

        return sb.ToString();
    }

    /// <summary>One line of counts; `verify` prints it under the table.</summary>
    public static string VerdictCounts(Analysis analysis)
    {
        var counts = Enum.GetValues<Verdict>().Select(v => $"{analysis.Claims.Count(c => c.Assessment.Verdict == v)} {Name(v)}");
        int theorem = analysis.Claims.Count(c => c.ContradictsTheorem);
        return $"{string.Join(", ", counts)}; {theorem} contradiction(s) of a theorem as stated (proved-for schedule, log power known)";
    }

    private static string VerdictCell(ClaimVerdict c)
    {
        RateAssessment a = c.Assessment;
        string verdict = a.Verdict switch
        {
            Verdict.Unresolved => $"**unresolved** ({a.Reason switch { UnresolvedReason.Saturation => "saturated", UnresolvedReason.Floor => "below floor", _ => "too few T" }}: {a.Detail})",
            Verdict.PreAsymptotic => Invariant($"**pre-asymptotic** ({(a.DriftPerDoubling < 0 ? "steepening" : "flattening")} by {Math.Abs(a.DriftPerDoubling):0.000} per doubling)"),
            _ => $"**{Name(a.Verdict)}**",
        };
        return c.Claim.JudgedOnTExponentAlone ? $"{verdict}, T exponent alone (log power unread)" : verdict;
    }

    private static string Name(Verdict v) => v switch
    {
        Verdict.PreAsymptotic => "pre-asymptotic",
        _ => v.ToString().ToLowerInvariant(),
    };

    private static string Interval(SlopeInterval s) => $"{SlopeFormat.Signed(s.Slope)} [{SlopeFormat.Signed(s.Lower)}, {SlopeFormat.Signed(s.Upper)}]";

    /// <summary>"Theorem 2, path KL, noise inside" → "Theorem 2".</summary>
    private static string ShortTheorem(string theorem) => theorem.Split(['(', ','], 2)[0].Trim();

    /// <summary>Per claim, the local slopes of every series it is judged on, against T, with the bound's exponent.</summary>
    private static IReadOnlyDictionary<string, string> ClaimFigures(string directory, Analysis analysis)
    {
        var written = new Dictionary<string, string>();
        foreach (var group in analysis.Claims.GroupBy(c => c.Claim.Id))
        {
            RateClaim claim = group.First().Claim;
            var plot = new LocalSlopePlot($"{claim.Id}: {claim.Sampler} {Metrics.Label(claim.Metric)} ≤ C {claim.Shape}");
            foreach (ClaimVerdict c in group.Where(c => c.Assessment.LocalSlopes.Count > 0))
            {
                plot.Add($"{c.Series.Experiment}, {c.Series.Schedule}", c.Assessment.LocalSlopes);
            }

            if (plot.SeriesCount == 0)
            {
                continue;
            }

            plot.AddBound(claim.P.Value, claim.LogPower, claim.Q.IsKnown);
            string file = $"claim-{claim.Id}-local-slopes.png";
            plot.Save(Path.Combine(directory, file));
            written[claim.Id] = file;
        }

        return written;
    }

    private static string Summary(Analysis analysis, IReadOnlyDictionary<string, IReadOnlyList<string>> figures, IReadOnlyDictionary<string, string> claimFigures)
    {
        var sb = new StringBuilder();
        sb.AppendLine("# Diffusion.Verify — results");
        sb.AppendLine();
        sb.AppendLine("Generated from the CSV files in this directory and the claims registry (`dotnet run --project Experiments -c Release -- plot results`).");
        sb.AppendLine("Each claim bounds e(T) ≤ C d^a (ln T)^q T^(−p). With g(T) = ln e + p ln T − q ln ln T the bound holds as stated iff g stays bounded: *consistent* — slope of g ≤ 0 within its interval; *contradicted* — > 0 beyond it with settled local slopes; *pre-asymptotic* — local slopes still drifting at the largest T; *unresolved* — fewer than 3 resolved points, with the reason (DESIGN §7).");
        sb.AppendLine("A point is resolved when it lies above its floor (3 σ, the method's tolerance, a sample estimator's floor, and with the Gaussian start 3× the start-error bound) and, for TV (bounded by 1), below 0.5; √(path KL/2) is unbounded and not capped. Local slopes have settled when the last two differ by < 0.03 (or their combined 2σ uncertainty); the strict rate is fitted on the last run of settled local slopes (≥ 3 points), else on the last 3 resolved points, and the slope of g on the last 3 of those (g bends by q / ln T even on an exact power law, so a longer line would report its average slope, not its slope at the largest T).");
        sb.AppendLine("Intervals are the union of the regression interval (and a bootstrap where the estimates are noisy), the spread of the local slopes over the fitted points, the limit they are converging to, and ±0.01: never of zero width. *Strict rate* is the slope of ln e without log allowance; *tightness* compares it with T^(−p), and where slower by δ gives the crossover T* = exp(q/δ) up to which the (ln T)^q allowance covers the deficit.");
        sb.AppendLine("*Transferred*: the schedule is not one the theorem is proved for. *T exponent alone*: the source's log power was not read, so q = 0 is tested. Neither counts as a contradiction of the theorem in `verify`.");
        sb.AppendLine();
        sb.AppendLine("## Claims");
        sb.AppendLine();
        foreach (RateClaim c in analysis.Registry.Claims)
        {
            static string Read(string name, BoundExponent e) => $"{name} {(e.IsKnown ? e.Value.ToString("0.##", CultureInfo.InvariantCulture) : "?")} ({e.Provenance.ToString().ToLowerInvariant()})";
            string exponents = string.Join(", ", new[] { Read("p", c.P), Read("q", c.Q), Read("a", c.A) }.Concat(c.IntrinsicDimension is { } k ? [Read("k", k)] : []));
            sb.AppendLine($"- **{c.Id}** — {c.Source.Cite}; `{c.Sampler}`, {Metrics.Label(c.Metric)}, proved for {string.Join(", ", c.ProvedFor)}: {c.Statement}. Exponents: {exponents}.");
        }

        sb.AppendLine();
        sb.AppendLine("## Verdicts in T");
        sb.AppendLine();
        sb.Append(VerdictTable(analysis));
        sb.AppendLine();
        sb.AppendLine(VerdictCounts(analysis));
        sb.AppendLine();
        sb.AppendLine("## Verdicts in d");
        sb.AppendLine();
        sb.Append(DimensionTable(analysis));
        sb.AppendLine();
        sb.AppendLine("## Accelerated / vanilla TV ratio against T (resolved pairs only)");
        sb.AppendLine();
        sb.AppendLine("| pair | experiment | d | schedule | perturbation | ratio at smallest T | ratio at largest T | slope of the ratio vs T | T used |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var (a, v, ratios) in analysis.Ratios())
        {
            var fit = ratios.Count >= 3 ? LogLogRegression.Fit(ratios.Select(r => new SeriesPoint(r.T, r.Ratio, 0, 0)).ToList()) : null;
            sb.AppendLine(Invariant($"| {a.Sampler} / {v.Sampler} | {a.Experiment} | {a.D} | {a.Schedule} | {a.Perturbation} | {ratios[0].Ratio:G3} (T={ratios[0].T}) | {ratios[^1].Ratio:G3} (T={ratios[^1].T}) | {(fit is null ? "—" : fit.Slope.ToString("F2", CultureInfo.InvariantCulture))} | {ratios.Count} |"));
        }

        sb.AppendLine();
        sb.AppendLine("## Fitted slopes (all series with ≥ 3 resolved points)");
        sb.AppendLine();
        sb.AppendLine("| experiment | schedule | sampler | perturbation | metric | vs | slope | 95 % interval | bootstrap 95 % | used / excluded |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (FitRow f in analysis.Fits.Where(f => f.Against != "NFE"))
        {
            string bootstrap = double.IsNaN(f.BootstrapLower95) ? "— (deterministic)" : Invariant($"[{f.BootstrapLower95:F3}, {f.BootstrapUpper95:F3}]");
            sb.AppendLine(Invariant($"| {f.Experiment} | {f.Schedule} | {f.Sampler} | {f.Perturbation} | {f.Metric} | {f.Against} | {f.Slope:F3} | [{f.Lower95:F3}, {f.Upper95:F3}] | {bootstrap} | {f.PointsUsed} / {f.PointsExcluded} |"));
        }

        sb.AppendLine();
        sb.AppendLine("## Local slopes per claim");
        foreach ((string id, string file) in claimFigures.OrderBy(x => x.Key, StringComparer.Ordinal))
        {
            sb.AppendLine();
            sb.AppendLine($"![{id}]({file})");
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
