using Diffusion.Verify.Experiments.Pipeline;

namespace Diffusion.Verify.Experiments.Reporting;

/// <summary>
/// The figures of one experiment, from its rows alone: log-log metric against T and against NFE per
/// (schedule, metric) with guide slopes −½, −1, −2; metric against d for d-sweeps; TV against the
/// realised ε_score for score-error sweeps. Returns the files written (relative to the directory).
/// </summary>
public static class FigureWriter
{
    private static readonly string[] SweepMetrics = [Metrics.Tv, Metrics.KlSamplerToTarget, Metrics.PinskerPathKl];

    public static IReadOnlyList<string> Write(string directory, string experiment, string title, IReadOnlyList<ResultRow> rows)
    {
        var written = new List<string>();
        var series = Series.From(rows);
        bool isDimensionSweep = rows.Select(r => r.D).Distinct().Count() > 1;
        bool isScoreSweep = rows.Any(r => r.Perturbation != "exact");
        if (isScoreSweep)
        {
            written.AddRange(ScoreErrorFigures(directory, experiment, title, rows));
        }
        else if (isDimensionSweep)
        {
            written.AddRange(DimensionFigures(directory, experiment, title, series));
        }
        else if (rows.Select(r => r.T).Distinct().Count() > 1)
        {
            written.AddRange(StepFigures(directory, experiment, title, series));
        }

        // One T and one d (e.g. one k of a k-sweep): nothing to draw; the values enter the summary's tables.

        return written;
    }

    private static IEnumerable<string> StepFigures(string directory, string experiment, string title, IReadOnlyList<Series> series)
    {
        foreach (var group in series.Where(s => SweepMetrics.Contains(s.Metric)).GroupBy(s => (s.Schedule, s.Metric)))
        {
            foreach ((string axis, Func<ResultRow, double> x) in new (string, Func<ResultRow, double>)[] { ("T", r => r.T), ("NFE", r => r.Nfe) })
            {
                if (axis == "NFE" && group.Key.Metric != Metrics.Tv)
                {
                    continue;
                }

                var plot = new LogLogPlot($"{title}: {Metrics.Label(group.Key.Metric)} vs {axis} — {group.Key.Schedule}", axis == "T" ? "T (steps)" : "NFE (score evaluations)", Metrics.Label(group.Key.Metric));
                foreach (Series s in group)
                {
                    plot.Add(s.Sampler, s.Rows.Select(r => (x(r), r.Value, r.Stderr, r.Value > r.Floor)).ToList());
                }

                plot.AddGuides(-0.5, -1, -2);
                string file = $"{experiment}-{Slug(group.Key.Schedule)}-{group.Key.Metric}-vs-{axis.ToLowerInvariant()}.png";
                plot.Save(Path.Combine(directory, file));
                yield return file;
            }
        }
    }

    private static IEnumerable<string> DimensionFigures(string directory, string experiment, string title, IReadOnlyList<Series> series)
    {
        var byDimension = series
            .Where(s => s.Metric is Metrics.Tv or Metrics.KlSamplerToTarget)
            .SelectMany(s => s.Rows)
            .GroupBy(r => (r.Schedule, r.Metric, r.T));
        foreach (var group in byDimension)
        {
            var plot = new LogLogPlot($"{title}: {Metrics.Label(group.Key.Metric)} vs d — {group.Key.Schedule}, T = {group.Key.T}", "d (dimension)", Metrics.Label(group.Key.Metric));
            foreach (var sampler in group.GroupBy(r => r.Sampler))
            {
                plot.Add(sampler.Key, sampler.OrderBy(r => r.D).Select(r => ((double)r.D, r.Value, r.Stderr, r.Value > r.Floor)).ToList());
            }

            plot.AddGuides(0.5, 1, 2);
            string file = $"{experiment}-{Slug(group.Key.Schedule)}-{group.Key.Metric}-vs-d-T{group.Key.T}.png";
            plot.Save(Path.Combine(directory, file));
            yield return file;
        }
    }

    private static IEnumerable<string> ScoreErrorFigures(string directory, string experiment, string title, IReadOnlyList<ResultRow> rows)
    {
        var epsilon = rows.Where(r => r.Metric == Metrics.EpsilonScore).ToDictionary(r => r.PointKey, r => r.Value);
        foreach (var group in rows.Where(r => r.Metric == Metrics.Tv).GroupBy(r => (r.Schedule, r.T)))
        {
            var plot = new LogLogPlot($"{title}: TV vs realised ε_score — {group.Key.Schedule}, T = {group.Key.T}", "realised ε_score", Metrics.Label(Metrics.Tv));
            foreach (var curve in group.GroupBy(r => (r.Sampler, Kind: r.Perturbation.Split('(')[0])))
            {
                var points = curve.Where(r => epsilon.ContainsKey(r.PointKey))
                    .Select(r => (epsilon[r.PointKey], r.Value, r.Stderr, r.Value > r.Floor)).ToList();
                plot.Add($"{curve.Key.Sampler}, {curve.Key.Kind}", points);
            }

            plot.AddGuides(1, 2);
            string file = $"{experiment}-{Slug(group.Key.Schedule)}-tv-vs-eps-T{group.Key.T}.png";
            plot.Save(Path.Combine(directory, file));
            yield return file;
        }
    }

    private static string Slug(string text) => new(text.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray());
}
