using Diffusion.Verify.Experiments.Cli;
using Diffusion.Verify.Experiments.Reporting;

namespace Diffusion.Verify.Experiments.Commands;

/// <summary><c>plot DIR</c>: rebuilds fits, figures and summary.md from the CSVs in DIR alone.</summary>
public static class PlotCommand
{
    public static int Run(Arguments args, Terminal terminal)
    {
        args.RejectUnused("plot");
        if (args.Positional.Count != 1)
        {
            throw new InvalidSpecificationException("DIR", string.Join(" ", args.Positional), "plot takes exactly one results directory");
        }

        ReportBuilder.Build(args.Positional[0], Pipeline.PointJournal.Titles(args.Positional[0]));
        terminal.Error.WriteLine($"rebuilt figures, fits and summary.md in {args.Positional[0]}");
        return 0;
    }
}
