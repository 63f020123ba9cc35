using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Numerics.Tensors;

namespace Diffusion.Verify.Numerics;

/// <summary>In-place LU with partial pivoting on small row-major matrices, allocation-free.</summary>
public static class DenseLu
{
    /// <summary>
    /// ln|det A| of the n×n row-major matrix in <paramref name="matrix"/>, which is overwritten, by LU with
    /// partial pivoting, rows updated by vectorised fused multiply-adds; −∞ if singular.
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

            // Row i ← row i − (a_ik / a_kk) row k over columns k + 1 … n − 1, one fused multiply-add per
            // element (the same at every vector width TensorPrimitives picks).
            ReadOnlySpan<double> upper = matrix.Slice((k * n) + k + 1, n - k - 1);
            for (int i = k + 1; i < n; i++)
            {
                Span<double> row = matrix.Slice((i * n) + k + 1, n - k - 1);
                double factor = Unsafe.Add(ref a, (i * n) + k) * inverse;
                TensorPrimitives.FusedMultiplyAdd(upper, -factor, row, row);
            }
        }

        return logDet + Math.Log(product);
    }
}
