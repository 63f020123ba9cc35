using System.CommandLine;
using Diffusion.Verify.Experiments.Cli;
using Diffusion.Verify.Experiments.Reporting;

namespace Diffusion.Verify.Experiments.Commands;

/// <summary><c>plot DIR</c>: rebuilds fits, figures and summary.md from the CSVs in DIR alone.</summary>
public static class PlotCommand
{
    public static Command Create(Terminal terminal)
    {
        var directory = new Argument<string>("DIR") { Description = "a results directory" }.FilePaths();
        var command = new Command("plot", "Rebuild fits, figures and summary.md from the CSVs in DIR") { directory };
        command.SetAction(parse => Run(parse.GetValue(directory)!, terminal));
        return command;
    }

    public static int Run(string directory, Terminal terminal)
    {
        ReportBuilder.Build(directory, Pipeline.PointJournal.Titles(directory));
        terminal.Error.WriteLine($"rebuilt figures, fits and summary.md in {directory}");
        return 0;
    }
}
