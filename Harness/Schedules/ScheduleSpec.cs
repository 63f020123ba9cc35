namespace Diffusion.Verify.Schedules;

/// <summary>
/// A schedule named by the user, with its parameters, not yet tied to a T. Sweeps build one
/// <see cref="NoiseSchedule"/> per T from it.
/// </summary>
public sealed record ScheduleSpec(
    string Kind,
    double C0 = 2.0,
    double C1 = 6.0,
    double LambdaMax = LogSnrSchedule.DefaultLambdaMax,
    double LambdaMin = LogSnrSchedule.DefaultLambdaMin)
{
    public static IReadOnlyList<string> Kinds { get; } = ["li2024", "logsnr", "linear", "cosine"];

    public NoiseSchedule Build(int steps) => Kind switch
    {
        "li2024" => Li2024Schedule.Create(steps, C0, C1),
        "logsnr" => LogSnrSchedule.Create(steps, LambdaMax, LambdaMin),
        "linear" => LinearSchedule.Create(steps),
        "cosine" => CosineSchedule.Create(steps),
        _ => throw new InvalidSpecificationException("schedule", Kind, $"known schedules: {string.Join(", ", Kinds)}"),
    };

    /// <summary>Whether <see cref="Build"/> succeeds for this T (li2024 needs c1·ln T / T &lt; 1).</summary>
    public bool IsValidFor(int steps)
    {
        try
        {
            Build(steps);
            return true;
        }
        catch (InvalidSpecificationException)
        {
            return false;
        }
    }

    /// <summary>Short label for tables and file names, e.g. "li2024(c0=2,c1=6)".</summary>
    public string Label => Kind switch
    {
        "li2024" => $"li2024(c0={C0:G},c1={C1:G})",
        "logsnr" => $"logsnr({LambdaMax:G},{LambdaMin:G})",
        _ => Kind,
    };
}
