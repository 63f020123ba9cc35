using Diffusion.Verify.Experiments.Configuration;
using Diffusion.Verify.Experiments.Pipeline;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// --shard i/n splits every sweep into disjoint parts, and merging the parts gives byte-identical result
/// CSVs (Seconds aside), fits CSVs and summary.md to a single run; incomplete or inconsistent shard
/// sets are refused.
/// </summary>
public sealed class ShardMergeTests : IDisposable
{
    private readonly PipelineScratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    /// <summary>A d-sweep with a score perturbation: dimensions, perturbation labels and ε rows all go through sharding.</summary>
    private const string DimensionSweep = """
        {
          "name": "dsweep",
          "target": { "kind": "gaussian", "dimension": 1, "variance": 4.0 },
          "dimensions": [1, 3],
          "samplers": ["ddim-type"],
          "schedules": [ { "kind": "logsnr" } ],
          "steps": [32, 64, 128],
          "perturbations": [ { "kind": "scaled", "magnitude": 0.05 } ],
          "start": "exact",
          "n": 300
        }
        """;

    private (int Code, string Error) Cli(params string[] args)
    {
        var (code, _, error) = PipelineTestFiles.Cli(args);
        return (code, error);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public void ShardsPartitionThePoints(int count)
    {
        string path = _scratch.Write("d.json", DimensionSweep);
        var points = SweepPoint.Enumerate(ExperimentConfig.Load(path, quick: false));
        for (int position = 0; position < points.Count; position++)
        {
            Assert.Equal(1, Enumerable.Range(0, count).Count(i => new Shard(i, count).Owns(position)));
        }
    }

    [Fact]
    public void MergedShardsEqualASingleRun()
    {
        string small = _scratch.Write("small.json", PipelineTestFiles.SmallConfig());
        string sweep = _scratch.Write("dsweep.json", DimensionSweep);
        var (code, error) = Cli("run", small, sweep, "--out", _scratch["single"]);
        Assert.True(code == 0, error);

        // Two shards into one shared directory, merged in place.
        foreach (string shard in new[] { "1/2", "0/2" })
        {
            (code, error) = Cli("run", small, sweep, "--out", _scratch["shared"], "--shard", shard);
            Assert.True(code == 0, error);
        }

        Assert.False(File.Exists(_scratch["shared/small.csv"]), "a shard run must not write the experiment's CSV");
        (code, error) = Cli("merge", _scratch["shared"]);
        Assert.True(code == 0, error);
        PipelineTestFiles.AssertSameOutputs(_scratch["single"], _scratch["shared"], "small");
        PipelineTestFiles.AssertSameOutputs(_scratch["single"], _scratch["shared"], "dsweep");

        // Three shards in three directories (as on machines without a shared disk), merged elsewhere.
        for (int i = 0; i < 3; i++)
        {
            (code, error) = Cli("run", small, sweep, "--out", _scratch[$"part{i}"], "--shard", $"{i}/3");
            Assert.True(code == 0, error);
        }

        (code, error) = Cli("merge", _scratch["part0"], _scratch["part1"], _scratch["part2"], "--out", _scratch["merged"]);
        Assert.True(code == 0, error);
        PipelineTestFiles.AssertSameOutputs(_scratch["single"], _scratch["merged"], "small");
        PipelineTestFiles.AssertSameOutputs(_scratch["single"], _scratch["merged"], "dsweep");
    }

    [Fact]
    public void AShardWithoutPointsMergesToo()
    {
        string config = _scratch.Write("tiny.json", PipelineTestFiles.SmallConfig("tiny", steps: "[32, 64, 128]", samplers: """["ddim-type"]"""));
        var (code, error) = Cli("run", config, "--out", _scratch["single"]);
        Assert.True(code == 0, error);
        for (int i = 0; i < 4; i++)
        {
            (code, error) = Cli("run", config, "--out", _scratch["shards"], "--shard", $"{i}/4");
            Assert.True(code == 0, error);
        }

        Assert.Empty(ResultStore.Read(_scratch["shards/tiny.shard-3-of-4.csv"]));
        (code, error) = Cli("merge", _scratch["shards"]);
        Assert.True(code == 0, error);
        PipelineTestFiles.AssertSameOutputs(_scratch["single"], _scratch["shards"], "tiny");
    }

    [Fact]
    public void IncompleteOrInconsistentShardSetsAreRefused()
    {
        string config = _scratch.Write("tiny.json", PipelineTestFiles.SmallConfig("tiny", steps: "[32, 64, 128]", samplers: """["ddim-type"]"""));
        string other = _scratch.Write("other/tiny.json", PipelineTestFiles.SmallConfig("tiny", n: 300, steps: "[32, 64, 128]", samplers: """["ddim-type"]"""));

        // Missing shard.
        Assert.Equal(0, Cli("run", config, "--out", _scratch["a"], "--shard", "0/2").Code);
        var (code, error) = Cli("merge", _scratch["a"]);
        Assert.Equal(2, code);
        Assert.Contains("missing shard(s) 1 of 2: all shards must be present to merge", error);
        Assert.False(File.Exists(_scratch["a/tiny.csv"]), "a refused merge must write nothing");

        // Shards from different configs (n = 400 and n = 300).
        Assert.Equal(0, Cli("run", other, "--out", _scratch["a"], "--shard", "1/2").Code);
        (code, error) = Cli("merge", _scratch["a"]);
        Assert.Equal(2, code);
        Assert.Contains("the shards were run from different configs", error);

        // The same shard twice.
        Assert.Equal(0, Cli("run", config, "--out", _scratch["b"], "--shard", "0/2").Code);
        (code, error) = Cli("merge", _scratch["a"], _scratch["b"]);
        Assert.Equal(2, code);
        Assert.Contains("shard 0 of 2 found 2 times", error);

        // An unfinished shard: its journal does not end with "complete".
        Assert.Equal(0, Cli("run", config, "--out", _scratch["b"], "--shard", "1/2").Code);
        string journal = PointJournal.PathFor(_scratch["b/tiny.shard-1-of-2.csv"]);
        File.WriteAllText(journal, File.ReadAllText(journal).Replace("complete\n", ""));
        (code, error) = Cli("merge", _scratch["b"]);
        Assert.Equal(2, code);
        Assert.Contains("shard 1/2 unfinished (1 points so far): finish it first: run CONFIG --resume --shard 1/2", error);

        // Finished, it merges.
        Assert.Equal(0, Cli("run", config, "--out", _scratch["b"], "--shard", "1/2", "--resume").Code);
        Assert.Equal(0, Cli("merge", _scratch["b"]).Code);
        Assert.Equal(3, ResultStore.Read(_scratch["b/tiny.csv"]).Select(r => r.PointKey).Distinct().Count());
    }
}
