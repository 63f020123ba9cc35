using System.CommandLine;
using Diffusion.Verify.Experiments.Cli;
using Diffusion.Verify.Experiments.Pipeline;
using Diffusion.Verify.Experiments.Reporting;

namespace Diffusion.Verify.Experiments.Commands;

/// <summary><c>verify DIR</c>: prints the verdict tables; exit 1 if a theorem is contradicted as stated (proved-for schedule, log power known).</summary>
public static class VerifyCommand
{
    public static Command Create(Terminal terminal)
    {
        var directory = new Argument<string>("DIR") { Description = "a results directory" }.FilePaths();
        var command = new Command("verify", "Print the verdict tables; exit 1 if a theorem is contradicted as stated (proved-for schedule, known log power)") { directory };
        command.SetAction(parse => Run(parse.GetValue(directory)!, terminal));
        return command;
    }

    public static int Run(string directory, Terminal terminal)
    {
        var rows = ReportBuilder.ExperimentFiles(directory).SelectMany(ResultStore.Read).ToList();
        if (rows.Count == 0)
        {
            throw new InvalidSpecificationException("DIR", directory, "holds no result rows");
        }

        Analysis analysis = Analysis.Of(rows);
        terminal.Out.WriteLine(ReportBuilder.VerdictTable(analysis));
        terminal.Out.WriteLine(ReportBuilder.DimensionTable(analysis));
        terminal.Out.WriteLine(ReportBuilder.VerdictCounts(analysis));
        return analysis.ContradictsATheorem ? 1 : 0;
    }
}
