using MathNet.Numerics.LinearAlgebra;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// |ln|det(A + E)| − ln|det A|| ≤ β/(1 − β) with β = ‖A⁻¹‖₂ ‖E‖_* (<see cref="PerturbedLogDeterminant"/>):
/// on random A = Q diag(a) Qᵀ with eigenvalues of both signs and random full-rank E scaled to β from 10⁻⁶ to 0.9,
/// and on the case built to sit on the bound, E = −β a_min q qᵀ along the eigenvector of the smallest |a|,
/// where the change is −ln(1 − β) = β + β²/2 + … against the bound β + β² + …: within 1 % of it at β = 0.01.
/// </summary>
public sealed class PerturbedLogDeterminantTests
{
    private const int D = 24;

    private static (double[] A, double[] Eigenvalues, double[] Q) RandomSymmetric(Random random)
    {
        double[] q = RandomOrthonormal.Columns(D, D, (ulong)random.NextInt64());
        double[] eigenvalues = Enumerable.Range(0, D).Select(j => (random.NextDouble() < 0.3 ? -1 : 1) * (0.2 + 1.8 * random.NextDouble())).ToArray();
        var a = new double[D * D];
        for (int i = 0; i < D; i++)
        {
            for (int l = 0; l < D; l++)
            {
                double sum = 0;
                for (int j = 0; j < D; j++)
                {
                    sum += q[i * D + j] * eigenvalues[j] * q[l * D + j];
                }

                a[i * D + l] = sum;
            }
        }

        return (a, eigenvalues, q);
    }

    private static double LogAbsDet(double[] matrix) => DenseLu.LogAbsDeterminant((double[])matrix.Clone(), D);

    private static double NuclearNorm(double[] e) => Matrix<double>.Build.Dense(D, D, (i, j) => e[i * D + j]).Svd(computeVectors: false).S.Sum();

    [Fact]
    public void BoundHoldsOnRandomPerturbations()
    {
        var random = new Random(17);
        foreach (double beta in new[] { 1e-6, 1e-3, 0.1, 0.5, 0.9 })
        {
            for (int trial = 0; trial < 4; trial++)
            {
                (double[] a, double[] eigenvalues, _) = RandomSymmetric(random);
                double[] e = Enumerable.Range(0, D * D).Select(_ => random.NextDouble() - 0.5).ToArray();
                double inverseNorm = 1 / eigenvalues.Min(Math.Abs);
                double scale = beta / (inverseNorm * NuclearNorm(e));
                double[] perturbed = a.Zip(e, (x, y) => x + scale * y).ToArray();
                double change = Math.Abs(LogAbsDet(perturbed) - LogAbsDet(a));
                double bound = PerturbedLogDeterminant.Bound(beta);
                Assert.True(change <= bound * (1 + 1e-9) + 1e-13, $"β = {beta}: change {change:E3} above bound {bound:E3}");
            }
        }
    }

    [Fact]
    public void BoundIsNearlyAttainedAlongTheSmallestEigenvector()
    {
        var random = new Random(23);
        (double[] a, double[] eigenvalues, double[] q) = RandomSymmetric(random);
        int smallest = Enumerable.Range(0, D).MinBy(j => Math.Abs(eigenvalues[j]));
        const double beta = 0.01;
        double[] perturbed = (double[])a.Clone();
        for (int i = 0; i < D; i++)
        {
            for (int l = 0; l < D; l++)
            {
                perturbed[i * D + l] -= beta * eigenvalues[smallest] * q[i * D + smallest] * q[l * D + smallest];
            }
        }

        double change = Math.Abs(LogAbsDet(perturbed) - LogAbsDet(a));
        double bound = PerturbedLogDeterminant.Bound(beta);
        Assert.True(change <= bound, $"{change:E6} > {bound:E6}");
        Assert.True(change >= 0.99 * bound, $"{change:E6} far below {bound:E6}: the case does not sit on the bound");
        Assert.Equal(double.PositiveInfinity, PerturbedLogDeterminant.Bound(1.0));
        Assert.Equal(double.PositiveInfinity, PerturbedLogDeterminant.Bound(double.NaN));
    }
}
