using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Diffusion.Verify.Numerics.Vectorization;

namespace Diffusion.Verify.Numerics;

/// <summary>
/// Exact k-nearest-neighbour squared distances by a blocked brute-force scan, for dimensions where a
/// k-d tree prunes little (d &gt; 8). Distances are |x|² + |y|² − 2⟨x, y⟩ on mean-centred data, with the
/// inner products computed as a small matrix product: a register tile of 4 queries × 2 vectors of points,
/// the points stored one vector's lanes to a block ("structure of arrays"), so no per-pair horizontal sum
/// is needed. The expansion cancels when a neighbour distance is tiny against |x|: measured relative error
/// ≤ 2·10⁻¹⁴ against the k-d tree for d ≥ 8 at n = 10⁴, but up to 10⁻² for the closest pairs in d = 1,
/// hence the tree there.
/// <para>
/// Runs at <see cref="Simd.Width"/>. Each lane accumulates one point's inner product over the coordinates
/// in order with fused multiply-adds, so the distances — and the neighbours kept — are bit-identical at
/// every width and thread count.
/// </para>
/// </summary>
public static class NeighbourScan
{
    /// <summary>
    /// For each query row, the k smallest squared distances to <paramref name="points"/>, ascending, into
    /// <paramref name="result"/> (queries × k). When <paramref name="queriesArePoints"/>, query i is point i
    /// and is not its own neighbour.
    /// </summary>
    public static void Nearest(double[] points, double[] queries, int dimension, int k, bool queriesArePoints, double[] result, int maxDegreeOfParallelism = -1) =>
        Nearest(points, queries, dimension, k, queriesArePoints, result, Simd.Width, maxDegreeOfParallelism);

    /// <summary>
    /// <see cref="Nearest(double[], double[], int, int, bool, double[], int)"/> at a given width, no wider than
    /// <see cref="Simd.Widest"/> (a wider one would be emulated); for comparing the paths.
    /// </summary>
    public static void Nearest(double[] points, double[] queries, int dimension, int k, bool queriesArePoints, double[] result, SimdWidth width, int maxDegreeOfParallelism = -1)
    {
        if (width > Simd.Widest)
        {
            throw new InvalidSpecificationException("SIMD width", Simd.Name(width), $"wider than this CPU accelerates ({Simd.Name(Simd.Widest)})");
        }

        int queryCount = queries.Length / dimension;
        if (result.Length != queryCount * k)
        {
            throw new InvalidSpecificationException("result", $"{result.Length} values", $"need {queryCount} × {k}");
        }

        switch (width)
        {
            case SimdWidth.Vector512: NeighbourScan<Width512, Vector512<double>>.Nearest(points, queries, dimension, k, queriesArePoints, result, maxDegreeOfParallelism); break;
            case SimdWidth.Vector256: NeighbourScan<Width256, Vector256<double>>.Nearest(points, queries, dimension, k, queriesArePoints, result, maxDegreeOfParallelism); break;
            case SimdWidth.Vector128: NeighbourScan<Width128, Vector128<double>>.Nearest(points, queries, dimension, k, queriesArePoints, result, maxDegreeOfParallelism); break;
            default: NeighbourScan<WidthScalar, double>.Nearest(points, queries, dimension, k, queriesArePoints, result, maxDegreeOfParallelism); break;
        }
    }

    internal static double[] Mean(double[] points, int d)
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
}

