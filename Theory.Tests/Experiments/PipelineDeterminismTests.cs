using Diffusion.Verify.Distances;
using Diffusion.Verify.Experiments.Pipeline;
using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Scores;
using Diffusion.Verify.Targets;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// Results are a function of the config alone: a run on one processor (DOTNET_PROCESSOR_COUNT=1, so the
/// sampler blocks run one after another) and a run on every processor give identical result CSVs
/// (Seconds aside), fits CSVs, figures and summary.md, both as child processes and in-process; and the
/// evaluator itself gives the same bits for any MaxDegreeOfParallelism and block size.
/// </summary>
public sealed class PipelineDeterminismTests : IDisposable
{
    private readonly PipelineScratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public void OneProcessorAndAllProcessorsGiveIdenticalOutputs()
    {
        // Several blocks of 128 samples per point, so that there is something to run in parallel.
        string config = _scratch.Write("small.json", PipelineTestFiles.SmallConfig(n: 1000, steps: "[32, 64, 128]"));
        var one = new Dictionary<string, string> { ["DOTNET_PROCESSOR_COUNT"] = "1" };
        var (code, error) = PipelineTestFiles.RunChild(_scratch.Root, one, "run", config, "--out", _scratch["one"]);
        Assert.True(code == 0, error);
        (code, error) = PipelineTestFiles.RunChild(_scratch.Root, null, "run", config, "--out", _scratch["all"]);
        Assert.True(code == 0, error);
        var (inProcess, _, inProcessError) = PipelineTestFiles.Cli("run", config, "--out", _scratch["in-process"]);
        Assert.True(inProcess == 0, inProcessError);

        PipelineTestFiles.AssertSameOutputs(_scratch["one"], _scratch["all"], "small");
        PipelineTestFiles.AssertSameOutputs(_scratch["one"], _scratch["in-process"], "small");
        Assert.Equal(6, ResultStore.Read(ResultStore.PathFor(_scratch["one"], "small")).Select(r => r.PointKey).Distinct().Count());
    }

    [Theory]
    [InlineData("acc-ode")]
    [InlineData("ddim-type")]
    public void TheEvaluatorGivesTheSameBitsForAnyThreadCountAndBlockSize(string samplerName)
    {
        IDiffusedTarget target = TargetJson.Parse(PipelineTestFiles.BimodalTarget);
        Sampler sampler = SamplerCatalog.Get(samplerName);
        NoiseSchedule schedule = new ScheduleSpec("logsnr").Build(64);
        var options = new SamplingOptions { Samples = 1000, Seed = 5, Start = StartDistribution.Exact };
        DistanceReport Evaluate(SamplingOptions o) => DensityMonteCarloEvaluator.Evaluate(sampler, schedule, new ExactScore(target), target, o);

        DistanceReport reference = Evaluate(options with { MaxDegreeOfParallelism = 1 });
        foreach (SamplingOptions variant in new[] { options, options with { BlockSize = 37 }, options with { MaxDegreeOfParallelism = 3, BlockSize = 1000 } })
        {
            DistanceReport report = Evaluate(variant);
            Assert.Equal(reference.TotalVariation, report.TotalVariation);
            Assert.Equal(reference.KlSamplerToTarget, report.KlSamplerToTarget);
            Assert.Equal(reference.KlTargetToSampler, report.KlTargetToSampler);
        }

        // ...while another seed does change them, so the comparison above can fail.
        Assert.NotEqual(reference.TotalVariation, Evaluate(options with { Seed = 6 }).TotalVariation);
    }
}
