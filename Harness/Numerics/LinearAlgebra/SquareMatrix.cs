namespace Diffusion.Verify.Numerics.LinearAlgebra;

/// <summary>
/// The few d×d row-major operations the samplers' Jacobian chain rules need (DESIGN §4, ln|det J|).
/// Allocation-free; the O(d³) product is the blocked <see cref="MatrixProduct"/>.
/// </summary>
internal static class SquareMatrix
{
    /// <summary>
    /// <paramref name="product"/> = <paramref name="left"/> · <paramref name="right"/> (product must not alias
    /// either), by the register-blocked <see cref="MatrixProduct"/>.
    /// </summary>
    public static void Multiply(ReadOnlySpan<double> left, ReadOnlySpan<double> right, Span<double> product, int n)
        => MatrixProduct.Multiply(left, right, product, n);

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
