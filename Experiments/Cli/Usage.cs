namespace Diffusion.Verify.Experiments.Cli;

/// <summary>The command summary printed by <c>help</c>.</summary>
public static class Usage
{
    public static IReadOnlyList<string> Commands { get; } = ["sample", "list", "help"];

    public static int Print()
    {
        Console.WriteLine("""
            Diffusion.Verify — convergence measurements for diffusion samplers

              sample --target FILE --sampler NAME --steps T [--schedule li2024|logsnr|linear|cosine]
                     [--c0 X --c1 Y] [--n N] [--seed S] [--start gaussian|exact] [--with-start] [--out FILE.csv]
              list   samplers, schedules and target kinds
            """);
        return 0;
    }
}
