using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Diffusion.Verify.Numerics;

/// <summary>In-place LU with partial pivoting on small row-major matrices, allocation-free.</summary>
public static class DenseLu
{
    /// <summary>
    /// ln|det A| of the n×n row-major matrix in <paramref name="matrix"/>, which is overwritten, by LU with
    /// partial pivoting, rows updated 8 wide; −∞ if singular.
    /// </summary>
    public static double LogAbsDeterminant(Span<double> matrix, int n)
    {
        ref double a = ref MemoryMarshal.GetReference(matrix);
        double product = 1;
        double logDet = 0;
        for (int k = 0; k < n; k++)
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
                Span<double> pivotRow = matrix.Slice(pivot * n, n);
                Span<double> currentRow = matrix.Slice(k * n, n);
                for (int j = 0; j < n; j++)
                {
                    (pivotRow[j], currentRow[j]) = (currentRow[j], pivotRow[j]);
                }
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

            // Row i ← row i − (a_ik / a_kk) row k over columns from the multiple of 8 at or below k + 1: the
            // columns left of k + 1 are never read again, so whole 8-wide vectors may overwrite them.
            int start = (k + 1) & ~7;
            ref double upper = ref Unsafe.Add(ref a, k * n);
            for (int i = k + 1; i < n; i++)
            {
                ref double row = ref Unsafe.Add(ref a, i * n);
                double factor = Unsafe.Add(ref row, k) * inverse;
                var f = Vector512.Create(-factor);
                int j = start;
                for (; j + 8 <= n; j += 8)
                {
                    Vector512.FusedMultiplyAdd(f, Vector512.LoadUnsafe(ref upper, (nuint)j), Vector512.LoadUnsafe(ref row, (nuint)j)).StoreUnsafe(ref row, (nuint)j);
                }

                for (j = Math.Max(j, k + 1); j < n; j++)
                {
                    Unsafe.Add(ref row, j) = Math.FusedMultiplyAdd(-factor, Unsafe.Add(ref upper, j), Unsafe.Add(ref row, j));
                }
            }
        }

        return logDet + Math.Log(product);
    }
}
