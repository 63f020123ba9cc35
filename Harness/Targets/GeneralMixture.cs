using Diffusion.Verify.Numerics.LinearAlgebra;
using System.Buffers;
using System.Numerics.Tensors;
using Diffusion.Verify.Numerics;
using Diffusion.Verify.Randomness;

namespace Diffusion.Verify.Targets;

/// <summary>
/// q_0 = Σ_k π_k N(μ_k, Σ_k) with diagonal or full covariances (DESIGN §3). Each Σ_k is kept as
/// Q_k diag(λ_k) Q_kᵀ (Q_k = I for a diagonal component), eigendecomposed once at construction, so that
/// at every level C_k = ᾱ Σ_k + (1 − ᾱ) I = Q_k diag(ᾱ λ_k + 1 − ᾱ) Q_kᵀ needs no refactorisation and
/// stays well conditioned as ᾱ → 0. With y_k = Q_kᵀ (x − √ᾱ μ_k) and z_k = y_k / c_k (c_k the diffused
/// eigenvalues): ln N_k = −½ Σ ln(2π c_kj) − ½ yᵀz, g_k = −Q_k z_k, s = Σ_k w_k g_k,
/// ∇s = Σ_k w_k [ (g_k − s)(g_k − s)ᵀ − P_k ] (the centred form of Σ w_k (g_k g_kᵀ − P_k) − s sᵀ,
/// which avoids cancelling large g_k g_kᵀ against s sᵀ).
/// <para>
/// ln|det| paths: where one component dominates and the others' weights are provably too small to move
/// ln|det| by more than <see cref="PerturbedLogDeterminant.StepTolerance"/> per step, ∇s is taken as −P_k,
/// diagonal in Q_k (O(d)); elsewhere ∇s is formed densely from per-level precisions P_k (one blocked
/// <see cref="MatrixProduct"/> per level and component, kept for the last three levels), one row at a time,
/// and I + c∇s (symmetric) factorised by <see cref="SymmetricLogDeterminant"/> (Uᵀ D U, or the pivoting
/// <see cref="DenseLu"/> when a pivot is not positive); the two-evaluation maps by <see cref="DenseLu"/>.
/// </para>
/// <para>
/// Evaluation: a block's rotations Q_kᵀ(x − √ᾱ μ_k) and −Q_k z_k are matrix products over all its rows, and the
/// result is kept per thread (<see cref="GeneralMixtureRows"/>, the last two blocks) for the single-point
/// Jacobian, truncation and log-density calls that the ln|det| paths make at the same rows and level.
/// </para>
/// </summary>
public sealed class GeneralMixture : IDiffusedTarget
{
    // .NET's double.Epsilon is the smallest subnormal, not the unit roundoff.
    private const double MachineEpsilon = 2.220446049250313e-16;

    private readonly double[] _weights;
    private readonly double[] _logWeights;
    private readonly double[] _means;
    private readonly double[] _eigenvalues;
    private readonly double[]?[] _eigenvectors;
    private readonly double[]?[] _eigenvectorsTransposed;
    private readonly double[] _meansInEigenbasis;
    private readonly string? _description;

    private GeneralMixture(IReadOnlyList<double> weights, IReadOnlyList<double[]> means, IReadOnlyList<double[]> eigenvalues, IReadOnlyList<double[]?> eigenvectors, string? description)
    {
        int k = weights.Count;
        int d = means[0].Length;
        Dimension = d;
        Components = k;
        _weights = weights.ToArray();
        _logWeights = _weights.Select(w => Math.Log(w)).ToArray();
        _means = new double[k * d];
        _eigenvalues = new double[k * d];
        _eigenvectors = new double[]?[k];
        _eigenvectorsTransposed = new double[]?[k];
        _meansInEigenbasis = new double[k * d];
        for (int c = 0; c < k; c++)
        {
            means[c].CopyTo(_means.AsSpan(c * d, d));
            eigenvalues[c].CopyTo(_eigenvalues.AsSpan(c * d, d));
            _eigenvectors[c] = eigenvectors[c];
            _eigenvectorsTransposed[c] = eigenvectors[c] is { } frame ? Transposed(frame, d) : null;
            Span<double> m = _meansInEigenbasis.AsSpan(c * d, d);
            if (eigenvectors[c] is { } q)
            {
                // Qᵀμ = Σ_i μ_i Q[i, :]
                for (int i = 0; i < d; i++)
                {
                    TensorPrimitives.MultiplyAdd(q.AsSpan(i * d, d), means[c][i], m, m);
                }
            }
            else
            {
                means[c].CopyTo(m);
            }
        }

        Form = _eigenvectors.All(q => q is null) ? CovarianceForm.Diagonal : CovarianceForm.Full;
        _description = description;
    }

