using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Numerics.Tensors;

namespace Diffusion.Verify.Numerics.LinearAlgebra;

/// <summary>
/// ln|det A| of a symmetric matrix by A = Uᵀ D U (unit upper U, diagonal D: Cholesky without its square roots)
/// when every pivot is positive, else by <see cref="DenseLu"/>. The one-evaluation ln|det J| paths need it:
/// J = I + c∇s is symmetric (∇s is a Hessian), and is positive definite in the usual case, where symmetric
/// elimination needs no pivoting and half the multiply-adds of LU (d³/3 against 2d³/3).
/// <para>
/// Only the upper triangle (with the diagonal) is read; the lower triangle is left alone but for the lower
/// halves of the Panel × Panel diagonal tiles, which are saved in a per-thread copy first, so when a pivot is
/// not positive — A indefinite or singular, where elimination without pivoting is unstable or breaks down —
/// the original A is restored from them and handed to the pivoting LU (for an input that is symmetric only
/// to rounding, LU sees the lower triangle's mirror).
/// </para>
/// <para>
/// Blocked like <see cref="DenseLu"/>: a panel of <see cref="Panel"/> rows is eliminated row by row over the
/// upper triangle, its multipliers L₂₁ = (D₁⁻¹ U₁₂)ᵀ are written to a per-thread buffer, and the trailing upper
/// triangle takes A₂₂ −= L₂₁ U₁₂ by <see cref="MatrixProduct"/> (whole diagonal tiles, for full register
/// blocks). Every element's updates are one fused multiply-add chain in pivot order whatever the vector width
/// or thread count, so the result is deterministic. Where LU would keep the diagonal pivots of an exactly
/// symmetric A these are LU's own chains (a_ki standing for a_ik), hence LU's bits; otherwise the two agree to
/// the rounding of either (~n ε relative per factorisation), both being backward stable.
/// </para>
/// </summary>
public static class SymmetricLogDeterminant
{
    /// <summary>
    /// Rows per panel: the depth of the trailing <see cref="MatrixProduct"/> updates. The panel's own row sweeps
    /// stream ~n² · Panel / 2 elements through memory in all, which at 64 cost as much as the halved product
    /// saved (n = 1000: 18 ms at 64, 7.5 ms at 32 and 16, LU 15 ms; one thread, medians of ten).
    /// </summary>
    public const int Panel = 32;

    /// <summary>
    /// ln|det A| of the symmetric n×n row-major <paramref name="matrix"/> (overwritten; only its upper triangle
    /// is assumed to equal the lower one's mirror). −∞ if singular (through the LU fallback).
    /// </summary>
    public static double LogAbsDeterminant(Span<double> matrix, int n)
    {
        if (n == 0)
        {
            return 0;
        }

        // Row i's part of its diagonal tile up to and including the diagonal: all that elimination overwrites
        // on or below the diagonal.
        Span<double> tiles = Buffer(ref t_tiles, n * Panel);
        for (int i = 0; i < n; i++)
        {
            int start = i / Panel * Panel;
            matrix.Slice((i * n) + start, i - start + 1).CopyTo(tiles.Slice(i * Panel, Panel));
        }

        if (TryPositivePivots(matrix, n, out double logDet))
        {
            return logDet;
        }

        // Restore A: the diagonal tiles' lower halves from the copy, the upper triangle from the lower one.
        for (int i = 0; i < n; i++)
        {
            int start = i / Panel * Panel;
            tiles.Slice(i * Panel, i - start + 1).CopyTo(matrix.Slice((i * n) + start, i - start + 1));
        }

        for (int i = 0; i < n; i++)
        {
            for (int j = i + 1; j < n; j++)
            {
                matrix[(i * n) + j] = matrix[(j * n) + i];
            }
        }

        return DenseLu.LogAbsDeterminant(matrix, n);
    }

    /// <summary>
    /// Σ ln d_k of A = Uᵀ D U when every pivot d_k is positive and finite (false at the first one that is not,
    /// with the upper triangle partly eliminated; below the diagonal only the diagonal tiles are overwritten).
    /// </summary>
    public static bool TryPositivePivots(Span<double> matrix, int n, out double logDet)
    {
        ref double a = ref MemoryMarshal.GetReference(matrix);
        Span<double> multipliers = Buffer(ref t_multipliers, n * Panel);
        double product = 1;
        logDet = 0;
        for (int k0 = 0; k0 < n; k0 += Panel)
        {
            int end = Math.Min(n, k0 + Panel);
            int width = end - k0;
            for (int k = k0; k < end; k++)
            {
                double pivot = Unsafe.Add(ref a, (k * n) + k);
                if (!(pivot > 0) || !double.IsFinite(pivot))
                {
                    logDet = double.NaN;
                    return false;
                }

                // As in DenseLu: the product goes into the logarithm only near the exponent range's ends.
                product *= pivot;
                if (product is > 1e150 or < 1e-150)
                {
                    logDet += Math.Log(product);
                    product = 1;
                }

                double inverse = 1.0 / pivot;

                // The panel's later rows i: row i ← row i − (a_ki / a_kk) row k over columns i … n − 1 (the
                // upper triangle; by symmetry a_ki stands for the a_ik that LU would eliminate).
                for (int i = k + 1; i < end; i++)
                {
                    double factor = Unsafe.Add(ref a, (k * n) + i) * inverse;
                    ReadOnlySpan<double> upper = matrix.Slice((k * n) + i, n - i);
                    Span<double> row = matrix.Slice((i * n) + i, n - i);
                    TensorPrimitives.FusedMultiplyAdd(upper, -factor, row, row);
                }

                // L₂₁'s column k − k0: row k's final entries right of the panel, scaled by 1/d_k.
                for (int i = end; i < n; i++)
                {
                    multipliers[((i - end) * width) + (k - k0)] = Unsafe.Add(ref a, (k * n) + i) * inverse;
                }
            }

            if (end == n)
            {
                break;
            }

            // Upper block triangle of A₂₂ −= L₂₁ U₁₂, one row panel at a time from its diagonal tile rightwards.
            // The diagonal tiles' lower halves are overwritten too (whole tiles keep the register blocks full);
            // they are the fixed Panel × Panel blocks on the diagonal, saved before elimination.
            int rest = n - end;
            for (int r0 = 0; r0 < rest; r0 += Panel)
            {
                int rows = Math.Min(Panel, rest - r0);
                MatrixProduct.MultiplyAdd(
                    multipliers[(r0 * width)..],
                    width,
                    matrix[((k0 * n) + end + r0)..],
                    n,
                    matrix[(((end + r0) * n) + end + r0)..],
                    n,
                    rows,
                    rest - r0,
                    width,
                    subtract: true);
            }
        }

        logDet += Math.Log(product);
        return true;
    }

    [ThreadStatic]
    private static double[]? t_tiles;

    [ThreadStatic]
    private static double[]? t_multipliers;

    /// <summary>Per-thread scratch (grown, never shrunk): no allocation per factorisation.</summary>
    private static Span<double> Buffer(ref double[]? field, int length)
        => (field is { } b && b.Length >= length ? b : field = new double[length]).AsSpan(0, length);
}
