namespace Diffusion.Verify.Numerics;

/// <summary>
/// An immutable k-d tree over n points in R^d (row-major) for exact k-nearest-neighbour distances, as the
/// k-NN KL estimator needs in low dimension (above d ≈ 8 it prunes little for 10⁴–10⁵ points, and
/// <see cref="NeighbourScan"/> is faster). Splits halve the widest coordinate range at its median; the
/// search keeps the per-coordinate offsets of the query from the current cell (Arya–Mount incremental distance), so a far
/// child is pruned against the true distance to its cell, not only to the splitting plane.
/// Queries are thread-safe; each thread passes its own <see cref="Workspace"/>.
/// </summary>
public sealed class KdTree
{
    private const int LeafSize = 12;

    private readonly double[] _points;
    private readonly int[] _originalIndex;
    private readonly int _dimension;

    // Node arrays: an internal node has a split coordinate ≥ 0, a split value and two children; a leaf has
    // split coordinate −1 and covers permuted rows [start, end).
    private readonly int[] _splitCoordinate;
    private readonly double[] _splitValue;
    private readonly int[] _lower;
    private readonly int[] _upper;
    private readonly int[] _start;
    private readonly int[] _end;

    public KdTree(ReadOnlySpan<double> points, int dimension)
    {
        if (dimension < 1 || points.Length % dimension != 0 || points.Length == 0)
        {
            throw new InvalidSpecificationException("points", $"{points.Length} values", $"need a non-empty n × {dimension} row-major array");
        }

        _dimension = dimension;
        Count = points.Length / dimension;
        _originalIndex = new int[Count];
        for (int i = 0; i < Count; i++)
        {
            _originalIndex[i] = i;
        }

        var source = points.ToArray();
        var nodes = new NodeLists();
        Build(source, 0, Count, nodes);
        _splitCoordinate = nodes.SplitCoordinate.ToArray();
        _splitValue = nodes.SplitValue.ToArray();
        _lower = nodes.Lower.ToArray();
        _upper = nodes.Upper.ToArray();
        _start = nodes.Start.ToArray();
        _end = nodes.End.ToArray();

        // Store rows in leaf order so a leaf scan reads contiguous memory.
        _points = new double[points.Length];
        for (int i = 0; i < Count; i++)
        {
            source.AsSpan(_originalIndex[i] * dimension, dimension).CopyTo(_points.AsSpan(i * dimension, dimension));
        }
    }

    public int Count { get; }

    public int Dimension => _dimension;

    /// <summary>Per-thread search state.</summary>
    public sealed class Workspace(int dimension)
    {
        internal double[] Offset { get; } = new double[dimension];
    }

    /// <summary>
    /// The k smallest squared distances from <paramref name="query"/> to the tree's points, ascending, into
    /// <paramref name="distanceSquared"/> (length k), skipping the point whose original row index is
    /// <paramref name="excludedIndex"/> (pass −1 to skip none). Fewer than k candidates leave +∞.
    /// </summary>
    public void Nearest(ReadOnlySpan<double> query, int excludedIndex, Span<double> distanceSquared, Workspace workspace)
    {
        distanceSquared.Fill(double.PositiveInfinity);
        Array.Clear(workspace.Offset);
        Search(0, query, excludedIndex, distanceSquared, workspace.Offset, 0.0);
    }

    private int Build(double[] source, int start, int end, NodeLists nodes)
    {
        int node = nodes.SplitCoordinate.Count;
        nodes.SplitCoordinate.Add(-1);
        nodes.SplitValue.Add(0);
        nodes.Lower.Add(-1);
        nodes.Upper.Add(-1);
        nodes.Start.Add(start);
        nodes.End.Add(end);
        if (end - start <= LeafSize)
        {
            return node;
        }

        int coordinate = WidestCoordinate(source, start, end, out double width);
        if (width == 0)
        {
            // All points coincide: nothing to split.
            return node;
        }

        int middle = (start + end) / 2;
        Select(source, start, end - 1, middle, coordinate);
        nodes.SplitCoordinate[node] = coordinate;
        nodes.SplitValue[node] = source[_originalIndex[middle] * _dimension + coordinate];
        int lower = Build(source, start, middle, nodes);
        int upper = Build(source, middle, end, nodes);
        nodes.Lower[node] = lower;
        nodes.Upper[node] = upper;
        return node;
    }

