using System.CommandLine;
using Diffusion.Verify.Experiments.Cli;
using Diffusion.Verify.Experiments.Pipeline;
using Diffusion.Verify.Experiments.Reporting;
using Diffusion.Verify.Fitting;

namespace Diffusion.Verify.Experiments.Commands;

/// <summary><c>verify DIR</c>: prints the verdict table; exit 1 if any claim is contradicted.</summary>
public static class VerifyCommand
{
    public static Command Create(Terminal terminal)
    {
        var directory = new Argument<string>("DIR") { Description = "a results directory" };
        var command = new Command("verify", "Print the verdict table; exit 1 if a claim is contradicted") { directory };
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
        int contradicted = analysis.Claims.Count(c => c.Assessment.Verdict == Verdict.Contradicted);
        int consistent = analysis.Claims.Count(c => c.Assessment.Verdict == Verdict.Consistent);
        int inconclusive = analysis.Claims.Count(c => c.Assessment.Verdict == Verdict.Inconclusive);
        terminal.Out.WriteLine($"{consistent} consistent, {contradicted} contradicted, {inconclusive} inconclusive");
        return contradicted > 0 ? 1 : 0;
    }
}
