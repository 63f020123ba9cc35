using Diffusion.Verify.Experiments.Cli;
using Diffusion.Verify.Experiments.Pipeline;
using Diffusion.Verify.Experiments.Reporting;

namespace Diffusion.Verify.Experiments.Commands;

/// <summary><c>verify DIR</c>: prints the verdict tables; exit 1 if a theorem is contradicted as stated (proved-for schedule, log power known).</summary>
public static class VerifyCommand
{
    public static int Run(Arguments args, Terminal terminal)
    {
        args.RejectUnused("verify");
        if (args.Positional.Count != 1)
        {
            throw new InvalidSpecificationException("DIR", string.Join(" ", args.Positional), "verify takes exactly one results directory");
        }

        var rows = ReportBuilder.ExperimentFiles(args.Positional[0]).SelectMany(ResultStore.Read).ToList();
        if (rows.Count == 0)
        {
            throw new InvalidSpecificationException("DIR", args.Positional[0], "holds no result rows");
        }

        Analysis analysis = Analysis.Of(rows);
        terminal.Out.WriteLine(ReportBuilder.VerdictTable(analysis));
        terminal.Out.WriteLine(ReportBuilder.DimensionTable(analysis));
        terminal.Out.WriteLine(ReportBuilder.VerdictCounts(analysis));
        return analysis.ContradictsATheorem ? 1 : 0;
    }
}
