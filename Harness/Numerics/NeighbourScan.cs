using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Diffusion.Verify.Numerics;

/// <summary>
/// Exact k-nearest-neighbour squared distances by a blocked brute-force scan, for dimensions where a
/// k-d tree prunes little (d &gt; 8). Distances are |x|² + |y|² − 2⟨x, y⟩ on mean-centred data, with the
/// inner products computed as a small matrix product: a register tile of 4 queries × 8 points, the points
/// stored 4 to a vector ("structure of arrays"), so no per-pair horizontal sum is needed. The expansion
/// cancels when a neighbour distance is tiny against |x|: measured relative error ≤ 2·10⁻¹⁴ against the
/// k-d tree for d ≥ 8 at n = 10⁴, but up to 10⁻² for the closest pairs in d = 1, hence the tree there.
/// </summary>
public static class NeighbourScan
{
    private const int Lanes = 4;
    private const int QueryTile = 4;

    /// <summary>
    /// For each query row, the k smallest squared distances to <paramref name="points"/>, ascending, into
    /// <paramref name="result"/> (queries × k). When <paramref name="queriesArePoints"/>, query i is point i
    /// and is not its own neighbour.
    /// </summary>
    public static void Nearest(double[] points, double[] queries, int dimension, int k, bool queriesArePoints, double[] result, int maxDegreeOfParallelism = -1)
    {
        int d = dimension;
        int n = points.Length / d;
        int queryCount = queries.Length / d;
        if (result.Length != queryCount * k)
        {
            throw new InvalidSpecificationException("result", $"{result.Length} values", $"need {queryCount} × {k}");
        }

        double[] centre = Mean(points, d);
        int blocks = (n + Lanes - 1) / Lanes;
        var packed = new double[blocks * d * Lanes];
        var pointNorms = new double[blocks * Lanes];
        Array.Fill(pointNorms, double.PositiveInfinity);
        for (int j = 0; j < n; j++)
        {
            int block = j / Lanes;
            int lane = j % Lanes;
            double norm = 0;
            for (int c = 0; c < d; c++)
            {
                double v = points[(j * d) + c] - centre[c];
                packed[(((block * d) + c) * Lanes) + lane] = v;
                norm += v * v;
            }

            pointNorms[j] = norm;
        }

        int tiles = (queryCount + QueryTile - 1) / QueryTile;
        Parallel.For(
            0,
            tiles,
            new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism },
            () => new TileBuffers(d, k),
            (tile, _, buffers) =>
            {
                ScanTile(tile, packed, pointNorms, blocks, queries, queryCount, centre, d, k, queriesArePoints, result, buffers);
                return buffers;
            },
            _ => { });
    }

    private static void ScanTile(int tile, double[] packed, double[] pointNorms, int blocks, double[] queries, int queryCount, double[] centre, int d, int k, bool queriesArePoints, double[] result, TileBuffers buffers)
    {
        int first = tile * QueryTile;
        int rows = Math.Min(QueryTile, queryCount - first);
        double[] query = buffers.Query;
        double[] queryNorms = buffers.Norms;
        double[] best = buffers.Best;
        Array.Fill(best, double.PositiveInfinity);
        Array.Clear(query);
        Array.Fill(queryNorms, double.PositiveInfinity);
        for (int r = 0; r < rows; r++)
        {
            double norm = 0;
            for (int c = 0; c < d; c++)
            {
                double v = queries[((first + r) * d) + c] - centre[c];
                query[(c * QueryTile) + r] = v;
                norm += v * v;
            }

            queryNorms[r] = norm;
        }

        Span<double> distances = stackalloc double[Lanes];
        for (int block = 0; block < blocks; block += 2)
        {
            bool pair = block + 1 < blocks;
            Vector256<double> a0 = default, a1 = default, b0 = default, b1 = default;
            Vector256<double> c0 = default, c1 = default, e0 = default, e1 = default;
            int baseLow = block * d * Lanes;
            int baseHigh = pair ? (block + 1) * d * Lanes : baseLow;
            for (int c = 0; c < d; c++)
            {
                Vector256<double> low = Vector256.Create(packed, baseLow + (c * Lanes));
                Vector256<double> high = Vector256.Create(packed, baseHigh + (c * Lanes));
                int q = c * QueryTile;
                Vector256<double> x0 = Vector256.Create(query[q]);
                Vector256<double> x1 = Vector256.Create(query[q + 1]);
                Vector256<double> x2 = Vector256.Create(query[q + 2]);
                Vector256<double> x3 = Vector256.Create(query[q + 3]);
                a0 = MultiplyAdd(x0, low, a0);
                a1 = MultiplyAdd(x0, high, a1);
                b0 = MultiplyAdd(x1, low, b0);
                b1 = MultiplyAdd(x1, high, b1);
                c0 = MultiplyAdd(x2, low, c0);
                c1 = MultiplyAdd(x2, high, c1);
                e0 = MultiplyAdd(x3, low, e0);
                e1 = MultiplyAdd(x3, high, e1);
            }

            Offer(a0, block, 0, pointNorms, queryNorms, best, k, first, queriesArePoints, distances);
            Offer(b0, block, 1, pointNorms, queryNorms, best, k, first, queriesArePoints, distances);
            Offer(c0, block, 2, pointNorms, queryNorms, best, k, first, queriesArePoints, distances);
            Offer(e0, block, 3, pointNorms, queryNorms, best, k, first, queriesArePoints, distances);
            if (pair)
            {
                Offer(a1, block + 1, 0, pointNorms, queryNorms, best, k, first, queriesArePoints, distances);
                Offer(b1, block + 1, 1, pointNorms, queryNorms, best, k, first, queriesArePoints, distances);
                Offer(c1, block + 1, 2, pointNorms, queryNorms, best, k, first, queriesArePoints, distances);
                Offer(e1, block + 1, 3, pointNorms, queryNorms, best, k, first, queriesArePoints, distances);
            }
        }

        for (int r = 0; r < rows; r++)
        {
            best.AsSpan(r * k, k).CopyTo(result.AsSpan((first + r) * k, k));
        }
    }

    /// <summary>Turns one query's inner products with 4 points into squared distances and keeps the k best.</summary>
    private static void Offer(Vector256<double> inner, int block, int row, double[] pointNorms, double[] queryNorms, double[] best, int k, int firstQuery, bool queriesArePoints, Span<double> distances)
    {
        int slotBase = row * k;
        Vector256<double> distance = Vector256.Create(pointNorms, block * Lanes) + Vector256.Create(queryNorms[row]) - (inner + inner);
        if (!Vector256.LessThanAny(distance, Vector256.Create(best[slotBase + k - 1])))
        {
            return;
        }

        distance.CopyTo(distances);
        for (int lane = 0; lane < Lanes; lane++)
        {
            int point = (block * Lanes) + lane;
            if (queriesArePoints && point == firstQuery + row)
            {
                continue;
            }

            // Rounding can leave a coincident pair a hair below zero.
            double value = Math.Max(distances[lane], 0.0);
            if (value < best[slotBase + k - 1])
            {
                int slot = k - 1;
                while (slot > 0 && best[slotBase + slot - 1] > value)
                {
                    best[slotBase + slot] = best[slotBase + slot - 1];
                    slot--;
                }

                best[slotBase + slot] = value;
            }
        }
    }

    private static Vector256<double> MultiplyAdd(Vector256<double> a, Vector256<double> b, Vector256<double> c) =>
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : (a * b) + c;

    private static double[] Mean(double[] points, int d)
    {
        int n = points.Length / d;
        var mean = new double[d];
        for (int j = 0; j < n; j++)
        {
            for (int c = 0; c < d; c++)
            {
                mean[c] += points[(j * d) + c];
            }
        }

        for (int c = 0; c < d; c++)
        {
            mean[c] /= n;
        }

        return mean;
    }

    private sealed class TileBuffers(int d, int k)
    {
        public double[] Query { get; } = new double[d * QueryTile];

        public double[] Norms { get; } = new double[QueryTile];

        public double[] Best { get; } = new double[QueryTile * k];
    }
}
