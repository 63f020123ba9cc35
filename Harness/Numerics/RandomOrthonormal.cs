using System.Numerics.Tensors;
using Diffusion.Verify.Randomness;

namespace Diffusion.Verify.Numerics;

/// <summary>
/// Haar-distributed orthonormal frames from counter-based randomness: Gram–Schmidt of i.i.d. Gaussian
/// vectors is the Q factor of a Gaussian matrix with positive R diagonal, which is exactly Haar
/// (uniform on the Stiefel manifold). The one place targets get random rotations and subspaces from.
/// </summary>
public static class RandomOrthonormal
{
    /// <summary>
    /// A <paramref name="dimension"/>×<paramref name="count"/> row-major matrix whose columns are
    /// orthonormal, a pure function of <paramref name="key"/> (column j uses the key's normals at
    /// indices j·d .. j·d + d − 1).
    /// </summary>
    public static double[] Columns(int dimension, int count, ulong key)
    {
        if (dimension < 1 || count < 1 || count > dimension)
        {
            throw new ArgumentOutOfRangeException(nameof(count), $"need 1 ≤ count ({count}) ≤ dimension ({dimension})");
        }

        if ((long)dimension * count > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(dimension), $"{dimension}×{count} frame is too large");
        }

        int d = dimension;
        var vectors = new double[count * d];
        CounterRandom.FillStandardNormal(key, vectors);
        for (int j = 0; j < count; j++)
        {
            Span<double> v = vectors.AsSpan(j * d, d);

            // Two passes of modified Gram–Schmidt ("twice is enough", Giraud et al. 2005) keep the frame
            // orthonormal to rounding even for d = count in the thousands.
            for (int pass = 0; pass < 2; pass++)
            {
                for (int i = 0; i < j; i++)
                {
                    ReadOnlySpan<double> u = vectors.AsSpan(i * d, d);
                    TensorPrimitives.MultiplyAdd(u, -TensorPrimitives.Dot(u, v), v, v);
                }
            }

            double norm = TensorPrimitives.Norm<double>(v);
            if (!(norm > 0))
            {
                throw new InvalidOperationException("degenerate Gaussian draw in RandomOrthonormal (probability zero)");
            }

            TensorPrimitives.Multiply(v, 1.0 / norm, v);
        }

        var result = new double[d * count];
        for (int j = 0; j < count; j++)
        {
            ReadOnlySpan<double> v = vectors.AsSpan(j * d, d);
            for (int i = 0; i < d; i++)
            {
                result[i * count + j] = v[i];
            }
        }

        return result;
    }
}
