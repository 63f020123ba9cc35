using System.Numerics.Tensors;
using Diffusion.Verify.Numerics;
using Diffusion.Verify.Numerics.LinearAlgebra;
using Diffusion.Verify.Scores;

namespace Diffusion.Verify.Samplers;

/// <summary>
/// ln|det ∂Y_1/∂Y_T| of acc-ode-ms without d×d matrices, when the score offers low-rank Jacobians
/// ∇s_t = −κ_t I + P_t C_t Q_tᵀ.
/// <para>
/// The multistep map's per-step determinants do not multiply: Y_{t−1} depends on Y_t and, through the cached
/// ε_{t+1}(Y_{t+1}), on Y_{t+1}. With M_t = ∂Y_t/∂Y_T, E_t = ∇ε_t(Y_t) = −√(1−ᾱ_t) ∇s_t(Y_t) and G_t = E_t M_t,
/// the chain rule is exactly
/// M_{t−1} = (1/√α_t) M_t + (c_t − C_t) G_t + C_t G_{t+1},  M_T = I,
/// with c_t the DDIM weight of ε_t and C_t the correction weight (0 at the first step).
/// Every E_t is e_t I plus a part whose column and row spaces are spanned by P_t's and Q_t's columns, so every
/// M_t and G_t has the form x I + B X̂ Bᵀ, with B an orthonormal basis of all those columns seen so far
/// (a product of two such matrices keeps the form: (aI + BÂBᵀ)(bI + BB̂Bᵀ) = ab I + B(aB̂ + bÂ + ÂB̂)Bᵀ).
/// Each row therefore carries B (d × r), the scalars m, g and the r×r matrices M̂, Ĝ, and at the end
/// ln|det M_1| = (d − r) ln|m| + ln|det(m I_r + M̂)|.
/// </para>
/// <para>
/// The rank r stays small: for an isotropic mixture every Y_t lies in span{Y_T, μ_1, …, μ_K} (each step adds
/// multiples of Y_t and of scores, which lie in span{Y_t, μ_k}), so r ≤ K + 1; a perturbation adds its fixed
/// directions. The basis is grown by Gram–Schmidt with re-orthogonalisation; a column whose part outside the
/// basis is below <see cref="DropTolerance"/> of its norm adds no direction (the Y_t computed in floating point
/// leave the span by rounding only, ~1e−15 relative). Cost per row and step: O(m r d + r³), against the dense
/// tangent propagation's O(d³). r ≤ d always, so this path is never asymptotically slower than the dense one.
/// </para>
/// </summary>
internal sealed class AccOdeMultistepLogDeterminant
{
    /// <summary>
    /// Relative size below which a column's component outside the current basis is treated as rounding: far
    /// above the ~1e−15 that rounding leaves, far below anything that changes ln|det| at the precision the
    /// estimators need (the dropped part perturbs the Jacobian by at most this fraction of a column).
    /// </summary>
    public const double DropTolerance = 1e-10;

    private readonly RowMaps[] _rows;
    private readonly LowRankJacobian _jacobian;
    private readonly double[] _residual;
    private double[] _small = [];

    private AccOdeMultistepLogDeterminant(int rows, int dimension)
    {
        _rows = new RowMaps[rows];
        for (int i = 0; i < rows; i++)
        {
            _rows[i] = new RowMaps(dimension);
        }

        _jacobian = new LowRankJacobian(dimension);
        _residual = new double[dimension];
    }

    /// <summary>
    /// Propagates the block's rows one step (before the sampler moves Y_t), or returns false when this path does
    /// not apply (d ≤ <see cref="SamplerBlock.DenseJacobianDimension"/> or no low-rank Jacobian) and the caller
    /// must use its dense tangents. The choice is made at the block's first step and kept.
    /// </summary>
    public static bool TryPropagate(SamplerBlock block, int t, double[] logDet, double sigma, double rootAlpha, double ddim, double correction)
    {
        AccOdeMultistepLogDeterminant state;
        if (!block.HasHistory)
        {
            int d = block.Dimension;
            if (d <= SamplerBlock.DenseJacobianDimension
                || !block.Score.TryLowRankJacobian(block.Row(block.State, 0), block.Schedule.AlphaBar(t), block.LowRankAtState))
            {
                return false;
            }

            state = new AccOdeMultistepLogDeterminant(block.Rows, d);
            block.SamplerState = state;
        }
        else if (block.SamplerState is AccOdeMultistepLogDeterminant existing)
        {
            state = existing;
        }
        else
        {
            return false;
        }

        state.Propagate(block, t, logDet, sigma, rootAlpha, ddim, correction);
        return true;
    }

