using System.Diagnostics;
using Diffusion.Verify.Distances;
using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Scores;
using Diffusion.Verify.Targets;

namespace Diffusion.Verify.Experiments.Pipeline;

/// <summary>Measures one sweep point and turns the report into tidy rows.</summary>
public sealed class PointEvaluator
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string, int?), Lazy<IDiffusedTarget>> _targets = new();

    public IReadOnlyList<ResultRow> Evaluate(SweepPoint point, CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        IDiffusedTarget target = Target(point);
        NoiseSchedule schedule = point.Schedule.Build(point.Steps);
        Sampler sampler = SamplerCatalog.Get(point.Sampler);
        IScore score = point.Perturbation.Apply(new ExactScore(target));
        var request = new EvaluationRequest(
            sampler, schedule, target, score, point.Experiment.Start, point.Experiment.Method,
            point.Experiment.Samples, point.Experiment.Seed, cancellation)
        {
            // The score-error sweep reports TV, KL and the realised errors; the path KL of a perturbed score is not asked for.
            IncludePathKl = point.Perturbation.IsExact,
        };
        DistanceReport report = DistanceEvaluator.Evaluate(request);

        var measured = new List<(string Metric, Estimate Value, double? Floor)>
        {
            (Metrics.Tv, report.TotalVariation, SampleFloor(report.TotalVariation, report.TotalVariationFloor)),
            (Metrics.KlSamplerToTarget, report.KlSamplerToTarget, SampleFloor(report.KlSamplerToTarget, report.KlFloor)),
        };
        if (report.KlTargetToSampler is { } klQp)
        {
            measured.Add((Metrics.KlTargetToSampler, klQp, null));
        }

        if (report.PathKl is { } path)
        {
            measured.Add((Metrics.PathKl, path, null));
            double root = Math.Sqrt(Math.Max(path.Value, 0) / 2);
            double derivative = root > 0 ? 1 / (4 * root) : 0;
            measured.Add((Metrics.PinskerPathKl, new Estimate(root, path.StandardError * derivative, path.Tolerance * derivative), null));
        }

        if (point.Experiment.Start == StartDistribution.Gaussian)
        {
            measured.Add((Metrics.StartError, Estimate.Exact(StartErrorBound.Evaluate(target, schedule.AlphaBar(schedule.Steps))), null));
        }

        if (!point.Perturbation.IsExact)
        {
            var options = new ScoreErrorOptions
            {
                SamplesPerLevel = 256,
                Seed = point.Experiment.Seed,
                LevelStride = Math.Max(1, point.Steps / 64),
                MeasureJacobian = target.Dimension <= 64,
                Cancellation = cancellation,
            };
            ScoreErrorEstimate error = ScoreErrorMeasurement.Measure(score, target, schedule, options);
            measured.Add((Metrics.EpsilonScore, new Estimate(error.ScoreError, error.ScoreErrorStandardError), null));
            if (error.HasJacobianError)
            {
                measured.Add((Metrics.EpsilonJacobi, new Estimate(error.JacobianError, error.JacobianErrorStandardError), null));
            }
        }

        string method = DistanceMethods.Name(report.Method);
        foreach (var m in measured)
        {
            // A NaN or infinite estimate (e.g. a density underflowing to 0 at an output) must not reach the CSV and the fits.
            if (!double.IsFinite(m.Value.Value) || !double.IsFinite(m.Value.StandardError))
            {
                throw new NumericalFailureException(
                    sampler.Name, point.Steps, 1, -1,
                    $"the {method} estimate of {m.Metric} is {m.Value.Value:R} ± {m.Value.StandardError:R} (after the last step; no single sample identified)");
            }
        }

        double seconds = clock.Elapsed.TotalSeconds;
        return measured.Select(m => new ResultRow
        {
            Experiment = point.Experiment.Name,
            Target = target.Description,
            D = target.Dimension,
            K = target.IntrinsicDimension,
            Schedule = point.Schedule.Label,
            Sampler = sampler.Name,
            Perturbation = point.Perturbation.Label,
            T = point.Steps,
            Nfe = sampler.FunctionEvaluations(point.Steps),
            H = schedule.MaxBeta,
            Metric = m.Metric,
            Value = m.Value.Value,
            Stderr = m.Value.StandardError,
            Floor = Math.Max(m.Value.ResolutionFloor, m.Floor ?? 0),
            Method = method,
            N = report.SampleCount,
            Seed = point.Experiment.Seed,
            Seconds = seconds,
        }).ToList();
    }

    /// <summary>
    /// A sample estimator's resolution limit: its value on two samples of q_1 plus 3 combined standard
    /// errors (a value below it cannot be told from the estimator's own bias and noise).
    /// </summary>
    private static double? SampleFloor(Estimate value, Estimate? floor) =>
        floor is { } f ? f.Value + 3 * Math.Sqrt((value.StandardError * value.StandardError) + (f.StandardError * f.StandardError)) : null;

    /// <summary>The key the point's rows will carry (<see cref="ResultRow.PointKey"/>).</summary>
    public string KeyOf(SweepPoint point)
    {
        IDiffusedTarget target = Target(point);
        return new ResultRow
        {
            Experiment = point.Experiment.Name,
            Target = target.Description,
            D = target.Dimension,
            K = target.IntrinsicDimension,
            Schedule = point.Schedule.Label,
            Sampler = point.Sampler,
            Perturbation = point.Perturbation.Label,
            T = point.Steps,
        }.PointKey;
    }

    private IDiffusedTarget Target(SweepPoint point)
    {
        // Lazy so that concurrent points build a large target (a d×d rotation) once.
        return _targets.GetOrAdd((point.Experiment.Name, point.Dimension), _ => new Lazy<IDiffusedTarget>(() => point.Experiment.BuildTarget(point.Dimension))).Value;
    }
}
