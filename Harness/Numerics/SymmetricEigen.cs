using MathNet.Numerics.LinearAlgebra;

namespace Diffusion.Verify.Numerics;

/// <summary>A = Q diag(λ) Qᵀ for a symmetric matrix, via MathNet's symmetric eigensolver.</summary>
public static class SymmetricEigen
{
    /// <summary>
    /// Eigenvalues (ascending) and eigenvectors of the symmetric n×n row-major matrix
    /// <paramref name="symmetric"/>; the vectors come back n×n row-major with column j = eigenvector j.
    /// </summary>
    public static (double[] Values, double[] Vectors) Decompose(ReadOnlySpan<double> symmetric, int n)
    {
        Matrix<double> a = Matrix<double>.Build.Dense(n, n);
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                a[i, j] = symmetric[i * n + j];
            }
        }

        var evd = a.Evd(Symmetricity.Symmetric);
        var values = new double[n];
        for (int j = 0; j < n; j++)
        {
            values[j] = evd.EigenValues[j].Real;
        }

        return (values, evd.EigenVectors.ToRowMajorArray());
    }
}
