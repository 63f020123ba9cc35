using Diffusion.Verify.Experiments.Commands;
using Diffusion.Verify.Experiments.Pipeline;

namespace Diffusion.Verify.Experiments.Cli;

/// <summary>
/// The command line without the process around it: Program.cs wires the console and signals to it, and
/// tests call it in-process. Exit codes: 0 ok, 1 a claim contradicted (verify), 2 bad input, 3 numerical
/// failure, 130 cancelled.
/// </summary>
public static class Entry
{
    public const int Ok = 0;
    public const int Contradicted = 1;
    public const int BadInput = 2;
    public const int NumericalFailure = 3;
    public const int Cancelled = 130;

    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken cancellation, bool interactive = false)
    {
        var terminal = new Terminal(output, error, interactive);
        try
        {
            return Dispatch(args, terminal, cancellation);
        }
        catch (Exception e) when (Outcome(Failures.Primary(e), error) is int code)
        {
            return code;
        }
        finally
        {
            output.Flush();
            error.Flush();
        }
    }

    private static int Dispatch(IReadOnlyList<string> args, Terminal terminal, CancellationToken cancellation)
    {
        bool implicitRun = args.Count == 0 || args[0].StartsWith("--", StringComparison.Ordinal);
        string command = implicitRun ? "run" : args[0];
        var arguments = new Arguments(implicitRun ? args : args.Skip(1), Usage.Switches);
        return command switch
        {
            "run" => RunCommand.Run(arguments, terminal, cancellation),
            "sample" => SampleCommand.Run(arguments, terminal, cancellation),
            "eval" => EvalCommand.Run(arguments, terminal, cancellation),
            "plot" => PlotCommand.Run(arguments, terminal),
            "verify" => VerifyCommand.Run(arguments, terminal),
            "merge" => MergeCommand.Run(arguments, terminal),
            "validate" => ValidateCommand.Run(arguments, terminal),
            "list" => ListCommand.Run(arguments, terminal),
            "bench" => BenchCommand.Run(arguments, cancellation),
            "help" or "-h" or "--help" => Usage.Print(terminal.Out),
            _ => throw new InvalidSpecificationException("command", command, $"known commands: {string.Join(", ", Usage.Commands)}"),
        };
    }

    /// <summary>The exit code of a failure after printing it, or null for a bug (which then surfaces with its stack trace).</summary>
    private static int? Outcome(Exception e, TextWriter error)
    {
        switch (e)
        {
            case InvalidSpecificationException:
                error.WriteLine($"error: {e.Message}");
                return BadInput;
            case NumericalFailureException:
                error.WriteLine($"numerical failure: {e.Message}");
                return NumericalFailure;
            case OperationCanceledException:
                error.WriteLine("cancelled; finished points are kept (continue with run --resume)");
                return Cancelled;
            case IOException or UnauthorizedAccessException:
                error.WriteLine($"error: {e.Message}");
                return BadInput;
            default:
                return null;
        }
    }
}