/// <summary>
/// <see cref="NeighbourScan"/> at one vector width: blocks of <c>TWidth.Lanes</c> points; compiled fully
/// optimised at first call, as <see cref="Targets.IsotropicMixtureKernel{TWidth, TVector}"/> says why.
/// </summary>
internal static class NeighbourScan<TWidth, TVector>
    where TWidth : struct, ISimdWidth<TVector>
    where TVector : struct
{
    private const int QueryTile = 4;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Nearest(double[] points, double[] queries, int dimension, int k, bool queriesArePoints, double[] result, int maxDegreeOfParallelism)
    {
        int lanes = TWidth.Lanes;
        int d = dimension;
        int n = points.Length / d;
        int queryCount = queries.Length / d;
        double[] centre = NeighbourScan.Mean(points, d);
        int blocks = (n + lanes - 1) / lanes;
        var packed = new double[blocks * d * lanes];
        var pointNorms = new double[blocks * lanes];
        Array.Fill(pointNorms, double.PositiveInfinity);
        for (int j = 0; j < n; j++)
        {
            int block = j / lanes;
            int lane = j % lanes;
            double norm = 0;
            for (int c = 0; c < d; c++)
            {
                double v = points[(j * d) + c] - centre[c];
                packed[(((block * d) + c) * lanes) + lane] = v;
                norm += v * v;
            }

            pointNorms[j] = norm;
        }

        int tiles = (queryCount + QueryTile - 1) / QueryTile;
        Parallel.For(
            0,
            tiles,
            new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism },
            () => new TileBuffers(d, k, lanes),
            (tile, _, buffers) =>
            {
                ScanTile(tile, packed, pointNorms, blocks, queries, queryCount, centre, d, k, queriesArePoints, result, buffers);
                return buffers;
            },
            _ => { });
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

        int lanes = TWidth.Lanes;
        Span<double> distances = buffers.Distances;
        ref double packedRef = ref MemoryMarshal.GetArrayDataReference(packed);
        for (int block = 0; block < blocks; block += 2)
        {
            bool pair = block + 1 < blocks;
            TVector a0 = TWidth.Zero, a1 = TWidth.Zero, b0 = TWidth.Zero, b1 = TWidth.Zero;
            TVector c0 = TWidth.Zero, c1 = TWidth.Zero, e0 = TWidth.Zero, e1 = TWidth.Zero;
            int baseLow = block * d * lanes;
            int baseHigh = pair ? (block + 1) * d * lanes : baseLow;
            for (int c = 0; c < d; c++)
            {
                TVector low = TWidth.Load(ref Unsafe.Add(ref packedRef, baseLow + (c * lanes)));
                TVector high = TWidth.Load(ref Unsafe.Add(ref packedRef, baseHigh + (c * lanes)));
                int q = c * QueryTile;
                TVector x0 = TWidth.Create(query[q]);
                TVector x1 = TWidth.Create(query[q + 1]);
                TVector x2 = TWidth.Create(query[q + 2]);
                TVector x3 = TWidth.Create(query[q + 3]);
                a0 = TWidth.FusedMultiplyAdd(x0, low, a0);
                a1 = TWidth.FusedMultiplyAdd(x0, high, a1);
                b0 = TWidth.FusedMultiplyAdd(x1, low, b0);
                b1 = TWidth.FusedMultiplyAdd(x1, high, b1);
                c0 = TWidth.FusedMultiplyAdd(x2, low, c0);
                c1 = TWidth.FusedMultiplyAdd(x2, high, c1);
                e0 = TWidth.FusedMultiplyAdd(x3, low, e0);
                e1 = TWidth.FusedMultiplyAdd(x3, high, e1);
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

    /// <summary>Turns one query's inner products with a block's points into squared distances and keeps the k best.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Offer(TVector inner, int block, int row, double[] pointNorms, double[] queryNorms, double[] best, int k, int firstQuery, bool queriesArePoints, Span<double> distances)
    {
        int lanes = TWidth.Lanes;
        int slotBase = row * k;
        TVector pointNorm = TWidth.Load(ref pointNorms[block * lanes]);
        TVector distance = TWidth.Subtract(TWidth.Add(pointNorm, TWidth.Create(queryNorms[row])), TWidth.Add(inner, inner));
        if (!TWidth.LessThanAny(distance, TWidth.Create(best[slotBase + k - 1])))
        {
            return;
        }

        TWidth.Store(distance, ref MemoryMarshal.GetReference(distances));
        for (int lane = 0; lane < lanes; lane++)
        {
            int point = (block * lanes) + lane;
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

    private sealed class TileBuffers(int d, int k, int lanes)
    {
        public double[] Distances { get; } = new double[lanes];

        public double[] Query { get; } = new double[d * QueryTile];

        public double[] Norms { get; } = new double[QueryTile];

        public double[] Best { get; } = new double[QueryTile * k];
    }
}
