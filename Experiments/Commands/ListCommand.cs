using System.CommandLine;
using Diffusion.Verify.Experiments.Cli;
using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Targets;

namespace Diffusion.Verify.Experiments.Commands;

/// <summary><c>list</c>: the samplers, schedules and target kinds the harness knows.</summary>
public static class ListCommand
{
    public static Command Create(Terminal terminal)
    {
        var command = new Command("list", "List the samplers (order, score evaluations per step), schedules and target kinds");
        command.SetAction(_ => Run(terminal));
        return command;
    }

    public static int Run(Terminal terminal)
    {
        terminal.Out.WriteLine("samplers:");
        foreach (Sampler s in SamplerCatalog.Samplers)
        {
            string kind = s.IsStochastic ? "stochastic" : $"deterministic, order {s.Order}";
            terminal.Out.WriteLine($"  {s.Name,-16} {kind}, {s.EvaluationsPerStep} score evaluation(s) per step");
        }

        terminal.Out.WriteLine("schedules:");
        foreach (string k in ScheduleSpec.Kinds)
        {
            terminal.Out.WriteLine($"  {k}");
        }

        terminal.Out.WriteLine("target kinds:");
        foreach (string k in TargetJson.Kinds)
        {
            terminal.Out.WriteLine($"  {k}");
        }

        return 0;
    }
}
