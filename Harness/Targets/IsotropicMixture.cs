using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Diffusion.Verify.Randomness;
using Diffusion.Verify.Numerics.LinearAlgebra;
using Diffusion.Verify.Numerics.Vectorization;

namespace Diffusion.Verify.Targets;

/// <summary>
/// q_0 = Σ_k π_k N(μ_k, σ_k² I): the fast path (DESIGN §3). At level ᾱ each component is
/// N(√ᾱ μ_k, v_k I) with v_k = ᾱ σ_k² + 1 − ᾱ, so the score is s = −κ x + Σ_k (w_k √ᾱ / v_k) μ_k with
/// κ = Σ_k w_k / v_k, and ∇s = −κ I + G (W − w wᵀ) Gᵀ (G = [g_1 … g_K]) has rank-K structure.
/// </summary>
public sealed class IsotropicMixture : IDiffusedTarget
{
    private readonly double[] _logWeights;
    private readonly double[] _means;
    private readonly double[] _meanNormsSquared;
    private readonly double[] _variances;


    private readonly string? _description;

    [ThreadStatic]
    private static LowRankJacobian? t_lowRank;

    /// <summary>One-row scratches with the constants of the last two levels (<see cref="LevelCache{TLevel}"/>).</summary>
    [ThreadStatic]
    private static LevelCache<double[]>? t_rowScratch;

    [ThreadStatic]
    private static double[]? t_gradients;

    /// <param name="description">Overrides the default "gmm(K=…,d=…,isotropic)" label (e.g. for random-gmm).</param>
    public IsotropicMixture(IReadOnlyList<double> weights, IReadOnlyList<double[]> means, IReadOnlyList<double> variances, string? description = null)
    {
        MixtureValidation.CheckWeights(weights);
        int k = weights.Count;
        Dimension = MixtureValidation.CheckMeans(means, k);
        if (variances.Count != k)
        {
            throw new InvalidSpecificationException("variances", $"{variances.Count} values", $"need one variance per component ({k})");
        }

        for (int i = 0; i < k; i++)
        {
            if (!double.IsFinite(variances[i]) || variances[i] <= 0)
            {
                throw new InvalidSpecificationException($"variances[{i}]", variances[i].ToString("R"), "a variance must be finite and positive");
            }
        }

        Components = k;
        Weights = weights.ToArray();
        _logWeights = weights.Select(w => Math.Log(w)).ToArray();
        _means = new double[k * Dimension];
        _meanNormsSquared = new double[k];
        for (int i = 0; i < k; i++)
        {
            means[i].CopyTo(_means.AsSpan(i * Dimension, Dimension));
            _meanNormsSquared[i] = TensorPrimitives.Dot<double>(means[i], means[i]);
        }

        _variances = variances.ToArray();
        _description = description;
    }

    public int Dimension { get; }

    public int Components { get; }

    public IReadOnlyList<double> Weights { get; }

    public IReadOnlyList<double> Variances => _variances;

    public string Description => _description ?? $"gmm(K={Components},d={Dimension},isotropic)";

    public ReadOnlySpan<double> Mean(int k) => _means.AsSpan(k * Dimension, Dimension);

    /// <summary>v_k(ᾱ) = ᾱ σ_k² + 1 − ᾱ.</summary>
    public double DiffusedVariance(int k, double alphaBar) => alphaBar * _variances[k] + (1.0 - alphaBar);

    /// <summary>Per-level component constants, then a chunk's logits/weights, coefficients and per-row scalars.</summary>
    public int ScratchLength(int rows) => ScratchFor(Math.Clamp(rows, 1, ChunkRows));

    public double LogDensity(ReadOnlySpan<double> x, double alphaBar)
    {
        Span<double> scratch = RowScratch(alphaBar, out ScoreChunkLayout layout);
        return ScoreChunk(x, 1, alphaBar, default, scratch, layout, withLogDensity: true, out _);
    }

    /// <summary>A per-thread one-row scratch with the constants of level ᾱ in place and the chunk area cleared.</summary>
    private Span<double> RowScratch(double alphaBar, out ScoreChunkLayout layout)
    {
        layout = Layout(1);
        t_rowScratch ??= new LevelCache<double[]>();
        Span<double> scratch = t_rowScratch.Get(
            this,
            alphaBar,
            static mixture => new double[mixture.ScratchFor(1)],
            static (mixture, level, storage) => mixture.FillLevelConstants(level, storage, 1)).AsSpan(0, ScratchFor(1));
        scratch[layout.Weights..].Clear();
        return scratch;
    }

