using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Diffusion.Verify.Distances;
using Diffusion.Verify.Numerics.Vectorization;
using Diffusion.Verify.Experiments.Cli;
using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Scores;
using Diffusion.Verify.Targets;

namespace Diffusion.Verify.Experiments.Commands;

/// <summary>
/// <c>bench [--n N] [--steps T] [--memory] [--sweep] [--roofline]</c>: throughput of the reference workload (acc-ode, exact score,
/// random-gmm d = 64, K = 8 isotropic components of variance 0.25, mean scale 2, equal weights, li2024
/// c0 = 2, c1 = 6, Gaussian start), the same with ln|det J| accumulation, and the time of quadrature evals
/// on the 1-D bimodal mixture at T = 1000. With --memory, also streams N = 10⁶ samples in d = 1000 and
/// reports the peak working set. With --sweep, the acc-ode throughput over d ∈ {16, 64, 256, 1024} ×
/// K ∈ {2, 8, 32} instead (each cell ~2·10¹⁰ flops). The SIMD path in use (<see cref="Simd.Width"/>, forced
/// narrower by DIFFUSION_VERIFY_SIMD) and the FMA peak at that width are printed first. With --roofline,
/// measured ceilings (<see cref="RooflineProbes"/>: FMA, L1/L2/L3 bandwidth, vector-operation issue rates)
/// and each size's flops, bytes (<see cref="AccOdeTrafficModel"/>) and vector operations
/// (<see cref="AccOdeInstructionModel"/>) per sample-step set the throughput against what this machine can attain.
/// </summary>
public static class BenchCommand
{
    private const int ReferenceDimension = 64;
    private const int ReferenceComponents = 8;

    public static Command Create(CancellationToken cancellation)
    {
        var samples = new Option<int>("--n") { Description = "number of samples", HelpName = "N", DefaultValueFactory = _ => 20_000 }.Between(1, 100_000_000);
        var steps = new Option<int>("--steps") { Description = "number of steps", HelpName = "T", DefaultValueFactory = _ => 200 }.Between(2, 1_000_000);
        var memory = new Option<bool>("--memory") { Description = "also stream N = 10⁶ samples in d = 1000 and report the peak working set" };
        var sweep = new Option<bool>("--sweep") { Description = "throughput over d ∈ {16, 64, 256, 1024} × K ∈ {2, 8, 32} instead of the reference workload" };
        var dimension = new Option<int>("--dimension") { Description = "dimension d of the random mixture", HelpName = "d", DefaultValueFactory = _ => ReferenceDimension }.Between(1, 100_000);
        var components = new Option<int>("--components") { Description = "number K of its isotropic components", HelpName = "K", DefaultValueFactory = _ => ReferenceComponents }.Between(1, 10_000);
        var plain = new Option<bool>("--plain") { Description = "only the plain acc-ode throughput (no ln|det J| workload, no quadrature evals); what benchmarks/peers compares" };
        var roofline = new Option<bool>("--roofline") { Description = "also measure this machine's FMA, L1/L2/L3 bandwidth and vector-operation issue ceilings at the SIMD width in use and set each size's acc-ode throughput against them (flops, bytes and vector operations per sample-step)" };
        var command = new Command("bench", "Throughput of the reference workload (acc-ode, exact score, random mixture d = 64, K = 8)") { samples, steps, memory, sweep, dimension, components, plain, roofline };
        command.SetAction(parse => Run(
            new BenchSize(parse.GetValue(samples), parse.GetValue(steps), parse.GetValue(dimension), parse.GetValue(components)),
            parse.GetValue(memory), parse.GetValue(sweep), parse.GetValue(plain), parse.GetValue(roofline), cancellation));
        return command;
    }

    /// <summary>The workload's size: samples, steps, dimension and components.</summary>
    public readonly record struct BenchSize(int Samples, int Steps, int Dimension, int Components);

