namespace Diffusion.Verify.Numerics;

/// <summary>
/// Wynn's ε-algorithm: the limit of a sequence of partial sums, for the slowly converging alternating
/// sums that integrals of decaying oscillations over successive half periods produce.
/// </summary>
internal static class WynnEpsilon
{
    /// <summary>The highest even-order ε-table entry built from the newest terms of <paramref name="sums"/>.</summary>
    public static double Extrapolate(ReadOnlySpan<double> sums)
    {
        int n = sums.Length;
        if (n < 3)
        {
            return sums[n - 1];
        }

        Span<double> previous = stackalloc double[n + 1];
        Span<double> current = stackalloc double[n];
        Span<double> next = stackalloc double[n];
        previous.Clear();
        sums.CopyTo(current);
        double best = sums[n - 1];
        for (int k = 1; k < n; k++)
        {
            int length = n - k;
            for (int i = 0; i < length; i++)
            {
                double difference = current[i + 1] - current[i];
                if (difference == 0)
                {
                    // The column has converged exactly; its value is the limit.
                    return k % 2 == 1 ? current[i + 1] : best;
                }

                next[i] = previous[i + 1] + (1.0 / difference);
            }

            if (k % 2 == 0)
            {
                best = next[length - 1];
            }

            current[..(length + 1)].CopyTo(previous);
            next[..length].CopyTo(current);
        }

        return best;
    }
}
