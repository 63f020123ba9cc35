using System.Diagnostics;
using System.Globalization;
using Diffusion.Verify.Numerics.Vectorization;

namespace Diffusion.Verify.Experiments.Commands;

/// <summary>
/// This machine's attainable ceilings at the SIMD width in use, measured rather than taken from a data
/// sheet (no hardware counters needed): the FMA throughput of register-resident independent FMA chains,
/// and the bandwidth of a triad a = b + s·c whose three arrays fit in L1, in L2 or in L3. Every probe
/// runs on all cores at once, each thread on its own data, as the sampler does; the figures are per core
/// (per CPU-second of one thread). Triad bytes count the two loads and one store per element (24 bytes), not the line
/// reads a store miss may add. The instruction roof: how many vector operations per second a core issues
/// in the kernels' own sequences (<see cref="InstructionMixPasses"/>: the softmax's exponential loop, and
/// acc-ode's update — loads, multiplies, adds, a store), over arrays that stay in L1.
/// </summary>
public static class RooflineProbes
{
    /// <summary>Independent FMA chains per thread: 4-cycle latency × 2 FMA pipes needs 8 in flight; 12 leaves slack.</summary>
    private const int Chains = InstructionMixPasses.FusedMultiplyAddChains;

    /// <summary>The measured ceilings per core; bandwidths in GB/s (10⁹ bytes), FMA throughput in GFLOP/s.</summary>
    /// <remarks>
    /// <see cref="ExponentialIssue"/> and <see cref="StreamIssue"/>: 10⁹ vector operations per second (counted
    /// as <see cref="InstructionMixPasses"/> counts them) in the exponential loop and in the update stream;
    /// infinite when not measured.
    /// </remarks>
    public sealed record Ceilings(int Threads, double FmaGflops, double L1Bandwidth, double L2Bandwidth, double L3Bandwidth, CacheSizes Caches, double ExponentialIssue = double.PositiveInfinity, double StreamIssue = double.PositiveInfinity)
    {
        /// <summary>The triad bandwidth of the smallest level a working set of <paramref name="bytes"/> per core fits in (L3: shared by all cores).</summary>
        public (string Level, double Bandwidth) LevelFor(double bytes) =>
            bytes <= Caches.L1 ? ("L1", L1Bandwidth)
            : bytes <= Caches.L2 ? ("L2", L2Bandwidth)
            : ("L3", L3Bandwidth);

        public string Describe() => string.Create(CultureInfo.InvariantCulture,
            $"measured ceilings per core ({Simd.Name(Simd.Width)}, all {Threads} cores busy, each thread on its own data, per CPU-second): FMA {FmaGflops:F1} GFLOP/s ({Chains} independent chains per thread); " +
            $"triad a = b + s·c, 24 bytes per element: L1 {L1Bandwidth:F0} GB/s (3 × {Caches.L1 / 6 / 1024} KiB per thread), L2 {L2Bandwidth:F0} GB/s (3 × {Caches.L2 / 6 / 1024} KiB), " +
            $"L3 {L3Bandwidth:F0} GB/s (3 × {L3ArrayBytes(Caches, Threads) / 1024} KiB); caches per core L1d {Caches.L1 / 1024} KiB, L2 {Caches.L2 / 1024} KiB, L3 {Caches.L3 / 1024} KiB shared; " +
            $"vector operations issued: {ExponentialIssue:F1}·10⁹/s in the softmax's exponential loop ({InstructionMixPasses.SoftmaxExponentialOperations} per vector), {StreamIssue:F1}·10⁹/s in acc-ode's update stream ({InstructionMixPasses.UpdateOperations} per vector), both over {MixBytes / 1024} KiB arrays in L1");
    }

    /// <summary>Data-cache sizes in bytes: L1d and L2 per core, L3 shared.</summary>
    public sealed record CacheSizes(long L1, long L2, long L3);

    public static Ceilings Measure(CancellationToken cancellation)
    {
        int threads = Environment.ProcessorCount;
        CacheSizes caches = ReadCacheSizes();
        double fma = RunOnAllCores(threads, _ => FmaProbe(), cancellation);
        double l1 = RunOnAllCores(threads, _ => TriadProbe(caches.L1 / 6), cancellation);
        double l2 = RunOnAllCores(threads, _ => TriadProbe(caches.L2 / 6), cancellation);
        double l3 = RunOnAllCores(threads, _ => TriadProbe(L3ArrayBytes(caches, threads)), cancellation);
        double exponential = RunOnAllCores(threads, _ => ExponentialIssueProbe(), cancellation);
        double stream = RunOnAllCores(threads, _ => UpdateIssueProbe(), cancellation);
        return new Ceilings(threads, fma / 1e9, l1 / 1e9, l2 / 1e9, l3 / 1e9, caches, exponential / 1e9, stream / 1e9);
    }

    /// <summary>Bytes per array of the instruction probes: 4 KiB, three arrays well inside any L1d.</summary>
    private const int MixBytes = 4096;

    /// <summary>Vector operations of the softmax's exponential loop over an L1-resident array (inputs in [−1, 0]), run for about 0.2 s.</summary>
    private static double ExponentialIssueProbe()
    {
        int n = MixBytes / sizeof(double);
        var input = new double[n];
        var output = new double[n];
        for (int i = 0; i < n; i++)
        {
            input[i] = -(i % 97) / 97.0;
        }

        long operations = 0;
        var clock = Stopwatch.StartNew();
        do
        {
            for (int i = 0; i < 64; i++)
            {
                operations += InstructionMixPasses.Exponentials(input, output);
            }
        }
        while (clock.Elapsed.TotalSeconds < 0.2);
        Sink = output[n / 2];
        return operations;
    }