    /// <summary>
    /// Rows go in chunks of up to 16 (so x stays in L1 between passes), each in three passes: |x|² and
    /// the K dot products x·μ_k (a 4-components-per-pass kernel), then per row the logits and a
    /// log-sum-exp softmax a vector of rows at a time, then s = −κ x + Σ_k (w_k √ᾱ / v_k) μ_k in one pass over
    /// d. Passes over many independent rows let the CPU overlap one row's latency chain with the next
    /// row's work; nothing in a row's arithmetic depends on the others. Everything that depends only on ᾱ
    /// is computed once per call; nothing is allocated.
    /// </summary>
    public void ScoreBlock(ReadOnlySpan<double> x, int rows, double alphaBar, Span<double> score, Span<double> scratch, Span<double> logDensity = default)
    {
        int d = Dimension;
        int chunk = Math.Clamp(rows, 1, ChunkRows);
        ScoreChunkLayout layout = FillLevelConstants(alphaBar, scratch, chunk);
        IsotropicMixtureKernel.ScoreBlock(ref MemoryMarshal.GetReference(x), rows, chunk, d, _means, Components, alphaBar, ref MemoryMarshal.GetReference(scratch), layout, score[..(rows * d)], logDensity.IsEmpty ? default : logDensity[..rows]);
    }

    public void Jacobian(ReadOnlySpan<double> x, double alphaBar, Span<double> jacobian)
    {
        if (Dimension == 1)
        {
            jacobian[0] = Derivative(x[0], alphaBar);
            return;
        }

        int d = Dimension;
        int k = Components;
        Span<double> w = k <= 256 ? stackalloc double[k] : new double[k];
        PosteriorWeights(x, alphaBar, w, out double kappa);
        if (t_gradients is null || t_gradients.Length < (k + 1) * d)
        {
            t_gradients = new double[(k + 1) * d];
        }

        Span<double> g = t_gradients.AsSpan(0, k * d);
        Span<double> s = t_gradients.AsSpan(k * d, d);
        s.Clear();
        FillGradients(x, alphaBar, g);
        for (int c = 0; c < k; c++)
        {
            TensorPrimitives.MultiplyAdd(g.Slice(c * d, d), w[c], s, s);
        }

        // ∇s = Σ_k w_k (g_k g_kᵀ − I/v_k) − s sᵀ
        for (int i = 0; i < d; i++)
        {
            Span<double> row = jacobian.Slice(i * d, d);
            TensorPrimitives.Multiply(s, -s[i], row);
            for (int c = 0; c < k; c++)
            {
                ReadOnlySpan<double> gc = g.Slice(c * d, d);
                TensorPrimitives.MultiplyAdd(gc, w[c] * gc[i], row, row);
            }

            row[i] -= kappa;
        }
    }

    /// <summary>
    /// I + c∇s = a I + c G C Gᵀ with a = 1 − cκ, C = diag(w) − w wᵀ, so by the matrix determinant lemma
    /// ln|det| = (d − K) ln|a| + ln|det(a I_K + c C GᵀG)| (<see cref="LowRankDeterminant.IdentityPlusScaled"/>);
    /// G is built in a per-thread buffer, so nothing is allocated per call.
    /// </summary>
    public double LogAbsDetIdentityPlusScaledJacobian(ReadOnlySpan<double> x, double alphaBar, double scale)
    {
        if (Dimension == 1)
        {
            return LowRankDeterminant.LogAbsOnePlus(scale * Derivative(x[0], alphaBar));
        }

        if (t_lowRank is null || t_lowRank.Dimension != Dimension)
        {
            t_lowRank = new LowRankJacobian(Dimension);
        }

        TryLowRankJacobian(x, alphaBar, t_lowRank);
        return LowRankDeterminant.IdentityPlusScaled(t_lowRank, scale);
    }

