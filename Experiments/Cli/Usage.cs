namespace Diffusion.Verify.Experiments.Cli;

/// <summary>The command summary printed by <c>help</c>.</summary>
public static class Usage
{
    public static IReadOnlyList<string> Commands { get; } = ["run", "sample", "eval", "plot", "verify", "merge", "validate", "bench", "list", "help"];

    /// <summary>Flags of any command that take no value.</summary>
    public static IReadOnlyList<string> Switches { get; } = ["quick", "resume", "json", "with-start", "memory", "sweep"];

    public static int Print(TextWriter output)
    {
        output.WriteLine("""
            Diffusion.Verify — convergence measurements for diffusion samplers

              run    [CONFIG ...] [--quick] [--out DIR] [--resume] [--shard i/n]
                     the experiment suite (default: every config in Experiments/configs, into results/);
                     --resume keeps finished points of an interrupted run, --shard i/n runs every n-th point
              merge  DIR... [--out DIR]   combine the shard CSVs of runs made with --shard i/n
              validate [CONFIG ...]       check configs (and their targets) without running
              plot   DIR    rebuild fits, figures and summary.md from the CSVs in DIR
              verify DIR    print the verdict table; exit 1 if a claim is contradicted
              eval   --target FILE --sampler NAME --steps T [--schedule ...] [--c0 X --c1 Y] [--start gaussian|exact]
                     [--method auto|exact|quadrature|density-mc|samples] [--n N] [--seed S] [--json]
              sample --target FILE --sampler NAME --steps T [--schedule li2024|logsnr|linear|cosine]
                     [--c0 X --c1 Y] [--n N] [--seed S] [--start gaussian|exact] [--with-start] [--out FILE.csv]
              bench  [--n N] [--steps T] [--memory] [--sweep]   throughput of the reference workload (--sweep: d × K grid)
              list   samplers, schedules and target kinds

            exit codes: 0 ok, 1 a claim contradicted (verify), 2 bad input, 3 numerical failure, 130 cancelled
            """);
        return 0;
    }
}
