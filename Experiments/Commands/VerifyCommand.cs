using Diffusion.Verify.Experiments.Cli;
using Diffusion.Verify.Experiments.Pipeline;
using Diffusion.Verify.Experiments.Reporting;
using Diffusion.Verify.Fitting;

namespace Diffusion.Verify.Experiments.Commands;

/// <summary><c>verify DIR</c>: prints the verdict table; exit 1 if any claim is contradicted.</summary>
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
        int contradicted = analysis.Claims.Count(c => c.Assessment.Verdict == Verdict.Contradicted);
        int consistent = analysis.Claims.Count(c => c.Assessment.Verdict == Verdict.Consistent);
        int inconclusive = analysis.Claims.Count(c => c.Assessment.Verdict == Verdict.Inconclusive);
        terminal.Out.WriteLine($"{consistent} consistent, {contradicted} contradicted, {inconclusive} inconclusive");
        return contradicted > 0 ? 1 : 0;
    }
}