    /// <summary>
    /// In 1-D, s' = −κ + Var_w(g) (the K×K algebra is K times larger than the 1×1 problem); the
    /// variance is taken about its mean, Σ_k w_k (g_k − ḡ)², so no cancellation occurs where one
    /// component dominates.
    /// </summary>
    private double Derivative(double x, double alphaBar)
    {
        int k = Components;
        Span<double> w = k <= 256 ? stackalloc double[k] : new double[k];
        Span<double> g = k <= 256 ? stackalloc double[k] : new double[k];
        PosteriorWeights(new ReadOnlySpan<double>(in x), alphaBar, w, out double kappa);
        double rootAlphaBar = Math.Sqrt(alphaBar);
        double mean = 0;
        for (int c = 0; c < k; c++)
        {
            g[c] = -(x - (rootAlphaBar * _means[c])) / DiffusedVariance(c, alphaBar);
            mean += w[c] * g[c];
        }

        double variance = 0;
        for (int c = 0; c < k; c++)
        {
            double deviation = g[c] - mean;
            variance += w[c] * deviation * deviation;
        }

        return variance - kappa;
    }

    /// <summary>
    /// ∇s = −κ I + G (diag(w) − w wᵀ) Gᵀ, G = [g_1 … g_K], g_k = −(x − √ᾱ μ_k)/v_k: rank K with P = Q = G
    /// (rank 0 for a single component, whose C = w − w² is exactly 0).
    /// </summary>
    public bool TryLowRankJacobian(ReadOnlySpan<double> x, double alphaBar, LowRankJacobian destination)
    {
        int d = Dimension;
        int k = Components;
        Span<double> w = k <= 256 ? stackalloc double[k] : new double[k];
        PosteriorWeights(x, alphaBar, w, out double kappa);
        int rank = k == 1 ? 0 : k;
        destination.Reset(kappa, rank, sharedFactors: true);
        if (rank == 0)
        {
            return true;
        }

        double rootAlphaBar = Math.Sqrt(alphaBar);
        Span<double> core = destination.Core;
        for (int c = 0; c < k; c++)
        {
            double v = DiffusedVariance(c, alphaBar);
            IsotropicMixtureKernel.Gradient(x, Mean(c), rootAlphaBar / v, -1.0 / v, destination.Left(c));
            for (int l = 0; l < k; l++)
            {
                core[(c * k) + l] = (c == l ? w[c] : 0.0) - (w[c] * w[l]);
            }
        }

        return true;
    }

    public double ComponentKlToStandardNormal(double alphaBar)
    {
        double sum = 0;
        for (int c = 0; c < Components; c++)
        {
            sum += Weights[c] * StartErrorBound.IsotropicKl(Dimension, DiffusedVariance(c, alphaBar), alphaBar * _meanNormsSquared[c]);
        }

        return sum;
    }

    public void SampleData(long seed, long sampleIndex, Span<double> x)
    {
        ulong key = CounterRandom.Key(seed, RandomStream.Data, 0, sampleIndex);
        int c = MixtureValidation.PickComponent(Weights, CounterRandom.Uniform(key, long.MaxValue));
        CounterRandom.FillStandardNormal(key, x);
        TensorPrimitives.MultiplyAdd(x, Math.Sqrt(_variances[c]), Mean(c), x);
    }

    /// <summary>w_k(x) = softmax_k(ln π_k + ln N(x; √ᾱ μ_k, v_k I)), by the same arithmetic as <see cref="ScoreBlock"/>.</summary>
    private void PosteriorWeights(ReadOnlySpan<double> x, double alphaBar, Span<double> weights, out double kappa)
    {
        Span<double> scratch = RowScratch(alphaBar, out ScoreChunkLayout layout);
        ScoreChunk(x, 1, alphaBar, default, scratch, layout, withLogDensity: false, out kappa);
        for (int c = 0; c < Components; c++)
        {
            weights[c] = scratch[layout.Weights + (c * layout.RowStride)];
        }
    }

    /// <summary>Rows per chunk of <see cref="ScoreBlock"/>: 16 rows of d = 64 are 8 KiB, well inside L1.</summary>
    private const int ChunkRows = 16;

    // Scratch layout: five per-level constant vectors of K, then the chunk's weights and coefficients (K × R
    // each, component-major, R = the chunk's rows rounded up to the vector width so the softmax can take a
    // vector of rows at a time), then three per-row scalars (R each).

