using Diffusion.Verify.Numerics;
using Diffusion.Verify.Numerics.Vectorization;
using static Diffusion.Verify.Theory.Tests.SampleDistanceGaussians;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// The k-NN scan behind the samples-based KL at every SIMD path the CPU accelerates: each lane accumulates
/// one point's inner product over the coordinates in order, so the paths and thread counts must agree bit
/// for bit; and every path must match a direct Σ(x − y)² (the |x|² + |y|² − 2⟨x, y⟩ expansion rounds
/// differently, within 1e−12 relative for these well-separated points).
/// </summary>
public sealed class NeighbourScanPathTests
{
    [Theory]
    [InlineData(13, 517, true)]
    [InlineData(24, 301, false)]
    public void PathsAndThreadCountsAgreeBitForBit(int d, int n, bool queriesArePoints)
    {
        // n not a multiple of 8 and an odd query count: padded blocks and a partial query tile at every width.
        const int k = 5;
        double[] points = Draw(n, d, 0, 1, seed: 11);
        double[] queries = queriesArePoints ? points : Draw(203, d, 0.5, 1.2, seed: 12);
        int queryCount = queries.Length / d;
        double[] direct = Direct(points, queries, d, k, queriesArePoints);

        var paths = new[] { SimdWidth.Scalar, SimdWidth.Vector128, SimdWidth.Vector256, SimdWidth.Vector512 }.Where(w => w <= Simd.Widest).ToArray();
        double[]? reference = null;
        foreach (SimdWidth width in paths)
        {
            foreach (int threads in new[] { 1, 2, -1 })
            {
                var result = new double[queryCount * k];
                NeighbourScan.Nearest(points, queries, d, k, queriesArePoints, result, width, threads);
                reference ??= result;
                Assert.True(reference.AsSpan().SequenceEqual(result), $"{Simd.Name(width)} with {threads} threads differs from {Simd.Name(paths[0])}");
                for (int i = 0; i < result.Length; i++)
                {
                    Assert.True(Math.Abs(result[i] - direct[i]) <= 1e-12 * direct[i], $"{Simd.Name(width)}: distance {i} is {result[i]:R}, directly {direct[i]:R}");
                }
            }
        }
    }

    [Fact]
    public void AWidthTheCpuWouldEmulateIsRefused()
    {
        if (Simd.Widest == SimdWidth.Vector512)
        {
            return;
        }

        var result = new double[3];
        Assert.Throws<InvalidSpecificationException>(() => NeighbourScan.Nearest(new double[27], new double[27], 9, 1, true, result, SimdWidth.Vector512));
    }

    private static double[] Direct(double[] points, double[] queries, int d, int k, bool queriesArePoints)
    {
        int n = points.Length / d;
        int queryCount = queries.Length / d;
        var result = new double[queryCount * k];
        var all = new List<double>(n);
        for (int i = 0; i < queryCount; i++)
        {
            all.Clear();
            for (int j = 0; j < n; j++)
            {
                if (queriesArePoints && i == j)
                {
                    continue;
                }

                double sum = 0;
                for (int c = 0; c < d; c++)
                {
                    double diff = queries[(i * d) + c] - points[(j * d) + c];
                    sum += diff * diff;
                }

                all.Add(sum);
            }

            all.Sort();
            all.CopyTo(0, result, i * k, k);
        }

        return result;
    }
}
