using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Globalization;
using Diffusion.Verify.Experiments.Commands;
using Diffusion.Verify.Experiments.Pipeline;

namespace Diffusion.Verify.Experiments.Cli;

/// <summary>
/// The command line without the process around it: Program.cs wires the console and signals to it, and
/// tests call it in-process. Commands and their options are declared once, in each command's Create
/// (System.CommandLine), which gives --help / -h per command, --version and completion.
/// Exit codes: 0 ok, 1 a theorem contradicted as stated (verify), 2 bad input, 3 numerical failure, 130 cancelled.
/// </summary>
public static class Entry
{
    public const int Ok = 0;
    public const int Contradicted = 1;
    public const int BadInput = 2;
    public const int NumericalFailure = 3;
    public const int InternalError = 4;
    public const int Cancelled = 130;

    private const string ExitCodes = "Exit codes: 0 ok, 1 a theorem contradicted as stated (verify), 2 bad input, 3 numerical failure, 4 internal error (a bug: please report it), 130 cancelled.";

    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken cancellation, bool interactive = false)
    {
        var terminal = new Terminal(output, error, interactive);
        ParseResult? parse = null;
        try
        {
            RootCommand root = Commands(terminal, cancellation);
            parse = root.Parse(Conventional(args));
            bool informational = parse.Action is HelpAction || root.Options.OfType<VersionOption>().Any(v => parse.GetResult(v) is not null);
            if (!informational && Problems(parse) is { Count: > 0 } problems)
            {
                // One line, as for every other bad input: scripts and logs read the first line only.
                Command command = parse.CommandResult.Command;
                error.WriteLine($"error: {string.Join("; ", problems)} (see '{(command is RootCommand ? "" : command.Name + " ")}--help')");
                return BadInput;
            }

            return parse.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null });
        }
        catch (Exception e) when (Outcome(Failures.Primary(e), error, parse?.CommandResult.Command.Name) is int code)
        {
            return code;
        }
        finally
        {
            output.Flush();
            error.Flush();
        }
    }

    /// <summary>Every command, each declaring its own options.</summary>
    public static RootCommand Commands(Terminal terminal, CancellationToken cancellation)
    {
        var root = new RootCommand($"Diffusion.Verify: convergence measurements for diffusion samplers (Li et al., ICML 2024).\nWithout a command, 'run'. {ExitCodes}")
        {
            RunCommand.Create(terminal, cancellation),
            SampleCommand.Create(terminal, cancellation),
            EvalCommand.Create(terminal, cancellation),
            PlotCommand.Create(terminal),
            VerifyCommand.Create(terminal),
            MergeCommand.Create(terminal),
            ValidateCommand.Create(terminal),
            BenchCommand.Create(cancellation),
            ListCommand.Create(terminal),
        };
        return root;
    }

    /// <summary>
    /// No command means run (so "-- --quick" runs the quick suite); "help [COMMAND]" means "[COMMAND] --help".
    /// </summary>
    private static IReadOnlyList<string> Conventional(IReadOnlyList<string> args)
    {
        if (args.Count == 0 || (args[0].StartsWith('-') && args[0] is not ("-h" or "-?" or "--help" or "--version")))
        {
            return ["run", .. args];
        }

        return args[0] == "help" ? [.. args.Skip(1), "--help"] : args;
    }

    /// <summary>
    /// The parse errors, with unknown options named as such. An option-like token that a variadic argument
    /// (run's CONFIG ...) would swallow counts as unknown too, so "run --quik" is an error, not a config
    /// named "--quik".
    /// </summary>
    private static List<string> Problems(ParseResult parse)
    {
        Command command = parse.CommandResult.Command;
        string where = command is RootCommand ? "" : $" for '{command.Name}'";
        var known = command.Options.Concat(command.Parents.OfType<Command>().SelectMany(p => p.Options.Where(o => o.Recursive)))
            .SelectMany(o => o.Aliases.Append(o.Name)).ToHashSet(StringComparer.Ordinal);
        var unknown = parse.Tokens
            .Where(t => t.Type == TokenType.Argument && t.Value.Length > 1 && t.Value[0] == '-' && !double.TryParse(t.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            .Select(t => t.Value.Split('=')[0])
            .Where(t => !known.Contains(t))
            .Distinct()
            .ToList();
        var problems = unknown.Select(t => $"unknown option '{t}'{where}{Suggestion(t, known)}").ToList();
        if (command is RootCommand && parse.Tokens.FirstOrDefault(t => t.Type == TokenType.Argument) is { } word)
        {
            // Not a command: name the commands rather than say "required command was not provided".
            var names = command.Subcommands.Select(c => c.Name).ToList();
            return [$"unknown command '{word.Value}'{Suggestion(word.Value, names)}; commands: {string.Join(", ", names)}"];
        }

        // An unknown option's value is unmatched too; naming the option is enough.
        problems.AddRange(parse.Errors.Select(e => e.Message).Where(m => unknown.Count == 0 || !m.StartsWith("Unrecognized command or argument", StringComparison.Ordinal)));
        return problems;
    }

    private static string Suggestion(string token, IEnumerable<string> known)
    {
        string? best = known.Where(k => k.Length > 2).MinBy(k => Distance(token, k));
        return best is not null && Distance(token, best) <= Math.Max(2, token.Length / 3) ? $" (did you mean '{best}'?)" : "";
    }

    /// <summary>Levenshtein distance, for the "did you mean" hint.</summary>
    private static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }

        return row[b.Length];
    }

    /// <summary>The exit code of a failure after printing it, or null for a bug (which then surfaces with its stack trace).</summary>
    private static int? Outcome(Exception e, TextWriter error, string? command)
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
                // Only run keeps points to resume from; sample, eval and bench have nothing to continue.
                error.WriteLine(command == "run" ? "cancelled; finished points are kept (continue with run --resume)" : "cancelled");
                return Cancelled;
            case IOException or UnauthorizedAccessException:
                error.WriteLine($"error: {e.Message}");
                return BadInput;
            default:
                // A bug, not bad input: one line that names it, and the trace only on request, so that logs
                // and scripts still read one message per run.
                string frame = e.StackTrace?.Split('\n', StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
                error.WriteLine($"internal error: {e.GetType().Name}: {e.Message} ({frame}); please report it" +
                    (Environment.GetEnvironmentVariable("DIFFUSION_VERIFY_TRACE") == "1" ? $"\n{e}" : "; DIFFUSION_VERIFY_TRACE=1 prints the trace"));
                return InternalError;
        }
    }
}
