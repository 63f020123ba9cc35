using System.Globalization;
using Diffusion.Verify.Numerics.Vectorization;
using Xunit.Abstractions;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// The SIMD paths (Vector512, Vector256, Vector128, scalar) agree: whole sampler runs, each in a child
/// process forced to one path by DIFFUSION_VERIFY_SIMD, give the same samples to 1e−12 (relative, or
/// absolute below 1). Paths differ only in how reductions across lanes round (the dot products);
/// lane-wise operations, the softmax among them, are identical at every width.
/// </summary>
public sealed class SimdPathTests(ITestOutputHelper output) : IDisposable
{
    private readonly PipelineScratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Theory]
    [InlineData("scalar", SimdWidth.Scalar)]
    [InlineData("128", SimdWidth.Vector128)]
    [InlineData("256", SimdWidth.Vector256)]
    [InlineData("512", SimdWidth.Vector512)]
    public void ARequestNoWiderThanTheHardwareIsHonoured(string request, SimdWidth width)
    {
        SimdWidth chosen = Simd.Choose(request, out string note);
        Assert.Equal(width <= Simd.Widest ? width : Simd.Widest, chosen);
        Assert.False(string.IsNullOrEmpty(note));
    }

    [Theory]
    [InlineData("")]
    [InlineData("auto")]
    [InlineData("avx1024")]
    public void NoOrAnUnusableRequestGivesTheWidest(string request)
    {
        Assert.Equal(Simd.Widest, Simd.Choose(request, out string note));
        if (request == "avx1024")
        {
            Assert.Contains("not understood", note);
        }
    }

    [Theory]
    [InlineData("acc-ode")]
    [InlineData("dpm-solver-2")]
    [InlineData("ddpm-type")]
    public void WholeRunsAgreeAcrossPaths(string sampler)
    {
        // d = 21 and K = 5: vector bodies, scalar tails and padded components at every width.
        string target = _scratch.Write("target.json", """{ "kind": "random-gmm", "dimension": 21, "components": 5, "meanScale": 2.0, "covariance": "isotropic", "variance": 0.25, "seed": 3 }""");
        var paths = new[] { SimdWidth.Vector512, SimdWidth.Vector256, SimdWidth.Vector128, SimdWidth.Scalar }.Where(w => w <= Simd.Widest).ToArray();
        var results = new Dictionary<SimdWidth, double[]>();
        foreach (SimdWidth width in paths)
        {
            string file = _scratch[$"{sampler}-{(int)width}.csv"];
            var environment = new Dictionary<string, string> { [Simd.EnvironmentVariable] = width == SimdWidth.Scalar ? "scalar" : ((int)width).ToString(CultureInfo.InvariantCulture) };
            var (code, error) = PipelineTestFiles.RunChild(_scratch.Root, environment, "sample", "--target", target, "--sampler", sampler, "--steps", "40", "--n", "48", "--seed", "5", "--out", file);
            Assert.True(code == 0, error);
            results[width] = File.ReadLines(file).Skip(1).SelectMany(line => line.Split(',')).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        }

        double[] reference = results[paths[0]];
        bool anyDiffers = false;
        foreach (SimdWidth width in paths.Skip(1))
        {
            double[] values = results[width];
            Assert.Equal(reference.Length, values.Length);
            double worst = 0;
            for (int i = 0; i < values.Length; i++)
            {
                Assert.True(double.IsFinite(values[i]));
                worst = Math.Max(worst, Math.Abs(values[i] - reference[i]) / Math.Max(1.0, Math.Abs(reference[i])));
                anyDiffers |= values[i] != reference[i];
            }

            output.WriteLine($"{sampler}: {Simd.Name(width)} against {Simd.Name(paths[0])}: largest difference {worst:E2}");
            Assert.True(worst <= 1e-12, $"{Simd.Name(width)} differs from {Simd.Name(paths[0])} by {worst:E3}");
        }

        // The switch must reach the child: narrower paths round some reduction differently somewhere.
        Assert.True(paths.Length == 1 || anyDiffers, "every path gave bit-identical samples: is DIFFUSION_VERIFY_SIMD ignored?");
    }
}
