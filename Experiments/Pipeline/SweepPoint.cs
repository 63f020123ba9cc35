using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Diffusion.Verify.Distances;
using Diffusion.Verify.Experiments.Configuration;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Scores;

namespace Diffusion.Verify.Experiments.Pipeline;

/// <summary>One (dimension, schedule, sampler, perturbation, T) combination of an experiment.</summary>
public sealed record SweepPoint(ExperimentConfig Experiment, int? Dimension, ScheduleSpec Schedule, string Sampler, ScorePerturbationSpec Perturbation, int Steps)
{
    /// <summary>Raised when the meaning of a fingerprint changes, so that old rows are recomputed rather than reused.</summary>
    private const string FingerprintVersion = "point-v1";

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
                        foreach (int t in config.Steps.Order().Where(t => schedule.IsValidFor(t)))
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

    /// <summary>
    /// A hash of everything that determines this point's rows, including what its row key leaves out (the
    /// target's parameters, n, seed, start, method, full-precision schedule and perturbation parameters).
    /// A resumed run reuses a point's rows only while its fingerprint is unchanged.
    /// </summary>
    public string Fingerprint(string targetJson)
    {
        ExperimentConfig c = Experiment;
        string text = string.Join(
            '\n',
            FingerprintVersion,
            c.Name,
            targetJson,
            c.Start.ToString(),
            DistanceMethods.Name(c.Method),
            c.Samples.ToString(CultureInfo.InvariantCulture),
            c.Seed.ToString(CultureInfo.InvariantCulture),
            Invariant($"{Schedule.Kind},{Schedule.C0:R},{Schedule.C1:R},{Schedule.LambdaMax:R},{Schedule.LambdaMin:R}"),
            Sampler,
            Invariant($"{Perturbation.Kind},{Perturbation.Magnitude:R},{Perturbation.Omega:R},{Perturbation.Seed}"),
            Steps.ToString(CultureInfo.InvariantCulture));
        return Hash(text);
    }

    /// <summary>The first 16 hex digits of SHA-256 of the text.</summary>
    public static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
