namespace Diffusion.Verify.Numerics;

/// <summary>
/// Centred Lagrange interpolation on a uniform grid: an even number n of nodes, n/2 on each side of the
/// point, so the interpolant used on the cell [i, i+1] is always the one with the cell in its middle
/// (small Lebesgue constant, error O(hⁿ f⁽ⁿ⁾)). Values outside the grid count as zero: the grids that
/// use this carry margins where the function has decayed to round-off.
/// </summary>
public sealed class LagrangeStencil
{
    private readonly double[] _barycentric;
    private readonly double[] _legendreNodes;
    private readonly double[] _legendreWeights;

    public LagrangeStencil(int points)
    {
        if (points < 2 || points % 2 != 0 || points > 30)
        {
            throw new InvalidSpecificationException("interpolation points", points.ToString(), "need an even number of stencil points from 2 to 30");
        }

        Points = points;

        // Barycentric weights of equispaced nodes: (−1)^j C(n−1, j).
        _barycentric = new double[points];
        double binomial = 1;
        for (int j = 0; j < points; j++)
        {
            _barycentric[j] = (j % 2 == 0 ? 1 : -1) * binomial;
            binomial = binomial * (points - 1 - j) / (j + 1);
        }

        // Gauss–Legendre on [0, 1] with n/2 + 1 nodes integrates the degree n − 1 interpolant exactly.
        GaussLegendre rule = GaussLegendre.Get(points / 2 + 1);
        _legendreNodes = rule.Nodes.ToArray().Select(x => 0.5 * (x + 1)).ToArray();
        _legendreWeights = rule.Weights.ToArray().Select(w => 0.5 * w).ToArray();
        CellWeights = ComputeCellWeights();
    }

    public int Points { get; }

    /// <summary>
    /// W_j with ∫_{x_i}^{x_{i+1}} f ≈ h Σ_j W_j f(x_{i + j − n/2 + 1}): the exact integral of the centred
    /// interpolant over its middle cell.
    /// </summary>
    public double[] CellWeights { get; }

    /// <summary>Offset of the first stencil node from the cell's left node.</summary>
    public int FirstOffset => 1 - Points / 2;

    /// <summary>The interpolant of <paramref name="values"/> at fractional index <paramref name="position"/>.</summary>
    public double Interpolate(ReadOnlySpan<double> values, double position)
    {
        double cell = Math.Floor(position);
        int i = (int)cell;
        double u = position - cell;
        return InterpolateInCell(values, i, u);
    }

    /// <summary>The interpolant on cell [i, i+1] at local coordinate u ∈ [0, 1].</summary>
    public double InterpolateInCell(ReadOnlySpan<double> values, int cell, double u)
    {
        int first = cell + FirstOffset;
        if (u == 0)
        {
            return At(values, cell);
        }

        // Second (true) barycentric form: Σ λ_j f_j / (u − o_j) / Σ λ_j / (u − o_j).
        double numerator = 0;
        double denominator = 0;
        for (int j = 0; j < Points; j++)
        {
            double d = u - (j + FirstOffset);
            if (d == 0)
            {
                return At(values, first + j);
            }

            double c = _barycentric[j] / d;
            numerator += c * At(values, first + j);
            denominator += c;
        }

        return numerator / denominator;
    }

    /// <summary>∫ over the cell [i, i+1] of the interpolant, in units of the grid spacing.</summary>
    public double CellIntegral(ReadOnlySpan<double> values, int cell)
    {
        int first = cell + FirstOffset;
        double sum = 0;
        for (int j = 0; j < Points; j++)
        {
            sum += CellWeights[j] * At(values, first + j);
        }

        return sum;
    }

    /// <summary>∫_0^u of the interpolant on cell i (in units of the grid spacing), by Gauss–Legendre, exact for its degree.</summary>
    public double PartialCellIntegral(ReadOnlySpan<double> values, int cell, double u)
    {
        double sum = 0;
        for (int k = 0; k < _legendreNodes.Length; k++)
        {
            sum += _legendreWeights[k] * InterpolateInCell(values, cell, u * _legendreNodes[k]);
        }

        return u * sum;
    }

    private static double At(ReadOnlySpan<double> values, int i) => (uint)i < (uint)values.Length ? values[i] : 0.0;

    private double[] ComputeCellWeights()
    {
        var weights = new double[Points];
        var unit = new double[Points];
        for (int j = 0; j < Points; j++)
        {
            // The basis polynomial L_j: a unit value at stencil node j of a grid whose middle cell is
            // cell −FirstOffset.
            Array.Clear(unit);
            unit[j] = 1;
            weights[j] = PartialCellIntegral(unit, -FirstOffset, 1.0);
        }

        return weights;
    }
}