    public int Dimension { get; }

    public int Components { get; }

    public IReadOnlyList<double> Weights => _weights;

    /// <summary><see cref="CovarianceForm.Diagonal"/> when every component is diagonal, else <see cref="CovarianceForm.Full"/>.</summary>
    public CovarianceForm Form { get; }

    public string Description => _description ?? $"gmm(K={Components},d={Dimension},{(Form == CovarianceForm.Diagonal ? "diagonal" : "full")})";

    /// <summary>Σ_k = diag(diagonals[k]).</summary>
    public static GeneralMixture FromDiagonals(IReadOnlyList<double> weights, IReadOnlyList<double[]> means, IReadOnlyList<double[]> diagonals, string? description = null)
    {
        MixtureValidation.CheckWeights(weights);
        int d = MixtureValidation.CheckMeans(means, weights.Count);
        MixtureValidation.CheckDiagonals(diagonals, weights.Count, d);
        return new GeneralMixture(weights, means, diagonals, new double[]?[weights.Count], description);
    }

    /// <summary>
    /// Σ_k = covariances[k] (d rows of d entries): symmetric within 1e−12 relative, positive definite
    /// (smallest eigenvalue above d·ε times the largest). Eigendecomposed here, once.
    /// </summary>
    public static GeneralMixture FromCovariances(IReadOnlyList<double> weights, IReadOnlyList<double[]> means, IReadOnlyList<double[][]> covariances, string? description = null)
    {
        MixtureValidation.CheckWeights(weights);
        int k = weights.Count;
        int d = MixtureValidation.CheckMeans(means, k);
        if (covariances.Count != k)
        {
            throw new InvalidSpecificationException("covariances", $"{covariances.Count} matrices", $"need one covariance per component ({k})");
        }

        var eigenvalues = new double[k][];
        var eigenvectors = new double[]?[k];
        for (int c = 0; c < k; c++)
        {
            string field = $"covariances[{c}]";
            double[] symmetric = MixtureValidation.CheckCovariance(covariances[c], field, d);
            (double[] values, double[] vectors) = SymmetricEigen.Decompose(symmetric, d);
            double largest = values.Max();
            double smallest = values.Min();
            if (!(smallest > d * MachineEpsilon * largest))
            {
                throw new InvalidSpecificationException(field, $"smallest eigenvalue {smallest:G6} (largest {largest:G6})", "a covariance must be positive definite (smallest eigenvalue above d·ε times the largest)");
            }

            eigenvalues[c] = values;
            eigenvectors[c] = vectors;
        }

        return new GeneralMixture(weights, means, eigenvalues, eigenvectors, description);
    }

    /// <summary>
    /// Σ_k = Q_k diag(λ_k) Q_kᵀ given directly: eigenvectors[k] is d×d row-major with column j the
    /// eigenvector of λ_kj (checked orthonormal within 1e−9), or null for the coordinate axes.
    /// </summary>
    public static GeneralMixture FromEigen(IReadOnlyList<double> weights, IReadOnlyList<double[]> means, IReadOnlyList<double[]> eigenvalues, IReadOnlyList<double[]?> eigenvectors, string? description = null)
    {
        MixtureValidation.CheckWeights(weights);
        int k = weights.Count;
        int d = MixtureValidation.CheckMeans(means, k);
        if (eigenvalues.Count != k)
        {
            throw new InvalidSpecificationException("eigenvalues", $"{eigenvalues.Count} vectors", $"need one spectrum per component ({k})");
        }

        if (eigenvectors.Count != k)
        {
            throw new InvalidSpecificationException("eigenvectors", $"{eigenvectors.Count} matrices", $"need one eigenbasis (or null) per component ({k})");
        }

        for (int c = 0; c < k; c++)
        {
            MixtureValidation.CheckPositiveVector(eigenvalues[c], $"eigenvalues[{c}]", d, "an eigenvalue");
            if (eigenvectors[c] is { } q)
            {
                MixtureValidation.CheckOrthogonal(q, $"eigenvectors[{c}]", d);
            }
        }

        return new GeneralMixture(weights, means, eigenvalues, eigenvectors, description);
    }

