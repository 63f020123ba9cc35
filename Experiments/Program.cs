using Diffusion.Verify;
using Diffusion.Verify.Experiments.Cli;
using Diffusion.Verify.Experiments.Commands;

// Exit codes: 0 ok, 1 a claim contradicted (verify), 2 bad input, 3 numerical failure, 130 cancelled.
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};

string command = args.Length == 0 || args[0].StartsWith("--", StringComparison.Ordinal) ? "run" : args[0];
var rest = args.Length == 0 || args[0].StartsWith("--", StringComparison.Ordinal) ? args : args[1..];
try
{
    var arguments = new Arguments(rest);
    return command switch
    {
        "run" => RunCommand.Run(arguments, cancellation.Token),
        "sample" => SampleCommand.Run(arguments, cancellation.Token),
        "eval" => EvalCommand.Run(arguments, cancellation.Token),
        "plot" => PlotCommand.Run(arguments),
        "verify" => VerifyCommand.Run(arguments),
        "merge" => MergeCommand.Run(arguments),
        "validate" => ValidateCommand.Run(arguments),
        "list" => ListCommand.Run(arguments),
        "bench" => BenchCommand.Run(arguments, cancellation.Token),
        "help" or "-h" or "--help" => Usage.Print(),
        _ => throw new InvalidSpecificationException("command", command, $"known commands: {string.Join(", ", Usage.Commands)}"),
    };
}
catch (InvalidSpecificationException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
catch (NumericalFailureException e)
{
    Console.Error.WriteLine($"numerical failure: {e.Message}");
    return 3;
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("cancelled; finished points are kept");
    return 130;
}
