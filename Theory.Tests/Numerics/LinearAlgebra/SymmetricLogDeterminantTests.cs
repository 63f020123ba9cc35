using Diffusion.Verify.Numerics;
using Diffusion.Verify.Numerics.LinearAlgebra;
using Xunit.Abstractions;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// The symmetric Uᵀ D U ln|det| against the pivoting LU's: on positive definite matrices (blocked and not,
/// so panels and row-by-row diagonal tiles are both exercised) they agree to a few n ε relative; on indefinite
/// ones the fallback hands the restored matrix to LU and gives its bits; a singular one gives −∞.
/// </summary>
public sealed class SymmetricLogDeterminantTests(ITestOutputHelper output)
{
    /// <summary>A = I + c (G Gᵀ / n) − c' diag, symmetric by construction (upper and lower bit-identical).</summary>
    private static double[] Symmetric(int n, int seed, double shift)
    {
        var random = new Random(seed);
        var g = new double[n * n];
        for (int i = 0; i < g.Length; i++)
        {
            g[i] = random.NextDouble() - 0.5;
        }

        var a = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                double s = 0;
                for (int p = 0; p < n; p++)
                {
                    s += g[(i * n) + p] * g[(j * n) + p];
                }

                a[(i * n) + j] = a[(j * n) + i] = (4 * s / n) + (i == j ? shift : 0);
            }
        }

        return a;
    }

    [Theory]
    [InlineData(50, 1.0)]
    [InlineData(130, 1.0)]
    [InlineData(200, 0.05)]
    public void PositiveDefiniteAgreesWithLu(int n, double shift)
    {
        double[] a = Symmetric(n, n, shift);
        double lu = DenseLu.LogAbsDeterminant((double[])a.Clone(), n);
        double[] work = (double[])a.Clone();
        Assert.True(SymmetricLogDeterminant.TryPositivePivots(work, n, out double symmetric));

        // Both are backward stable: each is ln|det| of A + δA with ‖δA‖ ~ n ε ‖A‖; with κ(A) ≲ 10³ here the
        // results agree to ~n ε κ absolute, far inside 1e−9.
        Assert.True(Math.Abs(symmetric - lu) <= 1e-9 * Math.Max(1, Math.Abs(lu)), $"{symmetric} vs {lu}");
        Assert.Equal(symmetric, SymmetricLogDeterminant.LogAbsDeterminant((double[])a.Clone(), n));
    }

    [Theory]
    [InlineData(60)]
    [InlineData(150)]
    public void IndefiniteFallsBackToLuBits(int n)
    {
        double[] a = Symmetric(n, n + 1, -0.9); // the shift makes some eigenvalues negative
        Assert.False(SymmetricLogDeterminant.TryPositivePivots((double[])a.Clone(), n, out _));
        double lu = DenseLu.LogAbsDeterminant((double[])a.Clone(), n);
        Assert.True(double.IsFinite(lu));
        Assert.Equal(BitConverter.DoubleToInt64Bits(lu), BitConverter.DoubleToInt64Bits(SymmetricLogDeterminant.LogAbsDeterminant(a, n)));
    }

    [Fact]
    public void SingularIsMinusInfinity()
    {
        const int n = 140;
        var a = new double[n * n];
        var random = new Random(3);
        var v = new double[n];
        for (int i = 0; i < n; i++)
        {
            v[i] = random.NextDouble() + 0.5;
        }

        // rank one v vᵀ with v_0 = v_1: rows 0 and 1 equal, so exactly singular; pivot 1 becomes 0.
        v[1] = v[0];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                a[(i * n) + j] = v[i] * v[j];
            }
        }

        Assert.Equal(double.NegativeInfinity, SymmetricLogDeterminant.LogAbsDeterminant(a, n));
    }

    [Fact]
    public void KnownDeterminantOfUtDU()
    {
        const int n = 170;
        var random = new Random(11);
        var u = new double[n * n];
        var dg = new double[n];
        double expected = 0;
        for (int i = 0; i < n; i++)
        {
            u[(i * n) + i] = 1;
            dg[i] = 0.5 + random.NextDouble();
            expected += Math.Log(dg[i]);
            for (int j = i + 1; j < n; j++)
            {
                u[(i * n) + j] = (random.NextDouble() - 0.5) * 0.2;
            }
        }

        var a = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p <= Math.Min(i, j); p++)
                {
                    s += u[(p * n) + i] * dg[p] * u[(p * n) + j];
                }

                a[(i * n) + j] = s;
            }
        }

        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < i; j++)
            {
                a[(i * n) + j] = a[(j * n) + i];
            }
        }

        Assert.Equal(expected, SymmetricLogDeterminant.LogAbsDeterminant(a, n), 1e-10);
    }

    [Fact(Skip = "timing probe, run by hand (no wall-clock assertions in unit tests)")]
    public void Timing()
    {
        const int n = 1000;
        double[] a = Symmetric(n, 1, 1.0);
        var w = new double[n * n];
        for (int rep = 0; rep < 10; rep++)
        {
            a.CopyTo(w, 0);
            var sw = System.Diagnostics.Stopwatch.StartNew();
            DenseLu.LogAbsDeterminant(w, n);
            double lu = sw.Elapsed.TotalMilliseconds;
            a.CopyTo(w, 0);
            sw.Restart();
            SymmetricLogDeterminant.LogAbsDeterminant(w, n);
            output.WriteLine($"lu {lu:F1} ms, symmetric {sw.Elapsed.TotalMilliseconds:F1} ms");
        }
    }
}
