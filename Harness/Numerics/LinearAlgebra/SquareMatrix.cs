using System.Numerics.Tensors;

namespace Diffusion.Verify.Numerics.LinearAlgebra;

/// <summary>
/// The few d×d row-major operations the samplers' Jacobian chain rules need (DESIGN §4, ln|det J|).
/// Allocation-free; O(d³) products are meant for d ≤ 64.
/// </summary>
internal static class SquareMatrix
{
    /// <summary><paramref name="product"/> = <paramref name="left"/> · <paramref name="right"/> (product must not alias either).</summary>
    public static void Multiply(ReadOnlySpan<double> left, ReadOnlySpan<double> right, Span<double> product, int n)
    {
        product[..(n * n)].Clear();
        for (int i = 0; i < n; i++)
        {
            Span<double> row = product.Slice(i * n, n);
            for (int k = 0; k < n; k++)
            {
                double lik = left[i * n + k];
                if (lik != 0)
                {
                    TensorPrimitives.MultiplyAdd(right.Slice(k * n, n), lik, row, row);
                }
            }
        }
    }

    /// <summary><paramref name="matrix"/> += <paramref name="value"/> · I.</summary>
    public static void AddToDiagonal(Span<double> matrix, double value, int n)
    {
        for (int i = 0; i < n; i++)
        {
            matrix[i * n + i] += value;
        }
    }

    /// <summary><paramref name="matrix"/> = I.</summary>
    public static void SetIdentity(Span<double> matrix, int n)
    {
        matrix[..(n * n)].Clear();
        AddToDiagonal(matrix, 1.0, n);
    }
}