    /// <summary>As <see cref="FromEigen"/> without the O(d³) orthonormality check, for frames built by <see cref="RandomOrthonormal"/>.</summary>
    internal static GeneralMixture FromTrustedEigen(IReadOnlyList<double> weights, IReadOnlyList<double[]> means, IReadOnlyList<double[]> eigenvalues, IReadOnlyList<double[]?> eigenvectors, string? description)
    {
        MixtureValidation.CheckWeights(weights);
        int d = MixtureValidation.CheckMeans(means, weights.Count);
        for (int c = 0; c < weights.Count; c++)
        {
            MixtureValidation.CheckPositiveVector(eigenvalues[c], $"eigenvalues[{c}]", d, "an eigenvalue");
        }

        return new GeneralMixture(weights, means, eigenvalues, eigenvectors, description);
    }

    public ReadOnlySpan<double> Mean(int k) => _means.AsSpan(k * Dimension, Dimension);

    /// <summary>λ_k, the eigenvalues of Σ_k (the diagonal for a diagonal component).</summary>
    public ReadOnlySpan<double> Eigenvalues(int k) => _eigenvalues.AsSpan(k * Dimension, Dimension);

    /// <summary>True when Σ_k is diagonal in the coordinate axes (Q_k = I).</summary>
    public bool IsDiagonal(int k) => _eigenvectors[k] is null;

    /// <summary>Q_k, d×d row-major, column j = eigenvector of λ_kj; empty when <see cref="IsDiagonal"/>.</summary>
    public ReadOnlySpan<double> Eigenvectors(int k) => _eigenvectors[k];

    /// <summary>Q_kᵀ μ_k (μ_k itself for a diagonal component).</summary>
    public ReadOnlySpan<double> MeanInEigenbasis(int k) => _meansInEigenbasis.AsSpan(k * Dimension, Dimension);

    /// <summary>Σ_k as a new d×d row-major matrix.</summary>
    public double[] Covariance(int k)
    {
        int d = Dimension;
        var sigma = new double[d * d];
        ReadOnlySpan<double> lambda = Eigenvalues(k);
        if (_eigenvectors[k] is not { } q)
        {
            for (int i = 0; i < d; i++)
            {
                sigma[i * d + i] = lambda[i];
            }

            return sigma;
        }

        var scaledRow = new double[d];
        for (int i = 0; i < d; i++)
        {
            TensorPrimitives.Multiply(q.AsSpan(i * d, d), lambda, scaledRow);
            for (int l = 0; l < d; l++)
            {
                sigma[i * d + l] = TensorPrimitives.Dot<double>(scaledRow, q.AsSpan(l * d, d));
            }
        }

        return sigma;
    }

    /// <summary>None: a block's evaluations stay in per-thread storage, for the single-point calls that follow (<see cref="GeneralMixtureRows"/>).</summary>
    public int ScratchLength(int rows) => 0;

    public double LogDensity(ReadOnlySpan<double> x, double alphaBar)
    {
        GeneralMixtureRows rows = RowsAt(x, alphaBar, out int row);
        return rows.LogDensity[row];
    }

    public void ScoreBlock(ReadOnlySpan<double> x, int rows, double alphaBar, Span<double> score, Span<double> scratch, Span<double> logDensity = default)
    {
        int d = Dimension;
        int k = Components;
        // Two blocks kept: a two-evaluation step scores the state, then the intermediate points, and only then
        // asks for the Jacobians at both.
        GeneralMixtureRows[] blocks = t_blocks ??= [new GeneralMixtureRows(), new GeneralMixtureRows()];
        GeneralMixtureRows evaluation = blocks[t_nextBlock];
        t_nextBlock ^= 1;
        Evaluate(x, rows, alphaBar, evaluation);
        for (int r = 0; r < rows; r++)
        {
            if (!logDensity.IsEmpty)
            {
                logDensity[r] = evaluation.LogDensity[r];
            }

            // s = Σ_k w_k g_k
            Span<double> sr = score.Slice(r * d, d);
            sr.Clear();
            for (int c = 0; c < k; c++)
            {
                double w = evaluation.Weights[(r * k) + c];
                if (w == 0)
                {
                    continue;
                }

                TensorPrimitives.MultiplyAdd(evaluation.ComponentScores.AsSpan(((r * k) + c) * d, d), w, sr, sr);
            }
        }
    }

    public void Jacobian(ReadOnlySpan<double> x, double alphaBar, Span<double> jacobian) => FillJacobian(x, alphaBar, jacobian, upperOnly: false);

