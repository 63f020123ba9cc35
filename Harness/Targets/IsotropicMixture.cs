using System.Numerics.Tensors;
using Diffusion.Verify.Numerics;
using Diffusion.Verify.Randomness;

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

    public int ScratchLength(int rows) => 2 * Components;

    public double LogDensity(ReadOnlySpan<double> x, double alphaBar)
    {
        Span<double> logits = stackalloc double[Components];
        Logits(x, alphaBar, logits);
        return Elementary.LogSumExp(logits);
    }

    public void ScoreBlock(ReadOnlySpan<double> x, int rows, double alphaBar, Span<double> score, Span<double> scratch, Span<double> logDensity = default)
    {
        int d = Dimension;
        int k = Components;
        Span<double> logits = scratch[..k];
        Span<double> coefficients = scratch.Slice(k, k);
        double rootAlphaBar = Math.Sqrt(alphaBar);
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<double> xr = x.Slice(r * d, d);
            Span<double> sr = score.Slice(r * d, d);
            Logits(xr, alphaBar, logits);
            double logNormaliser = Softmax(logits);
            if (!logDensity.IsEmpty)
            {
                logDensity[r] = logNormaliser;
            }

            // s = −κ x + Σ_k (w_k √ᾱ / v_k) μ_k
            double kappa = 0;
            for (int c = 0; c < k; c++)
            {
                double v = DiffusedVariance(c, alphaBar);
                kappa += logits[c] / v;
                coefficients[c] = logits[c] * rootAlphaBar / v;
            }

            TensorPrimitives.Multiply(xr, -kappa, sr);
            for (int c = 0; c < k; c++)
            {
                if (coefficients[c] != 0)
                {
                    TensorPrimitives.MultiplyAdd(Mean(c), coefficients[c], sr, sr);
                }
            }
        }
    }

    public void Jacobian(ReadOnlySpan<double> x, double alphaBar, Span<double> jacobian)
    {
        int d = Dimension;
        int k = Components;
        Span<double> w = stackalloc double[k];
        Logits(x, alphaBar, w);
        Softmax(w);
        var g = new double[k * d];
        var s = new double[d];
        FillGradients(x, alphaBar, g);
        double kappa = 0;
        for (int c = 0; c < k; c++)
        {
            kappa += w[c] / DiffusedVariance(c, alphaBar);
            TensorPrimitives.MultiplyAdd(g.AsSpan(c * d, d), w[c], s, s);
        }

        // ∇s = Σ_k w_k (g_k g_kᵀ − I/v_k) − s sᵀ
        for (int i = 0; i < d; i++)
        {
            Span<double> row = jacobian.Slice(i * d, d);
            TensorPrimitives.Multiply(s, -s[i], row);
            for (int c = 0; c < k; c++)
            {
                ReadOnlySpan<double> gc = g.AsSpan(c * d, d);
                TensorPrimitives.MultiplyAdd(gc, w[c] * gc[i], row, row);
            }

            row[i] -= kappa;
        }
    }

    public double LogAbsDetIdentityPlusScaledJacobian(ReadOnlySpan<double> x, double alphaBar, double scale)
    {
        int d = Dimension;
        int k = Components;
        Span<double> w = stackalloc double[k];
        Logits(x, alphaBar, w);
        Softmax(w);
        double kappa = 0;
        for (int c = 0; c < k; c++)
        {
            kappa += w[c] / DiffusedVariance(c, alphaBar);
        }

        // I + c∇s = a I + c G C Gᵀ with a = 1 − cκ, C = diag(w) − w wᵀ;
        // det = a^d det(I_K + (c/a) C GᵀG)  (matrix determinant lemma).
        double a = 1.0 - scale * kappa;
        Span<double> g = k * d <= 4096 ? stackalloc double[k * d] : new double[k * d];
        FillGradients(x, alphaBar, g);
        Span<double> gram = stackalloc double[k * k];
        for (int i = 0; i < k; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                double v = TensorPrimitives.Dot<double>(g.Slice(i * d, d), g.Slice(j * d, d));
                gram[i * k + j] = v;
                gram[j * k + i] = v;
            }
        }

        Span<double> m = stackalloc double[k * k];
        for (int i = 0; i < k; i++)
        {
            for (int j = 0; j < k; j++)
            {
                double sum = 0;
                for (int l = 0; l < k; l++)
                {
                    double cil = (i == l ? w[i] : 0.0) - w[i] * w[l];
                    sum += cil * gram[l * k + j];
                }

                m[i * k + j] = (i == j ? 1.0 : 0.0) + scale / a * sum;
            }
        }

        return d * Math.Log(Math.Abs(a)) + DenseLu.LogAbsDeterminant(m, k);
    }

    public double ComponentKlToStandardNormal(double alphaBar)
    {
        double sum = 0;
        for (int c = 0; c < Components; c++)
        {
            sum += Weights[c] * Distances.StartErrorBound.IsotropicKl(Dimension, DiffusedVariance(c, alphaBar), alphaBar * _meanNormsSquared[c]);
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

    /// <summary>ln π_k + ln N(x; √ᾱ μ_k, v_k I) for each k.</summary>
    private void Logits(ReadOnlySpan<double> x, double alphaBar, Span<double> logits)
    {
        int d = Dimension;
        double xx = TensorPrimitives.Dot(x, x);
        double rootAlphaBar = Math.Sqrt(alphaBar);
        for (int c = 0; c < Components; c++)
        {
            double v = DiffusedVariance(c, alphaBar);
            double distance2 = xx - 2 * rootAlphaBar * TensorPrimitives.Dot(x, Mean(c)) + alphaBar * _meanNormsSquared[c];
            distance2 = Math.Max(distance2, 0.0);
            logits[c] = _logWeights[c] - 0.5 * d * Math.Log(2 * Math.PI * v) - 0.5 * distance2 / v;
        }
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

    /// <summary>Replaces logits by softmax weights in place; returns the log-sum-exp.</summary>
    private static double Softmax(Span<double> logits)
    {
        double lse = Elementary.LogSumExp(logits);
        for (int c = 0; c < logits.Length; c++)
        {
            logits[c] = Math.Exp(logits[c] - lse);
        }

        return lse;
    }
}