    /// <summary>Vector operations of acc-ode's update pass over three L1-resident arrays, run for about 0.2 s.</summary>
    private static double UpdateIssueProbe()
    {
        int n = MixBytes / sizeof(double);
        var y = new double[n];
        var score = new double[n];
        var scoreAtMinus = new double[n];
        y.AsSpan().Fill(1.0);
        score.AsSpan().Fill(0.5);
        scoreAtMinus.AsSpan().Fill(0.25);
        long operations = 0;
        var clock = Stopwatch.StartNew();
        do
        {
            for (int i = 0; i < 64; i++)
            {
                operations += InstructionMixPasses.Updates(y, score, scoreAtMinus);
            }
        }
        while (clock.Elapsed.TotalSeconds < 0.2);
        Sink = y[n / 2];
        return operations;
    }

    /// <summary>Per array: the threads' three arrays together fill half the L3, and each is at least twice the L2.</summary>
    private static long L3ArrayBytes(CacheSizes caches, int threads) => Math.Max(caches.L3 / (6 * threads), 2 * caches.L2);

    /// <summary>
    /// Median over 3 rounds of the rate (units per CPU-second of one thread, i.e. of one core while the
    /// process has it) of <paramref name="probe"/> run on every core at once. Per CPU-second rather than per
    /// wall second, so that other processes on a shared machine lower the wall figures of probes and kernel
    /// alike but not this ceiling; on an idle machine the two are the same.
    /// </summary>
    private static double RunOnAllCores(int threads, Func<int, double> probe, CancellationToken cancellation)
    {
        var rounds = new List<double>();
        var process = Process.GetCurrentProcess();
        for (int round = 0; round < 3; round++)
        {
            cancellation.ThrowIfCancellationRequested();
            var units = new double[threads];
            using var start = new Barrier(threads + 1);
            using var finish = new Barrier(threads + 1);
            var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
            {
                probe(t);
                start.SignalAndWait();
                units[t] = probe(t);
                finish.SignalAndWait();
            })).ToList();
            workers.ForEach(w => w.Start());
            start.SignalAndWait();
            process.Refresh();
            TimeSpan before = process.TotalProcessorTime;
            finish.SignalAndWait();
            process.Refresh();
            double cpuSeconds = (process.TotalProcessorTime - before).TotalSeconds;
            workers.ForEach(w => w.Join());
            rounds.Add(units.Sum() / cpuSeconds);
        }

        rounds.Sort();
        return rounds[1];
    }

    /// <summary>Flops of <see cref="Chains"/> independent FMA chains held in registers, run for about 0.2 s.</summary>
    private static double FmaProbe()
    {
        const long iterations = 4_000_000;
        long repeats = 0;
        var clock = Stopwatch.StartNew();
        do
        {
            Sink = InstructionMixPasses.FusedMultiplyAdds(iterations);
            repeats++;
        }
        while (clock.Elapsed.TotalSeconds < 0.2);
        return 2.0 * Simd.Lanes * Chains * iterations * repeats;
    }

    /// <summary>Keeps the probes' results alive so the JIT cannot drop their work.</summary>
    public static double Sink { get; private set; }

    /// <summary>Bytes of a = b + s·c over three arrays of <paramref name="arrayBytes"/> each, run for about 0.2 s.</summary>
    private static double TriadProbe(long arrayBytes)
    {
        int n = (int)Math.Max(64, arrayBytes / sizeof(double)) / 64 * 64;
        var a = new double[n];
        var b = new double[n];
        var c = new double[n];
        b.AsSpan().Fill(1.0);
        c.AsSpan().Fill(2.0);
        long passes = 0;
        InstructionMixPasses.Triad(a, b, c, 0.5);
        var clock = Stopwatch.StartNew();
        do
        {
            for (int i = 0; i < 16; i++)
            {
                InstructionMixPasses.Triad(a, b, c, 0.5);
            }

            passes += 16;
        }
        while (clock.Elapsed.TotalSeconds < 0.2);
        Sink = a[n / 2];
        return 24.0 * n * passes;
    }

    /// <summary>Cache sizes from Linux's sysfs where it reports them, else 32 KiB / 1 MiB / 32 MiB.</summary>
    private static CacheSizes ReadCacheSizes()
    {
        long l1 = 32 * 1024, l2 = 1024 * 1024, l3 = 32 * 1024 * 1024;
        const string root = "/sys/devices/system/cpu/cpu0/cache";
        try
        {
            if (Directory.Exists(root))
            {
                foreach (string index in Directory.GetDirectories(root, "index*"))
                {
                    string level = File.ReadAllText(Path.Combine(index, "level")).Trim();
                    string type = File.ReadAllText(Path.Combine(index, "type")).Trim();
                    long? size = ParseSize(File.ReadAllText(Path.Combine(index, "size")).Trim());
                    if (size is not { } bytes || type == "Instruction")
                    {
                        continue;
                    }

                    switch (level)
                    {
                        case "1": l1 = bytes; break;
                        case "2": l2 = bytes; break;
                        case "3": l3 = bytes; break;
                    }
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return new CacheSizes(l1, l2, l3);
    }

    private static long? ParseSize(string text)
    {
        long multiplier = text.EndsWith('K') ? 1024 : text.EndsWith('M') ? 1024 * 1024 : 1;
        return long.TryParse(text.TrimEnd('K', 'M'), NumberStyles.Integer, CultureInfo.InvariantCulture, out long value) ? value * multiplier : null;
    }
}
