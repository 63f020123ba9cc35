using Diffusion.Verify.Experiments.Pipeline;
using Diffusion.Verify.Fitting;

namespace Diffusion.Verify.Experiments.Reporting;

/// <summary>
/// One curve: a metric of one sampler on one (experiment, target, d, schedule, perturbation), over T.
/// Points within 3× the start error of the Gaussian start are marked unresolved (DESIGN §2).
/// </summary>
public sealed record Series(string Experiment, string Target, int D, string Schedule, string Sampler, string Perturbation, string Metric, IReadOnlyList<ResultRow> Rows)
{
    public bool IsLi2024 => Schedule.StartsWith("li2024", StringComparison.Ordinal);

    public static IReadOnlyList<Series> From(IEnumerable<ResultRow> rows)
    {
        var list = rows.ToList();
        var startError = list.Where(r => r.Metric == Metrics.StartError).ToDictionary(r => r.PointKey, r => r.Value);
        return list
            .Where(r => r.Metric != Metrics.StartError)
            .GroupBy(r => (r.Experiment, r.Target, r.D, r.Schedule, r.Sampler, r.Perturbation, r.Metric))
            .Select(g => new Series(g.Key.Experiment, g.Key.Target, g.Key.D, g.Key.Schedule, g.Key.Sampler, g.Key.Perturbation, g.Key.Metric,
                g.Select(r => IsTvLike(r.Metric) && startError.TryGetValue(r.PointKey, out double s) ? r with { Floor = Math.Max(r.Floor, 3 * s) } : r)
                 .OrderBy(r => r.T).ToList()))
            .ToList();
    }

    /// <summary>TV-like values above this are saturated (TV ≤ 1) and not in the asymptotic regime.</summary>
    public const double TvCeiling = 0.5;

    public double Ceiling => IsTvLike(Metric) ? TvCeiling : double.PositiveInfinity;

    public IReadOnlyList<SeriesPoint> Points(Func<ResultRow, double> x) =>
        Rows.Select(r => new SeriesPoint(x(r), r.Value, r.Stderr, r.Floor, Ceiling)).ToList();

    private static bool IsTvLike(string metric) => metric is Metrics.Tv or Metrics.PinskerPathKl;
}
