namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// The register-blocked product against its definition: every element one chain of fused multiply-adds in the
/// order p = 0 … k − 1 starting from C. Bit-for-bit, on shapes that leave edges in every direction (rows not a
/// multiple of 4, columns not a multiple of two vectors or of the column panel, depth across k-blocks) and with
/// strides wider than the matrices; so the result cannot depend on width, blocking or thread count.
/// </summary>
public sealed class MatrixProductTests
{
    [Theory]
    [InlineData(1, 1, 1, false)]
    [InlineData(7, 9, 5, false)]
    [InlineData(13, 70, 33, true)]
    [InlineData(66, 131, 300, false)]
    [InlineData(129, 67, 513, true)]
    [InlineData(9, 74, 40, false)]
    [InlineData(6, 12, 7, true)]
    [InlineData(32, 45, 70, true)]
    public void ProductIsTheFusedChainBitForBit(int m, int n, int k, bool subtract)
    {
        var random = new Random(m * 1000 + n * 10 + k);
        int lda = k + 3;
        int ldb = n + 5;
        int ldc = n + 1;
        double[] a = Enumerable.Range(0, m * lda).Select(_ => random.NextDouble() - 0.5).ToArray();
        double[] b = Enumerable.Range(0, k * ldb).Select(_ => random.NextDouble() - 0.5).ToArray();
        double[] c = Enumerable.Range(0, m * ldc).Select(_ => random.NextDouble() - 0.5).ToArray();
        double[] expected = (double[])c.Clone();
        double sign = subtract ? -1 : 1;
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = expected[i * ldc + j];
                for (int p = 0; p < k; p++)
                {
                    sum = Math.FusedMultiplyAdd(sign * a[i * lda + p], b[p * ldb + j], sum);
                }

                expected[i * ldc + j] = sum;
            }
        }

        MatrixProduct.MultiplyAdd(a, lda, b, ldb, c, ldc, m, n, k, subtract);
        Assert.True(c.AsSpan().SequenceEqual(expected), "the blocked product is not the fused chain");
    }

    [Fact]
    public void ShortExtentsAreRefused()
    {
        var a = new double[8]; // 3 × 3 with stride 3 needs 9
        Assert.Throws<ArgumentException>(() => MatrixProduct.MultiplyAdd(a, 3, a, 3, new double[9], 3, 3, 3, 3, subtract: false));
    }
}
