using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Targets;

namespace Diffusion.Verify.Experiments.Cli;

/// <summary>The flags shared by sample and eval: target, sampler, schedule, T, start, n, seed.</summary>
public sealed record ProblemArguments(IDiffusedTarget Target, Sampler Sampler, ScheduleSpec Schedule, NoiseSchedule Levels, StartDistribution Start, int Samples, long Seed)
{
    public static ProblemArguments Read(Arguments args)
    {
        string targetPath = args.RequiredText("target");
        if (!File.Exists(targetPath))
        {
            throw new InvalidSpecificationException("--target", targetPath, "no such file");
        }

        IDiffusedTarget target = TargetJson.Parse(File.ReadAllText(targetPath));
        Sampler sampler = SamplerCatalog.Get(args.RequiredText("sampler"));
        int steps = args.Integer("steps", -1, 2, 10_000_000);
        if (steps < 0)
        {
            throw new InvalidSpecificationException("--steps", "(missing)", "give the number of steps T (at least 2)");
        }

        var schedule = new ScheduleSpec(
            args.Choice("schedule", "li2024", ScheduleSpec.Kinds),
            C0: args.Number("c0", 2.0),
            C1: args.Number("c1", 6.0),
            LambdaMax: args.Number("lambda-max", LogSnrSchedule.DefaultLambdaMax),
            LambdaMin: args.Number("lambda-min", LogSnrSchedule.DefaultLambdaMin));
        NoiseSchedule levels = schedule.Build(steps);
        StartDistribution start = args.Choice("start", "gaussian", ["gaussian", "exact"]) == "exact" ? StartDistribution.Exact : StartDistribution.Gaussian;
        int n = args.Integer("n", 10_000, 1, int.MaxValue);
        long seed = args.Long("seed", 1);
        return new ProblemArguments(target, sampler, schedule, levels, start, n, seed);
    }
}
