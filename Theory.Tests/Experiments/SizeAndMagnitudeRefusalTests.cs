namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// Sizes that cannot be held and magnitudes the arithmetic cannot carry are refused before any work, with
/// exit 2 and a message naming the field, its value and (for sizes) N, d and the memory needed.
/// </summary>
public sealed class SizeAndMagnitudeRefusalTests : IDisposable
{
    private readonly PipelineScratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    /// <summary>N·d = 1e11 (as with d = 1e7, N = 1e4) overflowed an int inside SamplerRunner.Run (OverflowException, exit 134).</summary>
    [Theory]
    [InlineData("sample")]
    [InlineData("eval")]
    public void SamplesThatCannotBeHeldAreRefused(string command)
    {
        string target = _scratch.Write("huge.json", """{ "kind": "gaussian", "dimension": 1000000, "variance": 4.0 }""");
        string[] method = command == "eval" ? ["--method", "samples"] : [];
        var (code, _, error) = PipelineTestFiles.Cli([command, "--target", target, "--sampler", "ddpm-type", "--schedule", "logsnr", "--steps", "8", "--n", "100000", .. method]);
        Assert.Equal(2, code);
        Assert.Contains("error: n = 100000: ", error);
        Assert.Contains("100000 × 1000000", error);
        Assert.Contains("GiB", error);
    }

    [Fact]
    public void AConfigWhosePointsCannotBeHeldFailsValidation()
    {
        _scratch.Write("huge.json", """{ "kind": "gaussian", "dimension": 1000000, "variance": 4.0 }""");
        string config = _scratch.Write("big.json", """
            { "name": "big", "target": "huge.json", "samplers": ["ddpm-type"], "schedules": [ { "kind": "logsnr" } ],
              "steps": [8], "method": "samples", "n": 100000 }
            """);
        var (code, _, error) = PipelineTestFiles.Cli("validate", config);
        Assert.Equal(2, code);
        Assert.Contains("error: big.json:$.n = 100000: the samples method with N × d = 100000 × 1000000", error);
    }

    [Theory]
    [InlineData("""{ "kind": "gmm", "weights": [0.5, 0.5], "means": [[1e308], [-1]], "variances": [1, 1] }""", "$.means[0][0] = 1E+308")]
    [InlineData("""{ "kind": "gmm", "weights": [0.5, 0.5], "means": [[1], [-1]], "variances": [1, 1e60] }""", "$.variances[1] = 1E+60")]
    [InlineData("""{ "kind": "gaussian", "dimension": 2, "variance": 1, "mean": [0, -1e200] }""", "$.mean[1] = -1E+200")]
    [InlineData("""{ "kind": "random-gmm", "dimension": 10000000, "components": 400, "meanScale": 1, "covariance": "isotropic" }""", "$.components = 400")]
    public void ValuesTheArithmeticCannotCarryAreRefusedByPath(string json, string message)
    {
        string target = _scratch.Write("target.json", json);
        var (code, _, error) = PipelineTestFiles.Cli("sample", "--target", target, "--sampler", "ddim-type", "--schedule", "logsnr", "--steps", "3", "--n", "1");
        Assert.Equal(2, code);
        Assert.Contains("error: " + message, error);
    }
}
