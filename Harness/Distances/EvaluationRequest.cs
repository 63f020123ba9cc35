using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Scores;
using Diffusion.Verify.Targets;

namespace Diffusion.Verify.Distances;

/// <summary>What to measure: the sampler's output law p_1 against q_1 of the target, and how.</summary>
public sealed record EvaluationRequest(
    Sampler Sampler,
    NoiseSchedule Schedule,
    IDiffusedTarget Target,
    IScore Score,
    StartDistribution Start = StartDistribution.Gaussian,
    DistanceMethod Method = DistanceMethod.Auto,
    int Samples = 100_000,
    long Seed = 1,
    CancellationToken Cancellation = default,
    bool IncludePathKl = true,
    IProgress<long>? Progress = null)
{
    /// <summary>Whether the sampler sees the target's exact score (closed-form evaluators need it).</summary>
    public bool ScoreIsExact => Score is ExactScore exact && ReferenceEquals(exact.Target, Target);

    public SamplingOptions SamplingOptions => new()
    {
        Samples = Samples,
        Seed = Seed,
        Start = Start,
        Cancellation = Cancellation,
        Progress = Progress,
    };
}
