using Diffusion.Verify.Fitting;

namespace Diffusion.Verify.Experiments.Pipeline;

/// <summary>
/// Extends T-sweeps by doubling (DESIGN §7, "Asymptotic points and settling"): after each round, a series
/// (one dimension, schedule, sampler and perturbation) gets the point 2·T_max when one of its rate metrics
/// (TV, √(path KL / 2)) has not settled — the last two local slopes of ln e differ by more than the
/// settling tolerance — or has fewer than 3 resolved points because it is still saturated; and 2·T_max is
/// at most <c>maxSteps</c> and valid for the schedule. A series held only by its floor is not extended
/// (a larger T lowers the value further). The decision reads the computed values alone, never the clock,
/// so a resumed run makes the same decisions as an uninterrupted one. <c>seriesBudgetSeconds</c> is only
/// a safety cap: a series that has spent it stops, and the run says so, since from then on the result
/// depends on the machine's speed.
/// </summary>
public static class SeriesExtension
{
    private static readonly string[] DecidingMetrics = [Metrics.Tv, Metrics.PinskerPathKl];

    /// <summary>The next round's points (empty when every series is settled or capped), and the series stopped by the time cap.</summary>
    public static (IReadOnlyList<SweepPoint> Next, IReadOnlyList<string> Capped) NextRound(IReadOnlyList<SweepPoint> points, IReadOnlyList<ResultRow> rows, Func<SweepPoint, string> keyOf)
    {
        var next = new List<SweepPoint>();
        var capped = new List<string>();
        var rowsByKey = rows.GroupBy(r => r.PointKey).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        foreach (var series in points.GroupBy(p => (p.Dimension, p.Schedule.Label, p.Sampler, p.Perturbation.Label)))
        {
            SweepPoint last = series.MaxBy(p => p.Steps)!;
            int? max = last.Experiment.MaxSteps;
            long doubled = 2L * last.Steps;
            if (max is null || doubled > max.Value || !last.Schedule.IsValidFor((int)doubled))
            {
                continue;
            }

            var seriesRows = series.SelectMany(p => rowsByKey.TryGetValue(keyOf(p), out var r) ? r : []).ToList();
            if (seriesRows.Select(r => r.PointKey).Distinct().Count() < series.Count())
            {
                continue; // a point of the series has not finished (cannot happen within one run; defensive)
            }

            if (!NeedsMore(seriesRows))
            {
                continue;
            }

            double spent = seriesRows.GroupBy(r => r.PointKey).Sum(g => g.First().Seconds);
            if (last.Experiment.SeriesBudgetSeconds is double budget && spent >= budget)
            {
                capped.Add($"{last.Describe()}: {spent:0.#} s spent of {budget:0.#} s");
                continue;
            }

            next.Add(last with { Steps = (int)doubled });
        }

        return (next, capped);
    }

    /// <summary>True when a rate metric of the series is unsettled, or unresolved for saturation or too few T.</summary>
    public static bool NeedsMore(IReadOnlyList<ResultRow> seriesRows)
    {
        var startError = seriesRows.Where(r => r.Metric == Metrics.StartError).ToDictionary(r => r.T, r => r.Value);
        foreach (string metric in DecidingMetrics)
        {
            var points = seriesRows.Where(r => r.Metric == metric)
                .Select(r => ResolutionPolicy.Point(r.T, r.Value, r.Stderr, r.Floor, Metrics.IsBounded(metric), startError.GetValueOrDefault(r.T)))
                .ToList();
            if (points.Count == 0)
            {
                continue;
            }

            // Settling does not depend on the bound: p and q only shift the slopes of g.
            RateAssessment a = RateAssessment.Assess(points, p: 1, q: 0);
            bool more = a.Verdict == Verdict.Unresolved ? a.Reason is UnresolvedReason.Saturation or UnresolvedReason.TooFewSteps : !a.Settled;
            if (more)
            {
                return true;
            }
        }

        return false;
    }
}
