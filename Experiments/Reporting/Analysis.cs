using System.Globalization;
using Diffusion.Verify.Experiments.Pipeline;
using Diffusion.Verify.Fitting;

namespace Diffusion.Verify.Experiments.Reporting;

/// <summary>
/// From rows to fits and verdicts (DESIGN §7): every series is fitted against T, NFE and h; every claim
/// is judged on every T-sweep series of its sampler and metric with the exact score — li2024 runs by the
/// slope against h = max β (which removes most log T factors), other schedules by the slope against T.
/// </summary>
public sealed class Analysis
{
    private Analysis(IReadOnlyList<Series> series, IReadOnlyList<FitRow> fits, IReadOnlyList<ClaimResult> claims)
    {
        Series = series;
        Fits = fits;
        Claims = claims;
    }

    public IReadOnlyList<Series> Series { get; }

    public IReadOnlyList<FitRow> Fits { get; }

    public IReadOnlyList<ClaimResult> Claims { get; }

    public static Analysis Of(IEnumerable<ResultRow> rows)
    {
        rows = rows as IList<ResultRow> ?? rows.ToList();
        var series = Reporting.Series.From(rows);
        var fits = new List<FitRow>();
        foreach (Series s in series.Where(s => s.Rows.Select(r => r.T).Distinct().Count() >= 3))
        {
            foreach ((string against, Func<ResultRow, double> x) in Abscissae)
            {
                SlopeFit? fit = LogLogRegression.Fit(s.Points(x));
                if (fit is not null)
                {
                    fits.Add(ToRow(s, against, fit));
                }
            }
        }

        // d-sweeps: the exponent of each metric in d at fixed T (DESIGN §6).
        var list = rows as IList<ResultRow> ?? rows.ToList();
        foreach (var group in list.Where(r => r.Metric != Metrics.StartError)
            .GroupBy(r => (r.Experiment, r.Schedule, r.Sampler, r.Perturbation, r.Metric, r.T))
            .Where(g => g.Select(r => r.D).Distinct().Count() >= 3))
        {
            double ceiling = group.Key.Metric is Metrics.Tv or Metrics.PinskerPathKl ? Reporting.Series.TvCeiling : double.PositiveInfinity;
            var points = group.OrderBy(r => r.D).Select(r => new SeriesPoint(r.D, r.Value, r.Stderr, r.Floor, ceiling)).ToList();
            SlopeFit? fit = LogLogRegression.Fit(points);
            if (fit is not null)
            {
                var first = group.First();
                fits.Add(ToRow(new Series(first.Experiment, first.Target, 0, first.Schedule, first.Sampler, first.Perturbation, first.Metric, group.ToList()), "d", fit));
            }
        }

        var claims = new List<ClaimResult>();
        foreach (Claim claim in Claim.All)
        {
            foreach (Series s in series.Where(s => s.Sampler == claim.Sampler && s.Metric == claim.Metric && s.Perturbation == "exact"
                && s.Rows.Select(r => r.T).Distinct().Count() >= 3))
            {
                ClaimAssessment byT = ClaimAssessment.Assess(s.Points(r => r.T), claim.BoundSlopeInT, decreasingInX: true);
                ClaimAssessment byH = ClaimAssessment.Assess(s.Points(r => r.H), -claim.BoundSlopeInT, decreasingInX: false);
                claims.Add(s.IsLi2024
                    ? new ClaimResult(claim, s, "h", byH, byT)
                    : new ClaimResult(claim, s, "T", byT, byH));
            }
        }

        return new Analysis(series, fits, claims);
    }

    public static IReadOnlyList<(string Name, Func<ResultRow, double> X)> Abscissae { get; } =
    [
        ("T", r => r.T),
        ("NFE", r => r.Nfe),
        ("h", r => r.H),
    ];

    /// <summary>Error ratio accelerated/vanilla per T, for every pair both of whose series exist.</summary>
    public IEnumerable<(Series Accelerated, Series Vanilla, IReadOnlyList<(int T, double Ratio)> Ratios)> Ratios()
    {
        foreach ((string acc, string van) in Claim.Pairs)
        {
            foreach (Series a in Series.Where(s => s.Sampler == acc && s.Metric == Metrics.Tv))
            {
                Series? v = Series.FirstOrDefault(s => s.Sampler == van && s.Metric == a.Metric && s.Experiment == a.Experiment
                    && s.Target == a.Target && s.D == a.D && s.Schedule == a.Schedule && s.Perturbation == a.Perturbation);
                if (v is null)
                {
                    continue;
                }

                var ratios = a.Rows.Join(v.Rows, r => r.T, r => r.T, (x, y) => (x.T, Ratio: x.Value / y.Value))
                    .Where(p => double.IsFinite(p.Ratio)).ToList();
                if (ratios.Count > 0)
                {
                    yield return (a, v, ratios);
                }
            }
        }
    }

    private static FitRow ToRow(Series s, string against, SlopeFit fit) => new()
    {
        Experiment = s.Experiment,
        Target = s.Target,
        D = s.D,
        Schedule = s.Schedule,
        Sampler = s.Sampler,
        Perturbation = s.Perturbation,
        Metric = s.Metric,
        Against = against,
        Slope = fit.Slope,
        Lower95 = fit.Lower95,
        Upper95 = fit.Upper95,
        BootstrapLower95 = fit.BootstrapLower95,
        BootstrapUpper95 = fit.BootstrapUpper95,
        PointsUsed = fit.PointsUsed,
        PointsExcluded = fit.PointsExcluded,
        LocalSlopes = string.Join(';', fit.LocalSlopes.Select(l => string.Create(CultureInfo.InvariantCulture, $"{l.X:G4}:{l.Slope:F3}"))),
    };
}