    /// <summary>∇s at x, or (<paramref name="upperOnly"/>) only its upper triangle with the diagonal, the same bits there.</summary>
    private void FillJacobian(ReadOnlySpan<double> x, double alphaBar, Span<double> jacobian, bool upperOnly)
    {
        int d = Dimension;
        int k = Components;
        GeneralMixtureRows evaluation = RowsAt(x, alphaBar, out int row);
        ReadOnlySpan<double> w = evaluation.Weights.AsSpan(row * k, k);
        LevelConstants level = LevelAt(alphaBar);
        double[] rented = ArrayPool<double>.Shared.Rent(k * d + d);
        try
        {
            Span<double> g = rented.AsSpan(0, k * d);
            Span<double> s = rented.AsSpan(k * d, d);

            // g_k = −Q_k z_k (from the evaluation), s = Σ_k w_k g_k
            evaluation.ComponentScores.AsSpan(row * k * d, k * d).CopyTo(g);
            s.Clear();
            for (int c = 0; c < k; c++)
            {
                TensorPrimitives.MultiplyAdd(g.Slice(c * d, d), w[c], s, s);
            }

            // ∇s = Σ_k w_k [ (g_k − s)(g_k − s)ᵀ − Q_k diag(1/c_k) Q_kᵀ ], one row at a time over all components
            // (g_k − s in place of g_k first): each row stays in L1 while the components' terms are added to it
            // in the order k = 0, 1, … (outer product, then precision), so every element receives the same
            // operations in the same order as component-by-component passes over the whole matrix would give
            // it, with one pass over ∇s instead of two per component.
            for (int c = 0; c < k; c++)
            {
                Span<double> gc = g.Slice(c * d, d);
                TensorPrimitives.Subtract(gc, s, gc);
            }

            for (int i = 0; i < d; i++)
            {
                int from = upperOnly ? i : 0;
                Span<double> jacobianRow = jacobian.Slice((i * d) + from, d - from);
                jacobianRow.Clear();
                for (int c = 0; c < k; c++)
                {
                    double wc = w[c];
                    if (wc == 0)
                    {
                        continue;
                    }

                    ReadOnlySpan<double> gc = g.Slice((c * d) + from, d - from);
                    TensorPrimitives.MultiplyAdd(gc, wc * g[(c * d) + i], jacobianRow, jacobianRow);
                    if (_eigenvectors[c] is null)
                    {
                        jacobianRow[i - from] -= wc * level.Inverse[(c * d) + i];
                    }
                    else
                    {
                        TensorPrimitives.MultiplyAdd(level.Precision(this, c).Slice((i * d) + from, d - from), -wc, jacobianRow, jacobianRow);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// When one component k holds all posterior weight but for terms that provably move the result by at most
    /// <see cref="PerturbedLogDeterminant.StepTolerance"/> (the others underflow to 0, or nearly, as they do in
    /// high d away from the start), ∇s = −P_k + E with ‖E‖_* ≤ δ (<see cref="TryDominantComponent"/>), and
    /// A₀ = I − cP_k is diagonal in Q_k's eigenbasis: ln|det A₀| = Σ_j ln|1 − c/c_kj|, O(K d²) for the weights
    /// instead of O(d³). It is taken when β = |c| δ / min_j |1 − c/c_kj| ≥ ‖A₀⁻¹ cE‖_* passes
    /// <see cref="PerturbedLogDeterminant.IsNegligible"/>. Otherwise dense: ∇s, then
    /// <see cref="SymmetricLogDeterminant"/> of I + c∇s.
    /// </summary>
    public double LogAbsDetIdentityPlusScaledJacobian(ReadOnlySpan<double> x, double alphaBar, double scale)
    {
        int d = Dimension;
        if (TryDominantComponent(x, alphaBar, out int component, out LevelConstants level, out double residual))
        {
            ReadOnlySpan<double> inverse = level.Inverse.AsSpan(component * d, d);
            double sum = 0;
            double smallest = double.PositiveInfinity;
            for (int j = 0; j < d; j++)
            {
                double a = -scale * inverse[j];
                sum += LowRankDeterminant.LogAbsOnePlus(a);
                smallest = Math.Min(smallest, Math.Abs(1 + a));
            }

            if (residual == 0 || PerturbedLogDeterminant.IsNegligible(Math.Abs(scale) * residual / smallest))
            {
                return sum;
            }
        }

        double[] rented = ArrayPool<double>.Shared.Rent(d * d);
        try
        {
            // I + c∇s is symmetric (∇s is the Hessian of ln p): Uᵀ D U in half LU's work when it is positive
            // definite, which reads the upper triangle alone, so only that is formed.
            Span<double> m = rented.AsSpan(0, d * d);
            FillJacobian(x, alphaBar, m, upperOnly: true);
            for (int i = 0; i < d; i++)
            {
                Span<double> row = m.Slice((i * d) + i, d - i);
                TensorPrimitives.Multiply(row, scale, row);
                row[0] += 1.0;
            }

            if (SymmetricLogDeterminant.TryPositivePivots(m, d, out double logDet))
            {
                return logDet;
            }

            // Otherwise the pivoting LU, of the whole matrix with its upper triangle the lower one's mirror (as
            // SymmetricLogDeterminant hands it over).
            FillJacobian(x, alphaBar, m, upperOnly: false);
            TensorPrimitives.Multiply(m, scale, m);
            for (int i = 0; i < d; i++)
            {
                m[(i * d) + i] += 1.0;
                for (int j = 0; j < i; j++)
                {
                    m[(j * d) + i] = m[(i * d) + j];
                }
            }

            return DenseLu.LogAbsDeterminant(m, d);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Where one component k dominates, ∇s = −P_k + E = Q_k diag(−1/c_k) Q_kᵀ + E, with
    /// <see cref="EigenbasisJacobian.Residual"/> ≥ ‖E‖_* (0 when the other weights are exactly 0; diagonal
    /// components share the coordinate axes as their basis). Callers decide whether E is negligible for them.
    /// </summary>
    public bool TryEigenbasisJacobian(ReadOnlySpan<double> x, double alphaBar, EigenbasisJacobian destination)
    {
        if (!TryDominantComponent(x, alphaBar, out int component, out LevelConstants level, out double residual))
        {
            return false;
        }

        int d = Dimension;
        destination.Reset(_eigenvectors[component] ?? s_coordinateAxes);
        TensorPrimitives.Negate(level.Inverse.AsSpan(component * d, d), destination.Eigenvalues);
        destination.Residual = residual;
        return true;
    }

    /// <summary>The basis token of every diagonal component (Q = I).</summary>
    private static readonly object s_coordinateAxes = new();

    /// <summary>
    /// The component k of largest posterior weight at x and δ ≥ ‖∇s + P_k‖_*. With Σ_l w_l = 1,
    /// ∇s = −P_k + E, E = Σ_l w_l (g_l − s)(g_l − s)ᵀ − Σ_{l≠k} w_l (P_l − P_k); the rank-one terms and the P_l are
    /// positive semi-definite (nuclear norm = trace), so
    /// ‖E‖_* ≤ Σ_l w_l ‖g_l − s‖² + Σ_{l≠k} w_l (tr P_l + tr P_k), tr P_l = Σ_j 1/c_lj,
    /// and g_l − s = Σ_m w_m (g_l − g_m) gives ‖g_l − s‖ ≤ Σ_{m≠l} w_m (‖z_l‖ + ‖z_m‖) (‖g_l‖ = ‖Q_l z_l‖ = ‖z_l‖,
    /// Q_l orthonormal): O(K d) on top of the weights, no rotation. δ = 0 exactly when every other weight is 0.
    /// Every term is of order the other components' weight, so in high d, where those weights are e^{−O(d)}
    /// away from the start, δ is far below any tolerance long before the weights underflow.
    /// </summary>
    private bool TryDominantComponent(ReadOnlySpan<double> x, double alphaBar, out int component, out LevelConstants level, out double residual)
    {
        int k = Components;
        int d = Dimension;
        GeneralMixtureRows evaluation = RowsAt(x, alphaBar, out int row);
        ReadOnlySpan<double> w = evaluation.Weights.AsSpan(row * k, k);
        ReadOnlySpan<double> z = evaluation.Whitened.AsSpan(row * k * d, k * d);
        level = LevelAt(alphaBar);
        component = 0;
        int nonZero = 0;
        for (int c = 0; c < k; c++)
        {
            nonZero += w[c] != 0 ? 1 : 0;
            if (w[c] > w[component])
            {
                component = c;
            }
        }

        residual = 0;
        if (!(w[component] > 0))
        {
            return false;
        }

        if (nonZero == 1)
        {
            return true;
        }

        Span<double> norms = k <= 64 ? stackalloc double[k] : new double[k];
        for (int c = 0; c < k; c++)
        {
            norms[c] = w[c] == 0 ? 0 : TensorPrimitives.Norm<double>(z.Slice(c * d, d));
        }

        double[] traces = level.Traces;
        for (int l = 0; l < k; l++)
        {
            if (w[l] == 0)
            {
                continue;
            }

            double distance = 0;
            for (int m = 0; m < k; m++)
            {
                distance += m == l ? 0 : w[m] * (norms[l] + norms[m]);
            }

            residual += w[l] * distance * distance;
            if (l != component)
            {
                residual += w[l] * (traces[l] + traces[component]);
            }
        }

        return double.IsFinite(residual);
    }

    /// <summary>X_0 = μ_k + Q_k diag(√λ_k) Z, component and Z from the data stream of (seed, sampleIndex).</summary>
    /// <summary>KL(N(√ᾱ μ_k, C_k) ‖ N(0, I)) = ½ (Σ_j (c_j − 1 − ln c_j) + ᾱ‖μ_k‖²), c_j = ᾱλ_j + 1 − ᾱ, weighted by π_k.</summary>
    public double ComponentKlToStandardNormal(double alphaBar)
    {
        double sum = 0;
        for (int k = 0; k < Components; k++)
        {
            double kl = 0;
            foreach (double lambda in Eigenvalues(k))
            {
                kl -= Remainders.Log1PMinusX(alphaBar * (lambda - 1.0)); // c − 1 − ln c with c − 1 = ᾱ(λ − 1)
            }

            ReadOnlySpan<double> mean = Mean(k);
            kl += alphaBar * System.Numerics.Tensors.TensorPrimitives.Dot(mean, mean);
            sum += Weights[k] * 0.5 * kl;
        }

        return sum;
    }

    public void SampleData(long seed, long sampleIndex, Span<double> x)
    {
        int d = Dimension;
        ulong key = CounterRandom.Key(seed, RandomStream.Data, 0, sampleIndex);
        int c = MixtureValidation.PickComponent(_weights, CounterRandom.Uniform(key, long.MaxValue));
        double[] rented = ArrayPool<double>.Shared.Rent(d);
        try
        {
            Span<double> scaled = rented.AsSpan(0, d);
            CounterRandom.FillStandardNormal(key, scaled);
            ReadOnlySpan<double> lambda = Eigenvalues(c);
            for (int j = 0; j < d; j++)
            {
                scaled[j] *= Math.Sqrt(lambda[j]);
            }

            Mean(c).CopyTo(x);
            AddRotated(c, scaled, 1.0, x);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(rented);
        }
    }

    /// <summary>1/c_kj with c_kj = ᾱ λ_kj + 1 − ᾱ, and ln π_k − ½ Σ_j ln(2π c_kj): once per level (<see cref="LevelAt"/>), shared by all rows.</summary>
    private void PrepareLevel(double alphaBar, Span<double> logNormalisers, Span<double> inverse)
    {
        int d = Dimension;
        double oneMinus = 1.0 - alphaBar;
        double log2Pi = Math.Log(2 * Math.PI);
        for (int c = 0; c < Components; c++)
        {
            ReadOnlySpan<double> lambda = Eigenvalues(c);
            Span<double> inv = inverse.Slice(c * d, d);
            double sumLog = 0;
            for (int j = 0; j < d; j++)
            {
                double v = alphaBar * lambda[j] + oneMinus;
                inv[j] = 1.0 / v;
                sumLog += Math.Log(v);
            }

            logNormalisers[c] = _logWeights[c] - 0.5 * (d * log2Pi + sumLog);
        }
    }

    /// <summary>
    /// The evaluation at exactly (x, ᾱ): from this thread's last two score blocks when x is one of their rows, else
    /// from its last single point, else computed as a block of one row (the same operations per row, so the
    /// same bits as in a block).
    /// </summary>
    private GeneralMixtureRows RowsAt(ReadOnlySpan<double> x, double alphaBar, out int row)
    {
        if (t_blocks is { } blocks)
        {
            foreach (GeneralMixtureRows block in blocks)
            {
                if ((row = block.Find(this, x, alphaBar)) >= 0)
                {
                    return block;
                }
            }
        }

        GeneralMixtureRows single = t_single ??= new GeneralMixtureRows();
        if ((row = single.Find(this, x, alphaBar)) < 0)
        {
            Evaluate(x, 1, alphaBar, single);
            row = 0;
        }

        return single;
    }

    /// <summary>
    /// Per row r and component k: the residual x_r − √ᾱ μ_k (formed before rotating, so that a point near a
    /// distant mean does not lose it to cancellation between Qᵀx and √ᾱ Qᵀμ), y = Q_kᵀ(x_r − √ᾱ μ_k) for all rows
    /// by one <see cref="MatrixProduct"/>, z_k = y / c_k, the logit ln π_k + ln N_k = ln π_k − ½ Σ ln(2π c_kj) − ½ yᵀz,
    /// then the weights by a stable softmax (ln q its log-sum-exp) and g_k = −Q_k z_k by a second product. Each
    /// element of the products is one fused chain in a fixed order, so a row's values do not depend on the
    /// block it came in, the vector width or the thread.
    /// </summary>
    private void Evaluate(ReadOnlySpan<double> x, int rows, double alphaBar, GeneralMixtureRows into)
    {
        int d = Dimension;
        int k = Components;
        into.Begin(this, x, rows, alphaBar);
        LevelConstants level = LevelAt(alphaBar);
        double rootAlphaBar = Math.Sqrt(alphaBar);
        double[] weights = into.Weights;
        Span<double> residuals = into.Residuals.AsSpan(0, rows * d);
        Span<double> whitened = into.Whitened.AsSpan(0, rows * k * d);
        Span<double> scores = into.ComponentScores.AsSpan(0, rows * k * d);
        for (int c = 0; c < k; c++)
        {
            ReadOnlySpan<double> mean = Mean(c);
            for (int r = 0; r < rows; r++)
            {
                TensorPrimitives.MultiplyAdd(mean, -rootAlphaBar, x.Slice(r * d, d), residuals.Slice(r * d, d));
            }

            Span<double> zc = whitened[(c * d)..];
            if (_eigenvectors[c] is { } q)
            {
                // Y = R Q (row r: y = Qᵀ r)
                for (int r = 0; r < rows; r++)
                {
                    zc.Slice(r * k * d, d).Clear();
                }

                MatrixProduct.MultiplyAdd(residuals, d, q, d, zc, k * d, rows, d, d, subtract: false);
            }
            else
            {
                for (int r = 0; r < rows; r++)
                {
                    residuals.Slice(r * d, d).CopyTo(zc.Slice(r * k * d, d));
                }
            }

            ReadOnlySpan<double> inv = level.Inverse.AsSpan(c * d, d);
            for (int r = 0; r < rows; r++)
            {
                Span<double> z = zc.Slice(r * k * d, d);
                double quadratic = 0;
                for (int j = 0; j < d; j++)
                {
                    double y = z[j];
                    double zj = y * inv[j];
                    quadratic += y * zj;
                    z[j] = zj;
                }

                weights[(r * k) + c] = level.LogNormalisers[c] - 0.5 * quadratic;
            }

            // G = −Z Qᵀ (row r: g_k = −Q_k z_k)
            Span<double> gc = scores[(c * d)..];
            if (_eigenvectorsTransposed[c] is { } qt)
            {
                for (int r = 0; r < rows; r++)
                {
                    gc.Slice(r * k * d, d).Clear();
                }

                MatrixProduct.MultiplyAdd(zc, k * d, qt, d, gc, k * d, rows, d, d, subtract: true);
            }
            else
            {
                for (int r = 0; r < rows; r++)
                {
                    TensorPrimitives.Negate(zc.Slice(r * k * d, d), gc.Slice(r * k * d, d));
                }
            }
        }

        for (int r = 0; r < rows; r++)
        {
            into.LogDensity[r] = Softmax(weights.AsSpan(r * k, k));
        }

        into.Complete(this);
    }

    [ThreadStatic]
    private static GeneralMixtureRows[]? t_blocks;

    [ThreadStatic]
    private static int t_nextBlock;

    [ThreadStatic]
    private static GeneralMixtureRows? t_single;

    private static double[] Transposed(double[] matrix, int d)
    {
        var transposed = new double[d * d];
        for (int i = 0; i < d; i++)
        {
            for (int j = 0; j < d; j++)
            {
                transposed[(j * d) + i] = matrix[(i * d) + j];
            }
        }

        return transposed;
    }

    /// <summary>destination += factor · Q_k v (v itself for a diagonal component).</summary>
    private void AddRotated(int c, ReadOnlySpan<double> v, double factor, Span<double> destination)
    {
        int d = Dimension;
        if (_eigenvectors[c] is { } q)
        {
            for (int i = 0; i < d; i++)
            {
                destination[i] += factor * TensorPrimitives.Dot<double>(q.AsSpan(i * d, d), v);
            }
        }
        else
        {
            TensorPrimitives.MultiplyAdd(v, factor, destination, destination);
        }
    }

    /// <summary>
    /// The constants of level ᾱ from this thread's <see cref="LevelCache{TLevel}"/>: the K·d logarithms and
    /// the K dense precisions are computed once per level instead of once per point.
    /// </summary>
    private LevelConstants LevelAt(double alphaBar)
    {
        t_levels ??= new LevelCache<LevelConstants>();
        return t_levels.Get(
            this,
            alphaBar,
            static mixture => new LevelConstants(mixture.Components, mixture.Dimension),
            static (mixture, level, constants) =>
            {
                mixture.PrepareLevel(level, constants.LogNormalisers, constants.Inverse);
                for (int c = 0; c < mixture.Components; c++)
                {
                    constants.Traces[c] = TensorPrimitives.Sum<double>(constants.Inverse.AsSpan(c * mixture.Dimension, mixture.Dimension));
                }

                Array.Clear(constants.PrecisionValid);
            });
    }

    [ThreadStatic]
    private static LevelCache<LevelConstants>? t_levels;

    /// <summary>One level's log-normalisers, inverse diffused eigenvalues and (on demand) dense precisions.</summary>
    private sealed class LevelConstants(int components, int dimension)
    {
        private readonly double[] _precisions = new double[components * dimension * dimension];

        public double[] LogNormalisers { get; } = new double[components];

        public double[] Inverse { get; } = new double[components * dimension];

        /// <summary>tr P_k = Σ_j 1/c_kj (for the truncation bound of <see cref="TryDominantComponent"/>).</summary>
        public double[] Traces { get; } = new double[components];

        public bool[] PrecisionValid { get; } = new bool[components];

        /// <summary>
        /// P_k = Q_k (diag(1/c_k) Q_kᵀ): the right factor scaled from the stored Q_kᵀ in O(d²), then the lower block triangle by <see cref="MatrixProduct"/>
        /// (register-blocked, d³/2 multiply-adds; once per level and component, shared by all rows of the level)
        /// and the rest mirrored, so P_k is exactly symmetric.
        /// </summary>
        public ReadOnlySpan<double> Precision(GeneralMixture mixture, int c)
        {
            const int tile = 32;
            int d = dimension;
            Span<double> matrix = _precisions.AsSpan(c * d * d, d * d);
            if (PrecisionValid[c])
            {
                return matrix;
            }

            double[] q = mixture._eigenvectors[c]!;
            double[] qt = mixture._eigenvectorsTransposed[c]!;
            ReadOnlySpan<double> inv = Inverse.AsSpan(c * d, d);
            _scaledTranspose ??= new double[d * d];
            Span<double> right = _scaledTranspose;

            // diag(1/c_k) Q_kᵀ row by row from the stored transpose (contiguous; the strided transpose had cost a
            // quarter as much as the product below at d = 1000)
            for (int j = 0; j < d; j++)
            {
                TensorPrimitives.Multiply(qt.AsSpan(j * d, d), inv[j], right.Slice(j * d, d));
            }

            matrix.Clear();
            for (int i0 = 0; i0 < d; i0 += MatrixProduct.ColumnPanel)
            {
                int rows = Math.Min(MatrixProduct.ColumnPanel, d - i0);
                MatrixProduct.MultiplyAdd(q.AsSpan(i0 * d), d, right, d, matrix[(i0 * d)..], d, rows, i0 + rows, d, subtract: false);
            }

            // The upper triangle mirrors the lower, tile by tile so that the strided side stays in cache.
            for (int i0 = 0; i0 < d; i0 += tile)
            {
                for (int l0 = i0; l0 < d; l0 += tile)
                {
                    for (int i = i0; i < Math.Min(d, i0 + tile); i++)
                    {
                        for (int l = Math.Max(l0, i + 1); l < Math.Min(d, l0 + tile); l++)
                        {
                            matrix[(i * d) + l] = matrix[(l * d) + i];
                        }
                    }
                }
            }

            PrecisionValid[c] = true;
            return matrix;
        }

        private double[]? _scaledTranspose;
    }

    /// <summary>Replaces logits by softmax weights in place; returns the log-sum-exp.</summary>
    private static double Softmax(Span<double> logits) => Elementary.SoftmaxInPlace(logits);
}
