using Diffusion.Verify.Experiments.Pipeline;
using Diffusion.Verify.Fitting;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Scores;

namespace Diffusion.Verify.Experiments.Reporting;

/// <summary>
/// One curve: a metric of one sampler on one (experiment, target, d, schedule, perturbation), over T, with
/// the start-error bound measured at each T (0 with the exact start). Which points carry a rate is decided
/// by <see cref="ResolutionPolicy"/> (floor, 3× start error, TV ceiling), not here.
/// </summary>
public sealed record Series(string Experiment, string Target, int D, string Schedule, string Sampler, string Perturbation, string Metric, IReadOnlyList<ResultRow> Rows)
{
    /// <summary>The start-error bound at each row's point (DESIGN §2), by <see cref="ResultRow.PointKey"/>.</summary>
    public IReadOnlyDictionary<string, double> StartErrors { get; init; } = new Dictionary<string, double>();

    /// <summary>The schedule's kind (li2024, logsnr, ...), parsed once from the CSV's schedule column.</summary>
    public string ScheduleKind => KindOf(Schedule);

    /// <summary>True for series run with the exact score (the T- and d-rate claims are about those).</summary>
    public bool HasExactScore => Perturbation == ScorePerturbationSpec.Exact.Label;

    public int DistinctSteps => Rows.Select(r => r.T).Distinct().Count();

    public static IReadOnlyList<Series> From(IEnumerable<ResultRow> rows)
    {
        var list = rows.ToList();
        var startError = list.Where(r => r.Metric == Metrics.StartError).ToDictionary(r => r.PointKey, r => r.Value);
        return list
            .Where(r => r.Metric != Metrics.StartError)
            .GroupBy(r => (r.Experiment, r.Target, r.D, r.Schedule, r.Sampler, r.Perturbation, r.Metric))
            .Select(g => new Series(g.Key.Experiment, g.Key.Target, g.Key.D, g.Key.Schedule, g.Key.Sampler, g.Key.Perturbation, g.Key.Metric, g.OrderBy(r => r.T).ToList())
            {
                StartErrors = g.Where(r => startError.ContainsKey(r.PointKey)).ToDictionary(r => r.PointKey, r => startError[r.PointKey]),
            })
            .ToList();
    }

    public IReadOnlyList<SeriesPoint> Points(Func<ResultRow, double> x) => Rows.Select(r => Point(r, x(r))).ToList();

    public SeriesPoint Point(ResultRow r, double x) =>
        ResolutionPolicy.Point(x, r.Value, r.Stderr, r.Floor, Metrics.IsBounded(r.Metric), StartErrors.TryGetValue(r.PointKey, out double s) ? s : 0);

    /// <summary>The kind of a schedule from its CSV label ("li2024(c0=2,c1=6)" → "li2024"): the known kind the label names.</summary>
    public static string KindOf(string scheduleLabel) =>
        ScheduleSpec.Kinds.FirstOrDefault(k => scheduleLabel == k || scheduleLabel.StartsWith(k + "(", StringComparison.Ordinal)) ?? scheduleLabel;
}
