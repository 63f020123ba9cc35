using System.Runtime.InteropServices;
using Diffusion.Verify.Experiments.Cli;

// Exit codes: 0 ok, 1 a theorem contradicted as stated (verify), 2 bad input, 3 numerical failure, 4 internal error, 130 cancelled.
// SIGINT (Ctrl-C) and SIGTERM (what Slurm sends before killing a job) cancel cleanly: the point in flight
// is abandoned, finished points stay on disk. A second signal terminates at once.
using var cancellation = new CancellationTokenSource();
void Cancel(PosixSignalContext context)
{
    if (!cancellation.IsCancellationRequested)
    {
        context.Cancel = true;
        Console.Error.WriteLine();
        Console.Error.WriteLine($"{context.Signal}: stopping after cleaning up (send it again to stop at once)");
        cancellation.Cancel();
    }
}

using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);
return Entry.Run(args, Console.Out, Console.Error, cancellation.Token, interactive: !Console.IsErrorRedirected);
