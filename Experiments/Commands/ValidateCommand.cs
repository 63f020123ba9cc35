using Diffusion.Verify.Experiments.Cli;
using Diffusion.Verify.Experiments.Configuration;

namespace Diffusion.Verify.Experiments.Commands;

/// <summary><c>validate [CONFIG ...]</c>: checks configs (and their targets and schedules) without running anything.</summary>
public static class ValidateCommand
{
    public static int Run(Arguments args)
    {
        args.RejectUnused("validate");
        foreach (string path in ConfigFiles.Resolve(args.Positional))
        {
            ExperimentConfig full = ExperimentConfig.Load(path, quick: false);
            ExperimentConfig.Load(path, quick: true);
            Console.WriteLine($"ok  {path}: {full.Name}, {Pipeline.SweepPoint.Enumerate(full).Count} points");
        }

        return 0;
    }
}
