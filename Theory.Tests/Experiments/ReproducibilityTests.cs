using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Targets;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// A run's output is a function of (seed, sample index) alone: thread count and block size change speed,
/// never bits; a different seed changes the output.
/// </summary>
public sealed class ReproducibilityTests
{
    private const int Samples = 300;
    private static readonly NoiseSchedule Schedule = new ScheduleSpec("li2024", C0: 2, C1: 3).Build(25);
    private static readonly IsotropicMixture Target = SamplerTestTargets.Anisotropic3D();

    public static TheoryData<string> Names() => new("acc-sde", "acc-ode-ms", "dpm-solver-2", "ddpm-posterior");

    [Theory]
    [MemberData(nameof(Names))]
    public void ThreadsAndBlockSizeDoNotChangeBits(string name)
    {
        Sampler sampler = SamplerCatalog.Get(name);
        SampleSet reference = Run(sampler, seed: 11, threads: 1, blockSize: 128);
        Assert.Equal(sampler.SupportsLogDeterminant, reference.LogDeterminant is not null);
        foreach (int threads in new[] { 1, 2, 4 })
        {
            foreach (int blockSize in new[] { 1, 7, 128 })
            {
                SampleSet other = Run(sampler, seed: 11, threads, blockSize);
                Assert.True(reference.Output.AsSpan().SequenceEqual(other.Output), $"{name}: output differs at {threads} threads, block size {blockSize}");
                if (reference.LogDeterminant is not null)
                {
                    Assert.True(reference.LogDeterminant.AsSpan().SequenceEqual(other.LogDeterminant), $"{name}: ln|det J| differs at {threads} threads, block size {blockSize}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void DifferentSeedsGiveDifferentOutputs(string name)
    {
        Sampler sampler = SamplerCatalog.Get(name);
        SampleSet first = Run(sampler, seed: 11, threads: 2, blockSize: 7);
        SampleSet second = Run(sampler, seed: 12, threads: 2, blockSize: 7);
        int equal = 0;
        for (int k = 0; k < first.Output.Length; k++)
        {
            equal += first.Output[k] == second.Output[k] ? 1 : 0;
        }

        Assert.Equal(0, equal);
    }

    private static SampleSet Run(Sampler sampler, long seed, int threads, int blockSize) =>
        SamplerRunner.Run(sampler, Schedule, SamplerTestTargets.Exact(Target), Target, new SamplingOptions
        {
            Samples = Samples,
            Seed = seed,
            BlockSize = blockSize,
            MaxDegreeOfParallelism = threads,
            AccumulateLogDeterminant = !sampler.IsStochastic,
        });
}
