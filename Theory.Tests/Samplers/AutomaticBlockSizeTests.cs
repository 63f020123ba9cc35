using Diffusion.Verify.Samplers;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// With ln|det J| accumulated, blocks take up to 128 rows (an equal share of the samples per worker at most),
/// and only a sampler that keeps d×d matrices per row is capped by their memory: at d = 1000 acc-ode-ms's two
/// tangent matrices per row allow 16 rows (256 MiB), while ddim, whose per-level precisions are rebuilt per
/// block, must not be held to that.
/// </summary>
public sealed class AutomaticBlockSizeTests
{
    [Theory]
    [InlineData("ddim", 1000, 256, 128)]
    [InlineData("ddim", 1000, 64, 32)]
    [InlineData("acc-ode", 1000, 256, 128)]
    [InlineData("acc-ode-ms", 1000, 256, 16)]
    [InlineData("acc-ode-ms", 100, 256, 128)]
    [InlineData("ddim", 16, 10, 128)] // never below the size-based rows (8192 / d, at most 128)
    public void LogDeterminantBlocks(string sampler, int dimension, long samples, int expected)
    {
        int rows = SamplingOptions.AutomaticBlockSize(dimension, accumulateLogDeterminant: true, samples, workers: 2, SamplerCatalog.Get(sampler).DenseMatricesPerRow);
        Assert.Equal(expected, rows);
    }
}