    private static int RowStride(int chunk) => (chunk + Simd.Lanes - 1) / Simd.Lanes * Simd.Lanes;

    private int ScratchFor(int chunk) => (ScoreChunkLayout.LevelSlots * Components) + (RowStride(chunk) * ((2 * Components) + 3));

    /// <summary>Fills 1/v_k, ½/v_k, ln π_k − ½ d ln(2π v_k), ᾱ|μ_k|², √ᾱ/v_k and clears the chunk area.</summary>
    private ScoreChunkLayout FillLevelConstants(double alphaBar, Span<double> scratch, int chunk)
    {
        int k = Components;
        int kp = k;
        double rootAlphaBar = Math.Sqrt(alphaBar);
        scratch[..ScratchFor(chunk)].Clear();
        for (int c = 0; c < k; c++)
        {
            double v = DiffusedVariance(c, alphaBar);
            double inverse = 1.0 / v;
            scratch[(ScoreChunkLayout.InverseVarianceSlot * kp) + c] = inverse;
            scratch[(ScoreChunkLayout.HalfInverseVarianceSlot * kp) + c] = 0.5 * inverse;
            scratch[(ScoreChunkLayout.LogitConstantSlot * kp) + c] = _logWeights[c] - 0.5 * Dimension * Math.Log(2 * Math.PI * v);
            scratch[(ScoreChunkLayout.MeanTermSlot * kp) + c] = alphaBar * _meanNormsSquared[c];
            scratch[(ScoreChunkLayout.MeanCoefficientSlot * kp) + c] = rootAlphaBar * inverse;
        }

        return Layout(chunk);
    }

    private ScoreChunkLayout Layout(int chunk)
    {
        int rows = RowStride(chunk);
        int weights = ScoreChunkLayout.LevelSlots * Components;
        int coefficients = weights + (rows * Components);
        int squaredNorm = coefficients + (rows * Components);
        return new ScoreChunkLayout(weights, coefficients, squaredNorm, squaredNorm + rows, squaredNorm + (2 * rows), rows);
    }


    /// <summary>
    /// For n ≤ chunk rows: per row the posterior weights w_k, the score coefficients w_k √ᾱ / v_k,
    /// κ = Σ_k w_k / v_k and (when <paramref name="withLogDensity"/>) ln q_t(x) into the chunk area, and the
    /// score into <paramref name="score"/> unless it is empty. Logits are ln π_k − ½ d ln(2π v_k) − |x − √ᾱ μ_k|² / (2 v_k) with the squared
    /// distance formed as |x|² − 2√ᾱ x·μ_k + ᾱ|μ_k|² and clamped at 0 against cancellation.
    /// Returns ln q_t of row 0 (its largest logit without <paramref name="withLogDensity"/>) and its κ.
    /// </summary>
    private double ScoreChunk(ReadOnlySpan<double> x, int n, double alphaBar, Span<double> score, Span<double> scratch, ScoreChunkLayout layout, bool withLogDensity, out double kappa0)
    {
        ref double s = ref MemoryMarshal.GetReference(scratch);
        IsotropicMixtureKernel.ScoreChunk(
            ref MemoryMarshal.GetReference(x), n, Dimension, _means, Components, alphaBar, ref s, layout, ref MemoryMarshal.GetReference(score), withScore: !score.IsEmpty, withLogDensity);
        kappa0 = Unsafe.Add(ref s, layout.Kappa);
        return Unsafe.Add(ref s, layout.LogNormaliser);
    }

    /// <summary>g_k = −(x − √ᾱ μ_k) / v_k, K×d row-major.</summary>
    private void FillGradients(ReadOnlySpan<double> x, double alphaBar, Span<double> g)
    {
        int d = Dimension;
        double rootAlphaBar = Math.Sqrt(alphaBar);
        for (int c = 0; c < Components; c++)
        {
            double v = DiffusedVariance(c, alphaBar);
            Span<double> gc = g.Slice(c * d, d);
            TensorPrimitives.Multiply(Mean(c), rootAlphaBar / v, gc);
            TensorPrimitives.MultiplyAdd(x, -1.0 / v, gc, gc);
        }
    }
}