    private void Propagate(SamplerBlock block, int t, double[] logDet, double sigma, double rootAlpha, double ddim, double correction)
    {
        double alphaBar = block.Schedule.AlphaBar(t);
        int d = block.Dimension;
        LowRankJacobian jacobian = _jacobian;
        for (int i = 0; i < block.Rows; i++)
        {
            RowMaps row = _rows[i];
            if (!block.Score.TryLowRankJacobian(block.Row(block.State, i), alphaBar, jacobian))
            {
                throw new InvalidOperationException($"{block.Score.Description}: a low-rank Jacobian at one point but not at another (row {i}, t = {t})");
            }

            int m = jacobian.Rank;
            for (int j = 0; j < m; j++)
            {
                row.Extend(jacobian.Left(j), _residual);
            }

            if (!jacobian.SharedFactors)
            {
                for (int j = 0; j < m; j++)
                {
                    row.Extend(jacobian.Right(j), _residual);
                }
            }

            int r = row.Rank;
            // work holds P̂C (r × m) first, then r × r matrices: the rank m can exceed the basis size r when
            // the Jacobian's columns are linearly dependent (e.g. an embedded core with k = d).
            Span<double> small = Small((2 * r * m) + (2 * r * r) + (r * Math.Max(r, m)));
            Span<double> left = small[..(r * m)];
            Span<double> right = small.Slice(r * m, r * m);
            Span<double> lambda = small.Slice(2 * r * m, r * r);
            Span<double> product = small.Slice((2 * r * m) + (r * r), r * r);
            Span<double> work = small.Slice((2 * r * m) + (2 * r * r), r * Math.Max(r, m));

            // P̂ = BᵀP, Q̂ = BᵀQ (r × m, entry [a, j] = ⟨b_a, column j⟩)
            row.Project(jacobian, left, right);

            // E_t = e I + B Λ Bᵀ with e = √(1−ᾱ_t) κ_t, Λ = −√(1−ᾱ_t) P̂ C Q̂ᵀ
            double e = sigma * jacobian.Kappa;
            SmallMatrix.Multiply(left, jacobian.Core, work, r, m, m);
            SmallMatrix.MultiplyTransposed(work, right, lambda, r, m, r, -sigma);

            // G_t = E_t M_t: g = e m, Ĝ_t = e M̂ + m Λ + Λ M̂
            Span<double> mHat = row.MHat;
            Span<double> gHat = row.GHat;
            double mScalar = row.M;
            SmallMatrix.Multiply(lambda, mHat, product, r, r, r);
            TensorPrimitives.MultiplyAdd(mHat, e, product, product);
            TensorPrimitives.MultiplyAdd(lambda, mScalar, product, product);
            double gNew = e * mScalar;

            // M_{t−1} = M_t/√α_t + (c − C) G_t + C G_{t+1}
            row.M = (mScalar / rootAlpha) + ((ddim - correction) * gNew) + (correction * row.G);
            TensorPrimitives.Multiply(mHat, 1 / rootAlpha, mHat);
            TensorPrimitives.MultiplyAdd(product, ddim - correction, mHat, mHat);
            TensorPrimitives.MultiplyAdd(gHat, correction, mHat, mHat);
            row.G = gNew;
            product.CopyTo(gHat);

            if (t == 2)
            {
                // det(m I + B M̂ Bᵀ) = m^{d−r} det(m I_r + M̂)
                mHat.CopyTo(work);
                for (int a = 0; a < r; a++)
                {
                    work[(a * r) + a] += row.M;
                }

                logDet[i] = ((d - r) * Math.Log(Math.Abs(row.M))) + DenseLu.LogAbsDeterminant(work[..(r * r)], r);
            }
        }
    }

    private Span<double> Small(int length)
    {
        if (_small.Length < length)
        {
            _small = new double[Math.Max(length, 2 * _small.Length)];
        }

        return _small.AsSpan(0, length);
    }

    /// <summary>One row's basis B (columns contiguous), m, g, M̂ and Ĝ (r × r, row-major, stride r).</summary>
    private sealed class RowMaps(int dimension)
    {
        private double[] _basis = [];
        private double[] _mHat = [];
        private double[] _gHat = [];

        public int Rank { get; private set; }

        public double M { get; set; } = 1.0;

        public double G { get; set; }

        public Span<double> MHat => _mHat.AsSpan(0, Rank * Rank);