    public static int Run(BenchSize size, bool memory, bool sweep, bool plain, bool roofline, CancellationToken cancellation)
    {
        (int n, int steps) = (size.Samples, size.Steps);

        Console.WriteLine($"machine: {Environment.ProcessorCount} logical cores, {System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture}, " +
            $"Vector512 {(System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? "accelerated" : "not accelerated")}, " +
            $"Vector256 {(System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? "accelerated" : "not accelerated")}, .NET {Environment.Version}{MachineDetails()}");
        Console.WriteLine($"SIMD path: {Simd.Name(Simd.Width)}, {Simd.Request}; {PeakDescription()}");
        RooflineProbes.Ceilings? ceilings = null;
        if (roofline)
        {
            ceilings = RooflineProbes.Measure(cancellation);
            Console.WriteLine(ceilings.Describe());
        }

        if (sweep)
        {
            Sweep(ceilings, cancellation);
            return 0;
        }

        IDiffusedTarget target = RandomGaussianMixture.Create(size.Dimension, size.Components, 2.0, CovarianceForm.Isotropic, seed: 7, variance: 0.25);
        NoiseSchedule schedule = Li2024Schedule.Create(steps, 2, 6);
        var sampler = new AccOdeSampler();
        var score = new ExactScore(target);

        // Warm-up: the first calls compile the kernels (fully optimised at once: the app runs without tiered
        // compilation) and touch fresh memory; neither should count against the measurement.
        SamplerRunner.Stream(sampler, schedule, score, target, new SamplingOptions { Samples = 1024, Cancellation = cancellation }, (in FinishedBlock _) => { });
        SamplerRunner.Stream(sampler, schedule, score, target, new SamplingOptions { Samples = 64, AccumulateLogDeterminant = true, Cancellation = cancellation }, (in FinishedBlock _) => { });

        double achieved = Throughput("acc-ode exact-score", sampler, schedule, score, target, size, logDeterminant: false, cancellation);
        if (ceilings is not null)
        {
            PrintRoofline(ceilings, [(size.Dimension, size.Components, achieved)]);
        }

        if (plain)
        {
            return 0;
        }

        int logDetSamples = Math.Max(1, n / 20);
        Throughput("acc-ode exact-score + ln|det J|", sampler, schedule, score, target, size with { Samples = logDetSamples }, logDeterminant: true, cancellation);

        IDiffusedTarget bimodal = new IsotropicMixture([0.3, 0.7], [[-2.0], [1.5]], [0.09, 0.36]);
        NoiseSchedule quadratureSchedule = Li2024Schedule.Create(1000, 2, 6);
        foreach (string name in new[] { "ddim-type", "acc-ode", "ddpm-type", "acc-sde" })
        {
            var clock = Stopwatch.StartNew();
            try
            {
                DistanceReport report = DistanceEvaluator.Evaluate(new EvaluationRequest(
                    SamplerCatalog.Get(name), quadratureSchedule, bimodal, new ExactScore(bimodal), StartDistribution.Exact, DistanceMethod.Quadrature, Cancellation: cancellation));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"quadrature eval {name} bimodal-1d li2024 T=1000: {clock.Elapsed.TotalSeconds:F2} s (TV {report.TotalVariation.Value:E3}{(report.PathKl is { } p ? $", path KL {p.Value:E3}" : "")})"));
            }
            catch (InvalidSpecificationException e)
            {
                Console.WriteLine($"quadrature eval {name} bimodal-1d li2024 T=1000: skipped ({e.Message})");
            }
        }

        if (memory)
        {
            StreamingMemory(cancellation);
        }

        Console.WriteLine($"peak working set: {Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024):F0} MiB");
        return 0;
    }

    /// <summary>
    /// Flops the isotropic score kernel performs per row and evaluation (padding lanes not counted):
    /// |x|² (2d), the K dot products x·μ_k (2Kd), the logits, exponential and softmax (≈ 45 per component:
    /// 27 in the exponential's polynomial and reduction), and −κx + Σ_k c_k μ_k (d + 2Kd).
    /// </summary>
    private static double ScoreFlops(int d, int k) => (2.0 * d) + (2.0 * k * d) + (45.0 * k) + d + (2.0 * k * d);

    /// <summary>
    /// One acc-ode step: two score evaluations, Y_t⁻ (3 flops per coordinate) and the update (7 per
    /// coordinate). The finite check is not counted.
    /// </summary>
    private static double StepFlops(int d, int k) => (2 * ScoreFlops(d, k)) + (10.0 * d);

    /// <summary>
    /// The ln|det J| path on top, with the low-rank form (m = K per point, n = 2K): two Jacobians (weights
    /// as in a score evaluation, G in 3Kd), the Gram VᵀU (2n²d), the small products (2(2m³ + 3m²n)) and the
    /// n×n LU (⅔n³).
    /// </summary>
    private static double LogDeterminantFlops(int d, int k)
    {
        int n = 2 * k;
        return (2 * (ScoreFlops(d, k) + (3.0 * k * d))) + (2.0 * n * n * d) + (2.0 * ((2.0 * k * k * k) + (3.0 * k * k * n))) + (2.0 * n * n * n / 3);
    }

    /// <summary>Prints the throughput line; returns the GFLOP per CPU-second (one core's rate while the process has it).</summary>
    private static double Throughput(string label, Sampler sampler, NoiseSchedule schedule, IScore score, IDiffusedTarget target, BenchSize size, bool logDeterminant, CancellationToken cancellation)
    {
        (int n, int steps) = (size.Samples, size.Steps);
        (double samplesPerSecond, double samplesPerCpuSecond, double busy, int runs) = Measure(sampler, schedule, score, target, n, logDeterminant, cancellation);
        double rate = samplesPerSecond * (steps - 1);
        double cpuRate = samplesPerCpuSecond * (steps - 1);
        double seconds = runs * n / samplesPerSecond;
        double cpuSeconds = runs * n / samplesPerCpuSecond;
        double flopsPerStep = StepFlops(size.Dimension, size.Components) + (logDeterminant ? LogDeterminantFlops(size.Dimension, size.Components) : 0);

        // Wall-clock rates depend on what else the machine runs; the rate per CPU-second is what one core
        // delivers while this process has it (the runs are embarrassingly parallel over blocks).
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{label} d={size.Dimension} K={size.Components} N={n} T={steps}: {rate:0.00e+00} sample-steps/s, {rate * flopsPerStep / 1e9:F1} GFLOP/s = {100 * rate * flopsPerStep / 1e9 / PeakGflops():F0} % of nominal peak ({runs} run{(runs == 1 ? "" : "s")}, {seconds:F2} s wall); " +
            $"per CPU-second {cpuRate:0.00e+00} sample-steps, {cpuRate * flopsPerStep / 1e9:F1} GFLOP ({cpuSeconds:F2} CPU s, {busy:F2} cores busy; {flopsPerStep:F0} flop per sample-step)"));
        return cpuRate * flopsPerStep / 1e9;
    }

    /// <summary>
    /// Per size: the flops and bytes of a sample-step (<see cref="AccOdeTrafficModel"/>), the arithmetic
    /// intensities, where the block's working set lives, the attainable GFLOP/s of one core (the lowest of
    /// the measured roofs) and the achieved GFLOP per CPU-second as a percentage of it and of the measured
    /// FMA ceiling. Both sides are per core while the process has it, so a busy machine lowers neither.
    /// </summary>
    private static void PrintRoofline(RooflineProbes.Ceilings ceilings, IReadOnlyList<(int D, int K, double Gflops)> measured)
    {
        Console.WriteLine("roofline per core (acc-ode, per sample-step; bytes by the pass-by-pass model of AccOdeTrafficModel, vector operations by AccOdeInstructionModel; attainable = min(FMA, flop/L1 byte × L1 GB/s, flop/block byte × GB/s of the level the block lives in, flop / (exp operations / exp issue rate + other operations / stream issue rate)); achieved = GFLOP per CPU-second):");
        Console.WriteLine("   d    K     flop   L1 bytes   block bytes   flop/B L1   flop/B block   block in   vec ops (exp)   instr roof   attainable GFLOP/s (bound)   achieved   % of attainable   % of FMA");
        foreach ((int d, int k, double gflops) in measured)
        {
            AccOdeTrafficModel model = AccOdeTrafficModel.For(d, k, StepFlops(d, k), ceilings.Caches.L1);
            AccOdeInstructionModel instructions = AccOdeInstructionModel.For(d, k);
            double issueRoof = instructions.Gflops(model.Flops, ceilings.ExponentialIssue, ceilings.StreamIssue);
            (double attainable, string bound, string level) = model.Attainable(ceilings, instructions);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{d,4} {k,4} {model.Flops,8:F0} {model.L1Bytes,10:F0} {model.BlockBytes,13:F0} {model.Flops / model.L1Bytes,11:F2} {model.Flops / model.BlockBytes,14:F2}   {level,8}   {instructions.Total,6:F0} ({instructions.Exponential,4:F0})   {issueRoof,10:F1}   {attainable,9:F1} ({bound,-12})   {gflops,8:F1}   {100 * gflops / attainable,14:F0} %   {100 * gflops / ceilings.FmaGflops,6:F0} %"));
        }

        Console.WriteLine("vector operations per sample-step by pass (AccOdeInstructionModel):");
        foreach ((int d, int k, double _) in measured)
        {
            AccOdeInstructionModel instructions = AccOdeInstructionModel.For(d, k);
            string passes = string.Join("   ", instructions.Passes.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Pass} {p.Operations:F1}")));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{d,4} {k,4}   {passes}   total {instructions.Total:F1}"));
        }
    }

    /// <summary>Load average and nominal clock where Linux reports them.</summary>
    private static string MachineDetails()
    {
        double? mhz = NominalMegahertz();
        string load = ReadLoadAverage();
        return mhz is { } m ? string.Create(CultureInfo.InvariantCulture, $", {m / 1000:F2} GHz nominal, load average {load}") : $", load average {load}";
    }

    /// <summary>
    /// The FMA peak at the width in use: cores × GHz × 2 FMA units × lanes × 2 flops (two FMA pipes per core
    /// is the figure for current x86 cores; on a core whose 512-bit FMAs are split into two 256-bit halves
    /// the Vector512 figure is twice the true peak).
    /// </summary>
    private static string PeakDescription()
    {
        double? mhz = NominalMegahertz();
        if (mhz is null)
        {
            return "FMA peak unknown (no clock reported)";
        }

        int flopsPerCycle = 2 * Simd.Lanes * 2;
        double peak = Environment.ProcessorCount * mhz.Value * 1e-3 * flopsPerCycle;
        return string.Create(CultureInfo.InvariantCulture,
            $"nominal FMA peak at this width ≈ {Environment.ProcessorCount} cores × {mhz.Value / 1000:F2} GHz × 2 FMA units × {Simd.Lanes} lanes × 2 = {peak:F0} GFLOP/s (the reported clock; cores that boost above it exceed it: --roofline measures the real ceiling)");
    }

    private static double PeakGflops() =>
        NominalMegahertz() is { } mhz ? Environment.ProcessorCount * mhz * 1e-3 * (2 * Simd.Lanes * 2) : double.NaN;

    private static double? NominalMegahertz()
    {
        try
        {
            string? line = File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("cpu MHz", StringComparison.Ordinal)) : null;
            return line is not null && double.TryParse(line.Split(':')[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double mhz) ? mhz : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string ReadLoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";
        }
        catch (IOException)
        {
            return "?";
        }
    }

    /// <summary>
    /// acc-ode exact-score throughput over d × K; the per-CPU-second figures (against one core's peak) are
    /// what a core delivers while this process has it, the wall figures depend on what else the machine runs (random-gmm, isotropic, variance 0.25, mean scale 2, li2024
    /// T = 50): each cell runs N samples with N·49·flops ≈ 2·10¹⁰ (at least 256 samples), after a short
    /// warm-up on the same target.
    /// </summary>
    private static void Sweep(RooflineProbes.Ceilings? ceilings, CancellationToken cancellation)
    {
        var measured = new List<(int D, int K, double Gflops)>();
        const int steps = 50;
        NoiseSchedule schedule = Li2024Schedule.Create(steps, 2, 6);
        var sampler = new AccOdeSampler();
        double peak = PeakGflops();
        double corePeak = peak / Environment.ProcessorCount;
        Console.WriteLine("   d    K        N   sample-steps/s   GFLOP/s   % of nominal   per CPU-s GFLOP   % of nominal core   cores busy");
        foreach (int d in new[] { 16, 64, 256, 1024 })
        {
            foreach (int k in new[] { 2, 8, 32 })
            {
                IDiffusedTarget target = RandomGaussianMixture.Create(d, k, 2.0, CovarianceForm.Isotropic, seed: 7, variance: 0.25);
                var score = new ExactScore(target);
                double flopsPerStep = StepFlops(d, k);
                int n = (int)Math.Clamp(2e10 / (flopsPerStep * (steps - 1)), 256, 1_000_000);
                // One warm-up run: compilation is at first call (no tiering), so a second round measured nothing new.
                SamplerRunner.Stream(sampler, schedule, score, target, new SamplingOptions { Samples = Math.Min(n, 512), Cancellation = cancellation }, (in FinishedBlock _) => { });

                (double rate, double cpuRate, double busy, _) = Measure(sampler, schedule, score, target, n, logDeterminant: false, cancellation);
                double rateSteps = rate * (steps - 1);
                double gflops = rateSteps * flopsPerStep / 1e9;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{d,4} {k,4} {n,8}   {rateSteps,14:0.00e+00}   {gflops,7:F1}   {100 * gflops / peak,11:F0} %   {cpuRate * (steps - 1) * flopsPerStep / 1e9,15:F1}   {100 * cpuRate * (steps - 1) * flopsPerStep / 1e9 / corePeak,15:F0} %   {busy,10:F2}"));
                measured.Add((d, k, cpuRate * (steps - 1) * flopsPerStep / 1e9));
            }
        }

        if (ceilings is not null)
        {
            PrintRoofline(ceilings, measured);
        }
    }

    /// <summary>
    /// Samples per wall second, per CPU second, and cores busy, over runs of N samples repeated until
    /// <see cref="MinimumMeasuredSeconds"/> of wall time have passed (at least one run): a single run at the
    /// small sizes takes ≈ 20 ms, short enough for a scheduler tick or the parallel loop's start to show.
    /// </summary>
    private static (double Rate, double CpuRate, double Busy, int Runs) Measure(Sampler sampler, NoiseSchedule schedule, IScore score, IDiffusedTarget target, int n, bool logDeterminant, CancellationToken cancellation)
    {
        var options = new SamplingOptions { Samples = n, Seed = 1, AccumulateLogDeterminant = logDeterminant, Cancellation = cancellation };
        var process = Process.GetCurrentProcess();
        TimeSpan cpuBefore = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        long samples = 0;
        do
        {
            SamplerRunner.Stream(sampler, schedule, score, target, options, (in FinishedBlock _) => { });
            samples += n;
        }
        while (clock.Elapsed.TotalSeconds < MinimumMeasuredSeconds);

        double seconds = clock.Elapsed.TotalSeconds;
        process.Refresh();
        double cpuSeconds = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
        return (samples / seconds, samples / cpuSeconds, cpuSeconds / seconds, (int)(samples / n));
    }

    private const double MinimumMeasuredSeconds = 0.5;

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