    private int WidestCoordinate(double[] source, int start, int end, out double width)
    {
        int best = 0;
        width = -1;
        for (int c = 0; c < _dimension; c++)
        {
            double min = double.PositiveInfinity;
            double max = double.NegativeInfinity;
            for (int i = start; i < end; i++)
            {
                double v = source[_originalIndex[i] * _dimension + c];
                min = Math.Min(min, v);
                max = Math.Max(max, v);
            }

            if (max - min > width)
            {
                width = max - min;
                best = c;
            }
        }

        return best;
    }

    /// <summary>Quickselect on the permutation: afterwards row k holds the k-th smallest coordinate value of [left, right].</summary>
    private void Select(double[] source, int left, int right, int k, int coordinate)
    {
        while (right > left)
        {
            double pivot = Value(source, (left + right) / 2, coordinate);
            int i = left;
            int j = right;
            while (i <= j)
            {
                while (Value(source, i, coordinate) < pivot)
                {
                    i++;
                }

                while (Value(source, j, coordinate) > pivot)
                {
                    j--;
                }

                if (i <= j)
                {
                    (_originalIndex[i], _originalIndex[j]) = (_originalIndex[j], _originalIndex[i]);
                    i++;
                    j--;
                }
            }

            if (k <= j)
            {
                right = j;
            }
            else if (k >= i)
            {
                left = i;
            }
            else
            {
                return;
            }
        }
    }

    private double Value(double[] source, int row, int coordinate) => source[_originalIndex[row] * _dimension + coordinate];

    private void Search(int node, ReadOnlySpan<double> query, int excludedIndex, Span<double> best, double[] offset, double cellDistance)
    {
        int coordinate = _splitCoordinate[node];
        if (coordinate < 0)
        {
            ScanLeaf(node, query, excludedIndex, best);
            return;
        }

        double difference = query[coordinate] - _splitValue[node];
        int near = difference < 0 ? _lower[node] : _upper[node];
        int far = difference < 0 ? _upper[node] : _lower[node];
        Search(near, query, excludedIndex, best, offset, cellDistance);

        // Distance to the far cell: replace this coordinate's old offset by the offset to the plane.
        double old = offset[coordinate];
        double farDistance = cellDistance - old * old + difference * difference;
        if (farDistance < best[^1])
        {
            offset[coordinate] = difference;
            Search(far, query, excludedIndex, best, offset, farDistance);
            offset[coordinate] = old;
        }
    }

    private void ScanLeaf(int node, ReadOnlySpan<double> query, int excludedIndex, Span<double> best)
    {
        int d = _dimension;
        int k = best.Length;
        for (int row = _start[node]; row < _end[node]; row++)
        {
            if (_originalIndex[row] == excludedIndex)
            {
                continue;
            }

            double bound = best[k - 1];
            double sum = SquaredDistance(_points.AsSpan(row * d, d), query);
            if (sum < bound)
            {
                int slot = k - 1;
                while (slot > 0 && best[slot - 1] > sum)
                {
                    best[slot] = best[slot - 1];
                    slot--;
                }

                best[slot] = sum;
            }
        }
    }

    private static double SquaredDistance(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double sum = 0;
        for (int c = 0; c < a.Length; c++)
        {
            double delta = a[c] - b[c];
            sum += delta * delta;
        }

        return sum;
    }

    private sealed class NodeLists
    {
        public List<int> SplitCoordinate { get; } = [];

        public List<double> SplitValue { get; } = [];

        public List<int> Lower { get; } = [];

        public List<int> Upper { get; } = [];

        public List<int> Start { get; } = [];

        public List<int> End { get; } = [];
    }
}
