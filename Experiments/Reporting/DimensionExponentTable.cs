using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Diffusion.Verify.Experiments.Pipeline;
using Diffusion.Verify.Fitting;

namespace Diffusion.Verify.Experiments.Reporting;

/// <summary>
/// The summary section "Dimension exponents" (issue 12, DESIGN §6–§7): for every d-sweep (an experiment with ≥ 3
/// dimensions) the exponent of KL(p₁‖q₁), and of TV while below 0.5, against d at fixed T and fixed intrinsic
/// dimension; for every k-sweep (experiments named STEM-k1, STEM-k2, … on embedded targets at one d) the exponent
/// against k. Measured exponents only — no verdicts (those belong to the claims registry).
/// </summary>
public static partial class DimensionExponentTable
{
    private static readonly string[] FittedMetrics = [Metrics.KlSamplerToTarget, Metrics.Tv];

    public static string Markdown(IReadOnlyList<ResultRow> rows)
    {
        var startError = rows.Where(r => r.Metric == Metrics.StartError).ToDictionary(r => r.PointKey, r => r.Value);
        var measured = rows.Where(r => FittedMetrics.Contains(r.Metric)).ToList();
        var lines = new List<string>();

        foreach (var g in measured
                     .GroupBy(r => (r.Experiment, r.Schedule, r.Sampler, r.Perturbation, r.T, r.Metric))
                     .Where(g => g.Select(r => r.D).Distinct().Count() >= 3)
                     .OrderBy(g => g.Key.Experiment, StringComparer.Ordinal).ThenBy(g => g.Key.Schedule, StringComparer.Ordinal).ThenBy(g => g.Key.Metric, StringComparer.Ordinal).ThenBy(g => g.Key.Sampler, StringComparer.Ordinal))
        {
            string k = CoreDimension(g.First().Target) is { } r ? $"k = {r}" : "—";
            lines.Add(Line(g.Key.Experiment, "d", k, g.Key.Schedule, g.Key.T, g.Key.Sampler, g.Key.Metric, g.Key.Perturbation, g.ToList(), r => r.D, startError));
        }

        foreach (var g in measured
                     .Where(r => CoreDimension(r.Target) is not null)
                     .GroupBy(r => (Stem: KSuffix().Replace(r.Experiment, ""), r.D, r.Schedule, r.Sampler, r.Perturbation, r.T, r.Metric))
                     .Where(g => g.Select(r => CoreDimension(r.Target)).Distinct().Count() >= 3)
                     .OrderBy(g => g.Key.Stem, StringComparer.Ordinal).ThenBy(g => g.Key.Schedule, StringComparer.Ordinal).ThenBy(g => g.Key.Metric, StringComparer.Ordinal).ThenBy(g => g.Key.Sampler, StringComparer.Ordinal))
        {
            lines.Add(Line(g.Key.Stem + "-k*", "k", $"d = {g.Key.D}", g.Key.Schedule, g.Key.T, g.Key.Sampler, g.Key.Metric, g.Key.Perturbation, g.ToList(), r => CoreDimension(r.Target)!.Value, startError));
        }

        if (lines.Count == 0)
        {
            return "";
        }

        var sb = new StringBuilder();
        sb.AppendLine();
        sb.AppendLine("## Dimension exponents (error ∝ d^b at fixed k, ∝ k^b at fixed d)");
        sb.AppendLine();
        sb.AppendLine($"Slope of ln e against ln d (or ln k) over the last {DimensionExponentFit.AsymptoticPoints} resolved points at fixed T; the interval is the regression interval widened to every local slope among them. TV enters only below {ResolutionPolicy.BoundedCeiling}. \"flat\": the interval holds 0 (the sampler does not pay for the dimension over that range).");
        sb.AppendLine();
        sb.AppendLine("| experiment | vs | fixed | schedule | T | sampler | metric | exponent b [95 %] | fitted on | reading |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (string line in lines)
        {
            sb.AppendLine(line);
        }

        return sb.ToString();
    }

    private static string Line(string experiment, string against, string fixedPart, string schedule, int t, string sampler, string metric, string perturbation, List<ResultRow> rows, Func<ResultRow, double> x, IReadOnlyDictionary<string, double> startError)
    {
        bool tv = metric == Metrics.Tv;
        var points = rows
            .Select(r => ResolutionPolicy.Point(x(r), r.Value, r.Stderr, r.Floor, bounded: tv, startError: tv && startError.TryGetValue(r.PointKey, out double s) ? s : 0))
            .OrderBy(p => p.X)
            .ToList();
        DimensionExponent fit = DimensionExponentFit.Fit(points);
        string name = perturbation is "" or "exact" ? sampler : $"{sampler} ({perturbation})";
        if (fit.Value is not { } v)
        {
            return Invariant($"| {experiment} | {against} | {fixedPart} | {schedule} | {t} | {name} | {metric} | — | {fit.Reason} | unresolved |");
        }

        string reading = v.ConsistentWithZero ? "flat" : v.Lower95 > 0 ? "grows" : "decreases";
        return Invariant($"| {experiment} | {against} | {fixedPart} | {schedule} | {t} | {name} | {metric} | {v.Exponent:F3} [{v.Lower95:F3}, {v.Upper95:F3}] | {against} = {v.FromX:G6}…{v.ToX:G6} | {reading} |");
    }

    /// <summary>k of an embedded target from its description ("embedded(d=…,r=k,…)"), or null for other targets.</summary>
    private static int? CoreDimension(string target)
    {
        Match m = CoreDimensionPattern().Match(target);
        return m.Success ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^embedded\(d=\d+,r=(\d+),")]
    private static partial Regex CoreDimensionPattern();

    [GeneratedRegex(@"-k\d+$")]
    private static partial Regex KSuffix();
}
