using System.Numerics.Tensors;

namespace Diffusion.Verify.Numerics;

/// <summary>
/// A function of one variable sampled on the uniform grid x_i = Origin + i · Spacing, i = 0..Count−1,
/// and taken to be zero outside it. Grids built here have a power-of-two count so that FFT convolutions
/// run at full speed.
/// </summary>
public sealed class GridDensity
{
    public GridDensity(double origin, double spacing, double[] values)
    {
        if (!(spacing > 0) || !double.IsFinite(spacing) || !double.IsFinite(origin))
        {
            throw new ArgumentOutOfRangeException(nameof(spacing), spacing, "a grid needs a finite origin and a finite positive spacing");
        }

        Origin = origin;
        Spacing = spacing;
        Values = values;
    }

    public double Origin { get; }

    public double Spacing { get; }

    public double[] Values { get; }

    public int Count => Values.Length;

    public double End => Origin + (Count - 1) * Spacing;

    /// <summary>∫ by the trapezoid rule, which is spectrally accurate for smooth functions that vanish at both ends.</summary>
    public double Mass => Spacing * TensorPrimitives.Sum<double>(Values);

    public double Node(int i) => Origin + i * Spacing;

    /// <summary>The fractional index of x.</summary>
    public double Position(double x) => (x - Origin) / Spacing;

    public double ValueAt(double x, LagrangeStencil stencil) => stencil.Interpolate(Values, Position(x));

    /// <summary>
    /// First and last index where the value exceeds <paramref name="relativeThreshold"/> times the maximum,
    /// or (−1, −1) when no value is positive.
    /// </summary>
    public (int First, int Last) Support(double relativeThreshold)
    {
        double max = TensorPrimitives.Max<double>(Values);
        if (!(max > 0))
        {
            return (-1, -1);
        }

        double threshold = relativeThreshold * max;
        int first = 0;
        while (Values[first] <= threshold)
        {
            first++;
        }

        int last = Count - 1;
        while (Values[last] <= threshold)
        {
            last--;
        }

        return (first, last);
    }

    /// <summary>A zero grid of the given spacing covering [lo, hi] plus <paramref name="marginCells"/> cells each side, centred, with a power-of-two count.</summary>
    public static GridDensity Covering(double lo, double hi, double spacing, int marginCells, int maxCount)
    {
        int needed = (int)Math.Min(int.MaxValue / 2, Math.Ceiling((hi - lo) / spacing) + 1 + 2.0 * marginCells);
        int count = CheckedPowerOfTwo(needed, maxCount, spacing, lo, hi);
        double origin = 0.5 * (lo + hi) - 0.5 * (count - 1) * spacing;
        return new GridDensity(origin, spacing, new double[count]);
    }

    /// <summary>
    /// The same function on a grid of the same spacing and aligned nodes that also covers [lo, hi] plus
    /// <paramref name="marginCells"/> cells each side (padding with zeros is exact); this grid when it already does.
    /// </summary>
    public GridDensity ExtendedToCover(double lo, double hi, int marginCells, int maxCount)
    {
        int below = Math.Max(0, (int)Math.Ceiling((Origin - lo) / Spacing) + marginCells);
        int above = Math.Max(0, (int)Math.Ceiling((hi - End) / Spacing) + marginCells);
        if (below == 0 && above == 0)
        {
            return this;
        }

        int count = CheckedPowerOfTwo(Count + below + above, maxCount, Spacing, lo, hi);
        int extra = count - Count - below - above;
        below += extra / 2;
        var values = new double[count];
        Values.CopyTo(values, below);
        return new GridDensity(Origin - below * Spacing, Spacing, values);
    }

    private static int CheckedPowerOfTwo(int needed, int maxCount, double spacing, double lo, double hi)
    {
        int count = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(needed, 16));
        if (count > maxCount || count <= 0)
        {
            // The input (a target far wider than its finest feature) is what a grid cannot carry: bad input, exit 2.
            throw new InvalidSpecificationException(
                "grid",
                $"[{lo:G6}, {hi:G6}] at spacing {spacing:G4}",
                $"needs {(needed > 0 ? needed.ToString() : "over 2^31")} points, more than the limit {maxCount}: the density is spread far wider than its finest feature; grid methods cannot resolve this target (use --method samples)");
        }

        return count;
    }
}
