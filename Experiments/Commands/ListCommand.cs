using Diffusion.Verify.Experiments.Cli;
using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Targets;

namespace Diffusion.Verify.Experiments.Commands;

/// <summary><c>list</c>: the samplers, schedules and target kinds the harness knows.</summary>
public static class ListCommand
{
    public static int Run(Arguments args)
    {
        args.RejectUnused("list");
        Console.WriteLine("samplers:");
        foreach (Sampler s in SamplerCatalog.Samplers)
        {
            string kind = s.IsStochastic ? "stochastic" : $"deterministic, order {s.Order}";
            Console.WriteLine($"  {s.Name,-16} {kind}, {s.EvaluationsPerStep} score evaluation(s) per step");
        }

        Console.WriteLine("schedules:");
        foreach (string k in ScheduleSpec.Kinds)
        {
            Console.WriteLine($"  {k}");
        }

        Console.WriteLine("target kinds:");
        foreach (string k in TargetJson.Kinds)
        {
            Console.WriteLine($"  {k}");
        }

        return 0;
    }
}