        public Span<double> GHat => _gHat.AsSpan(0, Rank * Rank);

        private Span<double> Column(int a) => _basis.AsSpan(a * dimension, dimension);

        /// <summary>
        /// Adds the normalised part of v outside span(B) as a new column when it exceeds
        /// <see cref="DropTolerance"/> of |v| (classical Gram–Schmidt, twice); M̂ and Ĝ gain a zero row and column,
        /// since M and G act as m I and g I on directions orthogonal to the old basis.
        /// </summary>
        public void Extend(ReadOnlySpan<double> v, Span<double> residual)
        {
            double norm = TensorPrimitives.Norm(v);
            if (norm == 0 || Rank == dimension)
            {
                return;
            }

            v.CopyTo(residual);
            for (int pass = 0; pass < 2; pass++)
            {
                for (int a = 0; a < Rank; a++)
                {
                    double h = TensorPrimitives.Dot(Column(a), residual);
                    TensorPrimitives.MultiplyAdd(Column(a), -h, residual, residual);
                }
            }

            double remaining = TensorPrimitives.Norm<double>(residual);
            if (!(remaining > DropTolerance * norm))
            {
                return;
            }

            Grow(Rank + 1);
            TensorPrimitives.Multiply(residual, 1 / remaining, Column(Rank));
            Relayout(_mHat, Rank);
            Relayout(_gHat, Rank);
            Rank++;
        }

        /// <summary>left[a, j] = ⟨b_a, P_j⟩, right[a, j] = ⟨b_a, Q_j⟩.</summary>
        public void Project(LowRankJacobian jacobian, Span<double> left, Span<double> right)
        {
            int m = jacobian.Rank;
            for (int a = 0; a < Rank; a++)
            {
                ReadOnlySpan<double> b = Column(a);
                for (int j = 0; j < m; j++)
                {
                    left[(a * m) + j] = TensorPrimitives.Dot(b, jacobian.Left(j));
                }
            }

            if (jacobian.SharedFactors)
            {
                left.CopyTo(right);
                return;
            }

            for (int a = 0; a < Rank; a++)
            {
                ReadOnlySpan<double> b = Column(a);
                for (int j = 0; j < m; j++)
                {
                    right[(a * m) + j] = TensorPrimitives.Dot(b, jacobian.Right(j));
                }
            }
        }

        private void Grow(int rank)
        {
            if (_basis.Length < rank * dimension)
            {
                int capacity = Math.Min(dimension, Math.Max(rank, 2 * (_basis.Length / dimension)));
                Array.Resize(ref _basis, capacity * dimension);
            }

            if (_mHat.Length < rank * rank)
            {
                int capacity = Math.Min(dimension, Math.Max(rank, 2 * (int)Math.Sqrt(_mHat.Length)));
                Array.Resize(ref _mHat, capacity * capacity);
                Array.Resize(ref _gHat, capacity * capacity);
            }
        }

        /// <summary>Re-lays an n×n matrix (stride n) as (n+1)×(n+1) with a zero last row and column, from the end.</summary>
        private static void Relayout(double[] matrix, int n)
        {
            int s = n + 1;
            for (int a = n - 1; a >= 0; a--)
            {
                for (int b = n - 1; b >= 0; b--)
                {
                    matrix[(a * s) + b] = matrix[(a * n) + b];
                }

                matrix[(a * s) + n] = 0;
            }

            matrix.AsSpan(n * s, s).Clear();
        }
    }

    /// <summary>Products of the small r×m and r×r matrices (row-major), in plain loops: r is about K.</summary>
    private static class SmallMatrix
    {
        /// <summary>C = A B, A rows × inner, B inner × cols.</summary>
        public static void Multiply(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> c, int rows, int inner, int cols)
        {
            for (int i = 0; i < rows; i++)
            {
                Span<double> ci = c.Slice(i * cols, cols);
                ci.Clear();
                for (int l = 0; l < inner; l++)
                {
                    TensorPrimitives.MultiplyAdd(b.Slice(l * cols, cols), a[(i * inner) + l], ci, ci);
                }
            }
        }

        /// <summary>C = α A Bᵀ, A rows × inner, B cols × inner.</summary>
        public static void MultiplyTransposed(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> c, int rows, int inner, int cols, double alpha)
        {
            for (int i = 0; i < rows; i++)
            {
                for (int j = 0; j < cols; j++)
                {
                    c[(i * cols) + j] = alpha * TensorPrimitives.Dot(a.Slice(i * inner, inner), b.Slice(j * inner, inner));
                }
            }
        }
    }
}
