using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Numerics.Tensors;
using Diffusion.Verify.Numerics.LinearAlgebra;

namespace Diffusion.Verify.Numerics;

/// <summary>In-place LU with partial pivoting on row-major matrices, allocation-free.</summary>
public static class DenseLu
{
    /// <summary>Panel width of the blocked factorisation: the depth of its trailing <see cref="MatrixProduct"/> updates.</summary>
    public const int Panel = 64;

    /// <summary>
    /// From this order on the factorisation is blocked: below it the matrix fits in L2 and the row-by-row
    /// form streams nothing from memory.
    /// </summary>
    public const int BlockedFrom = 128;

    /// <summary>
    /// ln|det A| of the n×n row-major matrix in <paramref name="matrix"/>, which is overwritten, by LU with
    /// partial pivoting; −∞ if singular. Blocked for n ≥ <see cref="BlockedFrom"/>, with the same bits as
    /// the row-by-row form (<see cref="Blocked"/>).
    /// </summary>
    public static double LogAbsDeterminant(Span<double> matrix, int n)
        => n >= BlockedFrom ? Blocked(matrix, n) : RowByRow(matrix, n);

    /// <summary>
    /// Right-looking LU, rows updated one pivot at a time by vectorised fused multiply-adds (one panel as wide
    /// as the matrix): every element's updates from all pivots k = 0, 1, … pass through memory, (n − k)² per pivot.
    /// </summary>
    public static double RowByRow(Span<double> matrix, int n) => Factor(matrix, n, Math.Max(n, 1));

    /// <summary>
    /// The same elimination as <see cref="RowByRow"/>, in panels of <see cref="Panel"/> columns: the panel is
    /// factorised row by row (its multipliers stored in place of the eliminated entries), the panel's rows to its
    /// right are solved with them, and the trailing matrix takes all the panel's updates in one
    /// <see cref="MatrixProduct"/>. Each element still receives c ← fma(−l_ik, u_kj, c) for k = 0, 1, … in order,
    /// and the pivot columns are fully updated before each pivot search, so pivots, multipliers and the result
    /// are the bits <see cref="RowByRow"/> gives; the trailing updates run from registers instead of memory.
    /// </summary>
    public static double Blocked(Span<double> matrix, int n) => Factor(matrix, n, Panel);

    private static double Factor(Span<double> matrix, int n, int panel)
    {
        ref double a = ref MemoryMarshal.GetReference(matrix);
        double product = 1;
        double logDet = 0;
        for (int k0 = 0; k0 < n; k0 += panel)
        {
            int end = Math.Min(n, k0 + panel);
            for (int k = k0; k < end; k++)
            {
                int pivot = k;
                double best = Math.Abs(Unsafe.Add(ref a, (k * n) + k));
                for (int i = k + 1; i < n; i++)
                {
                    double v = Math.Abs(Unsafe.Add(ref a, (i * n) + k));
                    if (v > best)
                    {
                        best = v;
                        pivot = i;
                    }
                }

                if (best == 0)
                {
                    return double.NegativeInfinity;
                }

                if (pivot != k)
                {
                    matrix.Slice(pivot * n, n).CopyTo(Scratch(n));
                    matrix.Slice(k * n, n).CopyTo(matrix.Slice(pivot * n, n));
                    Scratch(n).CopyTo(matrix.Slice(k * n, n));
                }

                double diagonal = Unsafe.Add(ref a, (k * n) + k);

                // |det| accumulates as a product, moved into the logarithm only when it nears the exponent
                // range's ends: one logarithm per factorisation as a rule, instead of one per pivot.
                product *= Math.Abs(diagonal);
                if (product is > 1e150 or < 1e-150)
                {
                    logDet += Math.Log(product);
                    product = 1;
                }

                double inverse = 1.0 / diagonal;

                // Within the panel: row i ← row i − (a_ik / a_kk) row k over columns k + 1 … end − 1, one fused
                // multiply-add per element (the same at every vector width TensorPrimitives picks); the
                // multiplier replaces a_ik.
                ReadOnlySpan<double> upper = matrix.Slice((k * n) + k + 1, end - k - 1);
                for (int i = k + 1; i < n; i++)
                {
                    double factor = Unsafe.Add(ref a, (i * n) + k) * inverse;
                    Unsafe.Add(ref a, (i * n) + k) = factor;
                    Span<double> row = matrix.Slice((i * n) + k + 1, end - k - 1);
                    TensorPrimitives.FusedMultiplyAdd(upper, -factor, row, row);
                }
            }

            if (end == n)
            {
                break;
            }

            // U₁₂: the panel's rows right of it, by forward substitution with the panel's unit lower triangle.
            for (int k = k0; k < end; k++)
            {
                ReadOnlySpan<double> upper = matrix.Slice((k * n) + end, n - end);
                for (int i = k + 1; i < end; i++)
                {
                    Span<double> row = matrix.Slice((i * n) + end, n - end);
                    TensorPrimitives.FusedMultiplyAdd(upper, -Unsafe.Add(ref a, (i * n) + k), row, row);
                }
            }

            // A₂₂ −= L₂₁ U₁₂
            MatrixProduct.MultiplyAdd(
                matrix[((end * n) + k0)..],
                n,
                matrix[((k0 * n) + end)..],
                n,
                matrix[((end * n) + end)..],
                n,
                n - end,
                n - end,
                end - k0,
                subtract: true);
        }

        return logDet + Math.Log(product);
    }

    [ThreadStatic]
    private static double[]? t_row;

    /// <summary>One row of scratch for swaps, per thread (grown, never shrunk).</summary>
    private static Span<double> Scratch(int n) => (t_row is { } r && r.Length >= n ? r : t_row = new double[n]).AsSpan(0, n);
}
