namespace Diffusion.Verify.Numerics;

/// <summary>In-place LU with partial pivoting on small row-major matrices, allocation-free.</summary>
public static class DenseLu
{
    /// <summary>ln|det A| of the n×n row-major matrix in <paramref name="a"/>, which is overwritten. −∞ if singular.</summary>
    public static double LogAbsDeterminant(Span<double> a, int n)
    {
        double logDet = 0;
        for (int k = 0; k < n; k++)
        {
            int pivot = k;
            double best = Math.Abs(a[k * n + k]);
            for (int i = k + 1; i < n; i++)
            {
                double v = Math.Abs(a[i * n + k]);
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
                Span<double> pivotRow = a.Slice(pivot * n, n);
                Span<double> currentRow = a.Slice(k * n, n);
                for (int j = 0; j < n; j++)
                {
                    (pivotRow[j], currentRow[j]) = (currentRow[j], pivotRow[j]);
                }
            }

            double diagonal = a[k * n + k];
            logDet += Math.Log(Math.Abs(diagonal));
            for (int i = k + 1; i < n; i++)
            {
                double factor = a[i * n + k] / diagonal;
                if (factor == 0)
                {
                    continue;
                }

                Span<double> row = a.Slice(i * n + k + 1, n - k - 1);
                ReadOnlySpan<double> upper = a.Slice(k * n + k + 1, n - k - 1);
                for (int j = 0; j < row.Length; j++)
                {
                    row[j] -= factor * upper[j];
                }
            }
        }

        return logDet;
    }
}
