using System.Numerics.Tensors;
using Diffusion.Verify.Randomness;
using MathNet.Numerics.LinearAlgebra.Double;

namespace Diffusion.Verify.Numerics;

/// <summary>‖A‖₂, the largest singular value of a square row-major matrix.</summary>
public static class SpectralNorm
{
    /// <summary>Up to this size the norm comes from a full SVD (exact to rounding); above it, from power iteration.</summary>
    public const int SvdLimit = 64;

    private const int MaxIterations = 1000;
    private const double RelativeTolerance = 1e-13;

    /// <summary>Doubles of scratch <see cref="Compute"/> needs for an n×n matrix.</summary>
    public static int ScratchLength(int n) => 2 * n;

    /// <summary>
    /// ‖A‖₂ of the n×n row-major <paramref name="matrix"/>. For n ≤ <see cref="SvdLimit"/> by SVD (allocates).
    /// Larger n: power iteration on AᵀA from a fixed pseudo-random start, stopped when the Rayleigh quotient
    /// changes by less than 1e−13 relative; the result is a lower bound whose error shrinks like
    /// (σ₂/σ₁)^(2k), so it is accurate unless the top two singular values nearly coincide, and even then it
    /// lies between σ₂ and σ₁.
    /// </summary>
    public static double Compute(ReadOnlySpan<double> matrix, int n, Span<double> scratch)
    {
        ReadOnlySpan<double> a = matrix[..(n * n)];
        if (TensorPrimitives.MaxMagnitude(a) == 0)
        {
            return 0.0;
        }

        if (n <= SvdLimit)
        {
            // MathNet reads column-major, so this is Aᵀ, whose spectral norm is the same.
            return new DenseMatrix(n, n, a.ToArray()).L2Norm();
        }

        Span<double> v = scratch[..n];
        Span<double> w = scratch.Slice(n, n);
        ulong key = CounterRandom.Key(0, RandomStream.Evaluation, 0, 0x5EC7);
        CounterRandom.FillStandardNormal(key, v);
        TensorPrimitives.Divide(v, TensorPrimitives.Norm<double>(v), v);
        double previous = 0;
        double current = 0;
        for (int iteration = 0; iteration < MaxIterations; iteration++)
        {
            // w = A v;  λ = ‖A v‖² = vᵀ AᵀA v;  v ← Aᵀw / ‖Aᵀw‖
            for (int i = 0; i < n; i++)
            {
                w[i] = TensorPrimitives.Dot(a.Slice(i * n, n), v);
            }

            current = TensorPrimitives.Dot<double>(w, w);
            v.Clear();
            for (int i = 0; i < n; i++)
            {
                if (w[i] != 0)
                {
                    TensorPrimitives.MultiplyAdd(a.Slice(i * n, n), w[i], v, v);
                }
            }

            double norm = TensorPrimitives.Norm<double>(v);
            if (norm == 0 || Math.Abs(current - previous) <= RelativeTolerance * current)
            {
                break;
            }

            TensorPrimitives.Divide(v, norm, v);
            previous = current;
        }

        return Math.Sqrt(current);
    }
}
