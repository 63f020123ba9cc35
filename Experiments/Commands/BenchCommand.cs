using System.Diagnostics;
using System.Globalization;
using Diffusion.Verify.Distances;
using Diffusion.Verify.Experiments.Cli;
using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Scores;
using Diffusion.Verify.Targets;

namespace Diffusion.Verify.Experiments.Commands;

/// <summary>
/// <c>bench [--n N] [--steps T] [--memory]</c>: throughput of the reference workload (acc-ode, exact score,
/// random-gmm d = 64, K = 8 isotropic components of variance 0.25, mean scale 2, equal weights, li2024
/// c0 = 2, c1 = 6, Gaussian start), the same with ln|det J| accumulation, and the time of quadrature evals
/// on the 1-D bimodal mixture at T = 1000. With --memory, also streams N = 10⁶ samples in d = 1000 and
/// reports the peak working set.
/// </summary>
public static class BenchCommand
{
    private const int Dimension = 64;
    private const int Components = 8;

    public static int Run(Arguments args, CancellationToken cancellation)
    {
        int n = args.Integer("n", 20_000, 1, 100_000_000);
        int steps = args.Integer("steps", 200, 2, 1_000_000);
        bool memory = args.Switch("memory");
        args.RejectUnused("bench");

        Console.WriteLine($"machine: {Environment.ProcessorCount} logical cores, {System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture}, " +
            $"Vector512 {(System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? "accelerated" : "not accelerated")}, .NET {Environment.Version}");
        IDiffusedTarget target = RandomGaussianMixture.Create(Dimension, Components, 2.0, CovarianceForm.Isotropic, seed: 7, variance: 0.25);
        NoiseSchedule schedule = Li2024Schedule.Create(steps, 2, 6);
        var sampler = new AccOdeSampler();
        var score = new ExactScore(target);

        // Warm-up so the JIT's tiered compilation does not count against the measurement.
        SamplerRunner.Stream(sampler, schedule, score, target, new SamplingOptions { Samples = 512, Cancellation = cancellation }, (in FinishedBlock _) => { });

        Throughput("acc-ode exact-score", sampler, schedule, score, target, n, steps, logDeterminant: false, cancellation);
        int logDetSamples = Math.Max(1, n / 20);
        Throughput("acc-ode exact-score + ln|det J|", sampler, schedule, score, target, logDetSamples, steps, logDeterminant: true, cancellation);

        IDiffusedTarget bimodal = new IsotropicMixture([0.3, 0.7], [[-2.0], [1.5]], [0.09, 0.36]);
        NoiseSchedule quadratureSchedule = Li2024Schedule.Create(1000, 2, 6);
        foreach (string name in new[] { "ddim-type", "acc-ode", "ddpm-type", "acc-sde" })
        {
            var clock = Stopwatch.StartNew();
            DistanceReport report = DistanceEvaluator.Evaluate(new EvaluationRequest(
                SamplerCatalog.Get(name), quadratureSchedule, bimodal, new ExactScore(bimodal), StartDistribution.Exact, DistanceMethod.Quadrature, Cancellation: cancellation));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"quadrature eval {name} bimodal-1d li2024 T=1000: {clock.Elapsed.TotalSeconds:F2} s (TV {report.TotalVariation.Value:E3}{(report.PathKl is { } p ? $", path KL {p.Value:E3}" : "")})"));
        }

        if (memory)
        {
            StreamingMemory(cancellation);
        }

        Console.WriteLine($"peak working set: {Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024):F0} MiB");
        return 0;
    }

    private static void Throughput(string label, Sampler sampler, NoiseSchedule schedule, IScore score, IDiffusedTarget target, int n, int steps, bool logDeterminant, CancellationToken cancellation)
    {
        var options = new SamplingOptions { Samples = n, Seed = 1, AccumulateLogDeterminant = logDeterminant, Cancellation = cancellation };
        var process = Process.GetCurrentProcess();
        TimeSpan cpuBefore = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        SamplerRunner.Stream(sampler, schedule, score, target, options, (in FinishedBlock _) => { });
        double seconds = clock.Elapsed.TotalSeconds;
        process.Refresh();
        double cpuSeconds = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
        double sampleSteps = (double)n * (steps - 1);
        double rate = sampleSteps / seconds;
        double cpuRate = sampleSteps / cpuSeconds;

        // Flops of one acc-ode step on an isotropic mixture: two score evaluations, each K dot products and
        // K axpys of length d plus ‖x‖² and the −κx term (4Kd + 3d), and ~8d for the update's vector
        // arithmetic. The ln|det J| path is not counted (its dense d×d work dominates and is reported as time).
        double flopsPerStep = 2 * ((4.0 * Components * Dimension) + (3.0 * Dimension)) + (8.0 * Dimension);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{label} d={Dimension} K={Components} N={n} T={steps}: {rate:0.00e+00} sample-steps/s, {rate * flopsPerStep / 1e9:F1} GFLOP/s ({seconds:F2} s); " +
            $"per CPU-second {cpuRate:0.00e+00} sample-steps, {cpuRate * flopsPerStep / 1e9:F2} GFLOP ({cpuSeconds:F2} CPU s)"));
    }

    private static void StreamingMemory(CancellationToken cancellation)
    {
        const int samples = 1_000_000;
        const int d = 1000;
        const int steps = 10;
        IDiffusedTarget target = GaussianTarget.Isotropic(d, 4.0);
        NoiseSchedule schedule = LogSnrSchedule.Create(steps);
        var sum = new double[d];
        object gate = new();
        var clock = Stopwatch.StartNew();
        SamplerRunner.Stream(new DdimTypeSampler(), schedule, new ExactScore(target), target,
            new SamplingOptions { Samples = samples, Cancellation = cancellation },
            (in FinishedBlock b) =>
            {
                lock (gate)
                {
                    for (int i = 0; i < b.Rows; i++)
                    {
                        System.Numerics.Tensors.TensorPrimitives.Add(sum, b.Output.Slice(i * d, d), sum);
                    }
                }
            });
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"streaming ddim-type N={samples} d={d} T={steps}: {clock.Elapsed.TotalSeconds:F1} s, peak working set {Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024):F0} MiB"));
    }
}
