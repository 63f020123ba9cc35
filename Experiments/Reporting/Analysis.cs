using System.Globalization;
using Diffusion.Verify.Experiments.Pipeline;
using Diffusion.Verify.Fitting;

namespace Diffusion.Verify.Experiments.Reporting;

/// <summary>
/// From rows to fits and verdicts (DESIGN §7). Every series is fitted against T, NFE and h (the fits CSV);
/// every claim of the registry is judged by <see cref="RateAssessment"/> on every exact-score T-series of
/// its sampler and metric (transferred where the schedule is not one it is proved for), and by
/// <see cref="DimensionAssessment"/> on every d-sweep where its d exponent is known.
/// </summary>
public sealed class Analysis
{
    private Analysis(ClaimRegistry registry, IReadOnlyList<Series> series, IReadOnlyList<FitRow> fits, IReadOnlyList<ClaimVerdict> claims, IReadOnlyList<DimensionVerdict> dimensions)
    {
        Registry = registry;
        Series = series;
        Fits = fits;
        Claims = claims;
        Dimensions = dimensions;
    }

    public ClaimRegistry Registry { get; }

    public IReadOnlyList<Series> Series { get; }

    public IReadOnlyList<FitRow> Fits { get; }

    public IReadOnlyList<ClaimVerdict> Claims { get; }

    public IReadOnlyList<DimensionVerdict> Dimensions { get; }

    public static IReadOnlyList<(string Name, Func<ResultRow, double> X)> Abscissae { get; } =
    [
        ("T", r => r.T),
        ("NFE", r => r.Nfe),
        ("h", r => r.H),
    ];

    /// <summary>With the default claims registry (<see cref="ClaimRegistry.LoadDefault"/>).</summary>
    public static Analysis Of(IEnumerable<ResultRow> rows) => Of(rows, ClaimRegistry.LoadDefault());

    /// <summary>Any contradiction of a theorem as stated (proved-for schedule, log power known): `verify` exits 1.</summary>
    public bool ContradictsATheorem => Claims.Any(c => c.ContradictsTheorem) || Dimensions.Any(d => d.Assessment.Verdict == Verdict.Contradicted && !d.Transferred);

    public static Analysis Of(IEnumerable<ResultRow> rows, ClaimRegistry registry)
    {
        var list = rows as IList<ResultRow> ?? rows.ToList();
        var series = Reporting.Series.From(list);
        var fits = new List<FitRow>();
        foreach (Series s in series.Where(s => s.DistinctSteps >= 3))
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

        // d-sweeps: the exponent of each metric in d at fixed T (DESIGN §6), one series per (…, T).
        var dimensionSeries = DimensionSeries(series).ToList();
        foreach ((Series s, int t) in dimensionSeries)
        {
            SlopeFit? fit = LogLogRegression.Fit(s.Points(r => r.D));
            if (fit is not null)
            {
                fits.Add(ToRow(s, "d", fit) with { D = 0, Target = s.Target });
            }
        }

        var claims = new List<ClaimVerdict>();
        var dimensions = new List<DimensionVerdict>();
        foreach (RateClaim claim in registry.Claims)
        {
            foreach (Series s in series.Where(s => s.Sampler == claim.Sampler && s.Metric == claim.Metric && s.HasExactScore && s.DistinctSteps >= 3))
            {
                RateAssessment a = RateAssessment.Assess(s.Points(r => r.T), claim.P.Value, claim.LogPower);
                claims.Add(new ClaimVerdict(claim, s, !claim.IsProvedFor(s.ScheduleKind), a));
            }

            if (!claim.A.IsKnown)
            {
                continue;
            }

            foreach ((Series s, int t) in dimensionSeries.Where(x => x.Series.Sampler == claim.Sampler && x.Series.Metric == claim.Metric && x.Series.HasExactScore))
            {
                // A bound in the intrinsic dimension k (C d^a k^b) grows like d^(a+b) where the data fill ℝ^d (k = d),
                // like d^a where they lie on a fixed k-dimensional subspace.
                bool intrinsicGrowsWithD = s.Rows.Select(r => r.K).Distinct().Count() > 1;
                double exponent = claim.A.Value + (claim.IntrinsicDimension is { IsKnown: true } k && intrinsicGrowsWithD ? k.Value : 0);
                DimensionAssessment a = DimensionAssessment.Assess(s.Points(r => r.D), exponent);
                dimensions.Add(new DimensionVerdict(claim, s.Experiment, s.Schedule, t, !claim.IsProvedFor(s.ScheduleKind), a));
            }
        }

        return new Analysis(registry, series, fits, claims, dimensions);
    }

    /// <summary>
    /// Error ratio accelerated/vanilla against T for every registry pair, on the T values where both values
    /// are resolved (above floor and start error, below the TV ceiling), each naming its d and perturbation.
    /// </summary>
    public IEnumerable<(Series Accelerated, Series Vanilla, IReadOnlyList<(int T, double Ratio)> Ratios)> Ratios()
    {
        foreach ((string acc, string van) in Registry.Pairs)
        {
            foreach (Series a in Series.Where(s => s.Sampler == acc && s.Metric == Metrics.Tv))
            {
                Series? v = Series.FirstOrDefault(s => s.Sampler == van && s.Metric == a.Metric && s.Experiment == a.Experiment
                    && s.Target == a.Target && s.D == a.D && s.Schedule == a.Schedule && s.Perturbation == a.Perturbation);
                if (v is null)
                {
                    continue;
                }

                var ratios = a.Rows.Where(r => a.Point(r, r.T).IsResolved)
                    .Join(v.Rows.Where(r => v.Point(r, r.T).IsResolved), r => r.T, r => r.T, (x, y) => (x.T, Ratio: x.Value / y.Value))
                    .ToList();
                if (ratios.Count > 0)
                {
                    yield return (a, v, ratios);
                }
            }
        }
    }

    /// <summary>Series over d at fixed T: rows grouped without the target label (which names d), with ≥ 3 dimensions.</summary>
    private static IEnumerable<(Series Series, int T)> DimensionSeries(IReadOnlyList<Series> series)
    {
        return series
            .SelectMany(s => s.Rows.Select(r => (s, r)))
            .GroupBy(x => (x.r.Experiment, x.r.Schedule, x.r.Sampler, x.r.Perturbation, x.r.Metric, x.r.T))
            .Where(g => g.Select(x => x.r.D).Distinct().Count() >= 3)
            .Select(g =>
            {
                var first = g.First();
                var merged = new Series(first.r.Experiment, Generic(first.r.Target), 0, first.r.Schedule, first.r.Sampler, first.r.Perturbation, first.r.Metric, g.Select(x => x.r).OrderBy(r => r.D).ToList())
                {
                    StartErrors = g.SelectMany(x => x.s.StartErrors).DistinctBy(e => e.Key).ToDictionary(e => e.Key, e => e.Value),
                };
                return (merged, g.Key.T);
            });
    }

    private static string Generic(string target) => target.Split('(')[0];

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
