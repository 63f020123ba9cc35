using Diffusion.Verify.Experiments.Configuration;
using Diffusion.Verify.Experiments.Pipeline;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// Extension of T-sweeps by doubling (maxSteps): series extend only while their local slopes have not
/// settled or their TV is saturated, never beyond maxSteps; the decision depends on the values alone, so
/// a run interrupted during the extension and resumed ends with exactly the rows of an uninterrupted run.
/// </summary>
public sealed class SeriesExtensionTests : IDisposable
{
    private readonly PipelineScratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    /// <summary>N(0, 4 I) in d = 1000 with the exact evaluator: ddim-type's TV is saturated at the configured steps.</summary>
    private static string Config(string maxSteps) => $$"""
        {
          "name": "ext",
          "target": { "kind": "gaussian", "dimension": 1000, "variance": 4.0 },
          "samplers": ["ddim-type", "acc-ode"],
          "schedules": [ { "kind": "logsnr" } ],
          "steps": [64, 128, 256],
          "start": "exact"{{maxSteps}}
        }
        """;

    private static List<ResultRow> Run(string config, string directory, bool resume = false, Action<SweepPoint>? finished = null, CancellationToken cancellation = default)
    {
        new ExperimentRun(directory, resume, Shard.Whole, TextWriter.Null) { PointFinished = finished }.Run([ExperimentConfig.Load(config, quick: false)], cancellation);
        return ResultStore.Read(ResultStore.PathFor(directory, "ext"));
    }

    [Fact]
    public void SaturatedSeriesAreDoubledUntilResolvedAndSettledButNeverBeyondMaxSteps()
    {
        string config = _scratch.Write("ext.json", Config(""", "maxSteps": 262144"""));
        var rows = Run(config, _scratch["a"]);
        var ddim = rows.Where(r => r.Sampler == "ddim-type" && r.Metric == Metrics.Tv).OrderBy(r => r.T).ToList();

        Assert.True(ddim[^1].T > 256, "ddim-type was not extended");
        Assert.True(ddim[^1].T <= 262144);
        Assert.All(ddim.Zip(ddim.Skip(1)), p => Assert.Equal(2 * p.First.T, p.Second.T));
        Assert.True(ddim.Count(r => r.Value < 0.5) >= 3 || ddim[^1].T == 262144);
        Assert.False(SeriesExtension.NeedsMore(rows.Where(r => r.Sampler == "ddim-type").ToList()) && ddim[^1].T * 2 <= 262144);

        // Without maxSteps nothing is extended.
        string plain = _scratch.Write("plain.json", Config(""));
        Assert.Equal(256, Run(plain, _scratch["b"]).Max(r => r.T));
    }

    [Fact]
    public void AnInterruptedExtensionResumesToTheRowsOfAnUninterruptedRun()
    {
        string config = _scratch.Write("ext.json", Config(""", "maxSteps": 262144"""));
        var reference = Run(config, _scratch["reference"]);

        // Cancel once the first extension point is on disk, then resume.
        using var cancellation = new CancellationTokenSource();
        try
        {
            Run(config, _scratch["resumed"], finished: p => { if (p.Steps > 256) { cancellation.Cancel(); } }, cancellation: cancellation.Token);
        }
        catch (OperationCanceledException)
        {
        }

        Run(config, _scratch["resumed"], resume: true);
        Assert.Equal(
            PipelineTestFiles.LinesWithoutSeconds(ResultStore.PathFor(_scratch["reference"], "ext")),
            PipelineTestFiles.LinesWithoutSeconds(ResultStore.PathFor(_scratch["resumed"], "ext")));
        Assert.True(reference.Max(r => r.T) > 256);
    }

    [Theory]
    [InlineData(""", "maxSteps": 100""", "ext.json:$.maxSteps")]
    [InlineData(""", "seriesBudgetSeconds": 10""", "ext.json:$.seriesBudgetSeconds")]
    [InlineData(""", "maxSteps": 1024, "seriesBudgetSeconds": -1""", "ext.json:$.seriesBudgetSeconds")]
    public void BadExtensionKeysAreRefusedNamingTheirPath(string extra, string path)
    {
        string config = _scratch.Write("ext.json", Config(extra));
        var e = Assert.Throws<InvalidSpecificationException>(() => ExperimentConfig.Load(config, quick: false));
        Assert.Equal(path, e.Field);
    }
}
