namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// The blocked LU (from n = <see cref="DenseLu.BlockedFrom"/>) against the row-by-row one: the same pivots,
/// multipliers and fused updates in the same order, so the same bits, on random matrices (pivoting on every
/// column), on graded ones (pivots far from the diagonal) and on a singular one (−∞ from both); and both
/// against a determinant known in closed form.
/// </summary>
public sealed class DenseLuTests
{
    [Theory]
    [InlineData(130, false)]
    [InlineData(200, true)]
    public void BlockedEqualsRowByRowBitForBit(int n, bool graded)
    {
        var random = new Random(n);
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                a[i * n + j] = (random.NextDouble() - 0.5) * (graded ? Math.Pow(10, (i % 7) - 3) : 1);
            }
        }

        double rowByRow = DenseLu.RowByRow((double[])a.Clone(), n);
        double blocked = DenseLu.Blocked((double[])a.Clone(), n);
        Assert.True(double.IsFinite(rowByRow));
        Assert.Equal(BitConverter.DoubleToInt64Bits(rowByRow), BitConverter.DoubleToInt64Bits(blocked));
    }

    [Fact]
    public void SingularIsMinusInfinity()
    {
        const int n = 140;
        var random = new Random(5);
        double[] a = Enumerable.Range(0, n * n).Select(_ => random.NextDouble()).ToArray();
        a.AsSpan(3 * n, n).CopyTo(a.AsSpan(100 * n, n));
        for (int j = 0; j < n; j++)
        {
            a[100 * n + j] *= 2; // row 100 = 2 · row 3, exactly
        }

        Assert.Equal(double.NegativeInfinity, DenseLu.Blocked((double[])a.Clone(), n));
        Assert.Equal(double.NegativeInfinity, DenseLu.RowByRow(a, n));
    }

    /// <summary>A lower-triangular-times-upper product with known diagonals: ln|det| = Σ ln|u_ii| (l_ii = 1).</summary>
    [Fact]
    public void KnownDeterminant()
    {
        const int n = 150;
        var random = new Random(9);
        var l = new double[n * n];
        var u = new double[n * n];
        double expected = 0;
        for (int i = 0; i < n; i++)
        {
            l[i * n + i] = 1;
            u[i * n + i] = 0.5 + random.NextDouble();
            expected += Math.Log(u[i * n + i]);
            for (int j = 0; j < i; j++)
            {
                l[i * n + j] = 0.1 * (random.NextDouble() - 0.5);
                u[j * n + i] = random.NextDouble() - 0.5;
            }
        }

        var a = new double[n * n];
        MatrixProduct.Multiply(l, u, a, n);
        double value = DenseLu.LogAbsDeterminant(a, n);
        Assert.True(Math.Abs(value - expected) < 1e-11 * (1 + Math.Abs(expected)), $"{value} vs {expected}");
    }
}
