using Diffusion.Verify.Experiments.Configuration;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Scores;

namespace Diffusion.Verify.Experiments.Pipeline;

/// <summary>One (dimension, schedule, sampler, perturbation, T) combination of an experiment.</summary>
public sealed record SweepPoint(ExperimentConfig Experiment, int? Dimension, ScheduleSpec Schedule, string Sampler, ScorePerturbationSpec Perturbation, int Steps)
{
    /// <summary>Points in a fixed order (shards and resumes rely on it): cheap, small T first within each series.</summary>
    public static IReadOnlyList<SweepPoint> Enumerate(ExperimentConfig config)
    {
        var points = new List<SweepPoint>();
        foreach (int? d in config.Dimensions?.Select(x => (int?)x) ?? [null])
        {
            foreach (ScheduleSpec schedule in config.Schedules)
            {
                foreach (ScorePerturbationSpec perturbation in config.Perturbations)
                {
                    foreach (string sampler in config.Samplers)
                    {
                        foreach (int t in config.Steps.Order())
                        {
                            points.Add(new SweepPoint(config, d, schedule, sampler, perturbation, t));
                        }
                    }
                }
            }
        }

        return points;
    }

    public string Describe() =>
        $"{Sampler} {Schedule.Label}{(Dimension is null ? "" : $" d={Dimension}")}{(Perturbation.IsExact ? "" : $" {Perturbation.Label}")} T={Steps}";
}
