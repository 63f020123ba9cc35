using System.Text.RegularExpressions;
using Diffusion.Verify.Experiments.Pipeline;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// Exit codes and messages of the CLI, through the in-process entry point: 0 ok, 1 a contradicted claim
/// (verify), 2 bad input, 3 numerical failure, 130 cancelled.
/// </summary>
public sealed class PipelineExitCodeTests : IDisposable
{
    private readonly PipelineScratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Theory]
    [InlineData("frobnicate", "unknown command 'frobnicate'; commands: run, sample, eval")]
    [InlineData("run --speed 3", "unknown option '--speed' for 'run'")]
    [InlineData("run --quik", "unknown option '--quik' for 'run' (did you mean '--quick'?)")]
    [InlineData("run no-such-config.json", "CONFIG = no-such-config.json: no such file")]
    [InlineData("run --shard 2/2", "--shard = 2/2: must be i/n with 0 ≤ i < n")]
    [InlineData("merge", "Required argument 'DIR' missing for command: 'merge'")]
    [InlineData("verify no-such-directory", "DIR = no-such-directory: no such directory")]
    [InlineData("eval --target t.json --sampler acc-od --steps 10", "--sampler = acc-od: allowed: ddim-type, ddpm-type")]
    [InlineData("sample --target t.json --sampler acc-ode --steps 1", "--steps = 1: must be an integer from 2 to 10000000")]
    [InlineData("eval --sampler acc-ode --steps 10", "Option '--target' is required")]
    public void BadInputExitsTwoWithAMessage(string commandLine, string message)
    {
        var (code, _, error) = PipelineTestFiles.Cli(commandLine.Split(' '));
        Assert.Equal(2, code);
        Assert.Contains("error: " + message, error);
    }

    /// <summary>
    /// An empty, blank or NUL-holding path anywhere a command takes one is bad input naming the flag, not an
    /// internal error from the file APIs (FuzzedInputTests found <c>merge DIR ""</c>, exit 4) nor, for a blank
    /// one, a directory named " " holding a whole run. Arguments are separated by '|' so that empty ones can be written.
    /// </summary>
    [Theory]
    [InlineData("merge|somewhere|", "DIR = \"\": must be a path (not empty or blank, no NUL character)")]
    [InlineData("merge|somewhere|--out|", "--out = \"\": must be a path")]
    [InlineData("run||--quick", "CONFIG = \"\": must be a path")]
    [InlineData("run|--quick|--out| ", "--out = \" \": must be a path")]
    [InlineData("validate|x.json|\t", "CONFIG = \"\t\": must be a path")]
    [InlineData("verify|", "DIR = \"\": must be a path")]
    [InlineData("plot|  ", "DIR = \"  \": must be a path")]
    [InlineData("eval|--target||--sampler|ddim|--steps|50", "--target = \"\": must be a path")]
    [InlineData("sample|--target|t.json|--sampler|ddim|--steps|50|--out|", "--out = \"\": must be a path")]
    [InlineData("sample|--target|t\0.json|--sampler|ddim|--steps|50", "--target = \"t\\0.json\": must be a path")]
    public void AnEmptyOrBlankPathExitsTwoNamingTheFlag(string commandLine, string message)
    {
        string[] args = commandLine.Split('|');
        var (code, _, error) = PipelineTestFiles.Cli(args);
        Assert.True(code == 2, $"exit {code}: {error}");
        Assert.Contains("error: " + message, error);
        Assert.False(Directory.Exists(" "), "a blank --out must not become a directory");
    }

    /// <summary>
    /// An output path that cannot be written — a directory where a file goes, a file where a directory goes, a
    /// file on the way — is refused up front naming the flag; sample had drawn all its samples first and then
    /// failed with the operating system's "Is a directory".
    /// </summary>
    [Fact]
    public void AnOutputPathThatCannotBeWrittenIsRefusedBeforeAnyWork()
    {
        string target = _scratch.Write("t.json", """{ "kind": "gaussian", "dimension": 2, "variance": 0.5 }""");
        string file = _scratch.Write("a-file", "x");
        string config = _scratch.Write("small.json", PipelineTestFiles.SmallConfig());
        var (sharded, _, shardError) = PipelineTestFiles.Cli("run", config, "--shard", "0/2", "--out", _scratch["shards"]);
        Assert.True(sharded == 0, shardError);
        (string[] Args, string Message)[] cases =
        [
            (["sample", "--target", target, "--sampler", "ddim", "--steps", "50", "--n", "10", "--out", _scratch.Root], $"--out = {_scratch.Root}: is a directory; name a file"),
            (["sample", "--target", target, "--sampler", "ddim", "--steps", "50", "--n", "10", "--out", Path.Combine(file, "x.csv")], $"--out = {Path.Combine(file, "x.csv")}: {file} is a file, not a directory"),
            (["run", config, "--out", file], $"--out = {file}: is a file; name a directory"),
            (["run", config, "--out", Path.Combine(file, "sub")], $"--out = {Path.Combine(file, "sub")}: {file} is a file, not a directory"),
            (["merge", _scratch["shards"], "--out", file], $"--out = {file}: is a file; name a directory"),
            (["merge", file], $"DIR = {file}: no such directory"), // --out defaults to the first DIR: its own message, not --out's
        ];
        foreach ((string[] args, string message) in cases)
        {
            var (code, _, error) = PipelineTestFiles.Cli(args);
            Assert.True(code == 2, $"{string.Join(' ', args)}: exit {code}: {error}");
            Assert.Contains("error: " + message, error);
            Assert.DoesNotContain("running ", error);
        }
    }

    /// <summary>
    /// A Monte Carlo estimate from one sample has no standard error: it had printed "(tolerance 0.0E+000)", the
    /// form of an exact method, and a sweep point resting on it would have counted as resolved.
    /// </summary>
    [Theory]
    [InlineData("density-mc")]
    [InlineData("samples")]
    public void AMonteCarloMethodWithOneSampleIsBadInput(string method)
    {
        string target = _scratch.Write("t.json", """{ "kind": "gmm", "weights": [0.3, 0.7], "means": [[-2.0], [1.5]], "variances": [0.09, 0.36] }""");
        var (code, output, error) = PipelineTestFiles.Cli("eval", "--target", target, "--sampler", "ddim", "--steps", "50", "--method", method, "--n", "1");
        Assert.True(code == 2, $"exit {code}: {output}{error}");
        Assert.Contains($"error: n = 1: {method} needs at least 2 samples to estimate its standard error", error);

        var (two, twoOutput, twoError) = PipelineTestFiles.Cli("eval", "--target", target, "--sampler", "ddim", "--steps", "50", "--method", "density-mc", "--n", "2");
        Assert.True(two == 0, twoError);
        Assert.Contains("(1σ)", twoOutput);
    }

    [Fact]
    public void ABadConfigExitsTwoBeforeAnyWork()
    {
        string good = _scratch.Write("good.json", PipelineTestFiles.SmallConfig("good"));
        string bad = _scratch.Write("bad.json", PipelineTestFiles.SmallConfig("bad", steps: "[32, 1]"));
        var (code, _, error) = PipelineTestFiles.Cli("run", good, bad, "--out", _scratch["out"]);
        Assert.Equal(2, code);
        Assert.Contains("error: bad.json:$.steps[1] = 1: must be an integer from 2 to 10000000", error);
        Assert.False(Directory.Exists(_scratch["out"]), "the good config must not have run either");
    }

    [Fact]
    public void ACleanRunExitsZeroAndResumeIsASwitch()
    {
        string config = _scratch.Write("small.json", PipelineTestFiles.SmallConfig(steps: "[32, 64, 128]", samplers: """["ddim-type"]"""));
        var (code, output, error) = PipelineTestFiles.Cli("run", config, "--out", _scratch["out"]);
        Assert.True(code == 0, error);
        Assert.Contains("LWCC23-ddim: ddim-type", output);
        Assert.True(File.Exists(_scratch["out/summary.md"]));

        // "--resume CONFIG": the config must not be taken as the switch's value.
        var (again, _, againError) = PipelineTestFiles.Cli("run", "--resume", config, "--out", _scratch["out"]);
        Assert.True(again == 0, againError);
        Assert.Contains("resuming: 3 of 3 points finished", againError);

        var (help, helpOutput, _) = PipelineTestFiles.Cli("help");
        Assert.Equal(0, help);
        Assert.Contains("130 cancelled", helpOutput);
    }

    [Theory]
    [InlineData(-0.3, "li2024(c0=2,c1=6)", 1, "contradicted", 1)]
    [InlineData(-2.5, "li2024(c0=2,c1=6)", 0, "consistent", 0)]
    [InlineData(-0.3, "logsnr(9,-40)", 0, "contradicted", 0)]
    public void VerifyExitsOneExactlyWhenATheoremIsContradictedAsStated(double slope, string schedule, int expectedCode, string verdict, int theoremContradictions)
    {
        // acc-ode TV against the registry's bound C d^6 (ln T)^6 / T^2 (proved for li2024); on logsnr the same
        // contradiction is a transferred claim and does not fail verify.
        int[] steps = [32, 64, 128, 256, 512, 1024, 2048, 4096];
        var rows = steps.Select(t => new ResultRow
        {
            Experiment = "crafted",
            Target = "gmm(K=2,d=1,isotropic)",
            D = 1,
            Schedule = schedule,
            Sampler = "acc-ode",
            Perturbation = "exact",
            T = t,
            Nfe = 2 * (t - 1),
            H = 10.0 / t,
            Metric = Metrics.Tv,
            Value = 0.1 * Math.Pow(t, slope),
            Stderr = 0.002 * 0.1 * Math.Pow(t, slope),
            Floor = 0,
            Method = "density-mc",
            N = 100_000,
            Seed = 1,
        }).ToList();
        Directory.CreateDirectory(_scratch["crafted"]);
        ResultStore.Write(ResultStore.PathFor(_scratch["crafted"], "crafted"), rows);

        var (code, output, error) = PipelineTestFiles.Cli("verify", _scratch["crafted"]);
        Assert.True(code == expectedCode, error + output);
        Assert.Contains($"**{verdict}**", output);
        Assert.Contains(verdict == "contradicted" ? "1 contradicted" : "1 consistent", output);
        Assert.Contains($"{theoremContradictions} contradiction(s) of a theorem as stated", output);
    }

    [Fact]
    public void ANumericalFailureExitsThreeNamingExperimentSamplerStepAndSample()
    {
        // The first experiment finishes; the second multiplies the score by 1 + 1e50 (the largest magnitude a
        // config accepts), so the state grows ~1e48-fold per step and overflows.
        string good = _scratch.Write("a.json", PipelineTestFiles.SmallConfig("fine", steps: "[32, 64]", samplers: """["ddim-type"]"""));
        string blowup = _scratch.Write("b.json", PipelineTestFiles.SmallConfig(
            "blowup", steps: "[32, 64]", samplers: """["ddim-type"]""", extra: """, "perturbations": [ { "kind": "scaled", "magnitude": 1e50 } ]"""));
        var (code, _, error) = PipelineTestFiles.Cli("run", good, blowup, "--out", _scratch["out"]);

        Assert.True(code == 3, error);
        // Points run concurrently, so either T may be the one that reports first; the message must name it consistently.
        Match m = new Regex(@"numerical failure: non-finite value in sampler ddim-type \(T = (32|64)\) at step t = \d+, sample \d+: .*; experiment blowup, point ddim-type logsnr\(9,-40\) scaled\(δ=1E\+50\) T=(32|64)").Match(error);
        Assert.True(m.Success, error);
        Assert.Equal(m.Groups[1].Value, m.Groups[2].Value);
        Assert.Equal(2, ResultStore.Read(ResultStore.PathFor(_scratch["out"], "fine")).Select(r => r.PointKey).Distinct().Count());
        Assert.Empty(ResultStore.Read(ResultStore.PathFor(_scratch["out"], "blowup")));
    }

    [Fact]
    public void ACancelledRunExitsOneThirtyAndKeepsNoPartialPoint()
    {
        string config = _scratch.Write("small.json", PipelineTestFiles.SmallConfig());
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();
        var (code, _, error) = PipelineTestFiles.Cli(cancellation.Token, "run", config, "--out", _scratch["out"]);
        Assert.Equal(130, code);
        Assert.Contains("cancelled; finished points are kept", error);
        Assert.Empty(ResultStore.Read(ResultStore.PathFor(_scratch["out"], "small")));
    }
}
