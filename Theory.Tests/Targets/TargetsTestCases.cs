using Diffusion.Verify.Numerics;
using Diffusion.Verify.Randomness;
using Diffusion.Verify.Targets;
using MathNet.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>Deterministic test randomness: a counter walk on one CounterRandom key.</summary>
internal sealed class Draws(long seed, int purpose)
{
    private readonly ulong _key = CounterRandom.Key(seed, RandomStream.Evaluation, purpose, 0);
    private long _counter;

    public double Uniform() => CounterRandom.Uniform(_key, _counter++);

    public double Uniform(double low, double high) => low + (high - low) * Uniform();

    public double LogUniform(double low, double high) => Math.Exp(Uniform(Math.Log(low), Math.Log(high)));

    public int Integer(int min, int maxInclusive) => Math.Min(maxInclusive, min + (int)(Uniform() * (maxInclusive - min + 1)));

    public double Normal()
    {
        double u1 = CounterRandom.UniformOpenClosed(_key, _counter++);
        double u2 = Uniform();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    public double[] Normals(int n)
    {
        var v = new double[n];
        for (int i = 0; i < n; i++)
        {
            v[i] = Normal();
        }

        return v;
    }

    public double[] UnitVector(int n)
    {
        double[] v = Normals(n);
        double norm = Math.Sqrt(v.Sum(x => x * x));
        return v.Select(x => x / norm).ToArray();
    }
}

/// <summary>
/// A target together with its parameters written out densely (weights, means, d×d covariances), from
/// which the tests compute reference quantities by independent dense linear algebra (MathNet).
/// </summary>
internal sealed class TargetCase
{
    public TargetCase(string name, IDiffusedTarget target, double[] weights, double[][] means, double[][] covariances)
    {
        Name = name;
        Target = target;
        Weights = weights;
        Means = means;
        Covariances = covariances;
        int d = target.Dimension;
        MinEigenvalue = covariances.Min(c => DenseMatrix(c, d).Evd(Symmetricity.Symmetric).EigenValues.Min(z => z.Real));
    }

    public string Name { get; }

    public IDiffusedTarget Target { get; }

    public int Dimension => Target.Dimension;

    public double[] Weights { get; }

    public double[][] Means { get; }

    /// <summary>Σ_k, d×d row-major.</summary>
    public double[][] Covariances { get; }

    /// <summary>Smallest eigenvalue over all Σ_k.</summary>
    public double MinEigenvalue { get; }

    public override string ToString() => $"{Name}: {Target.Description}";

    /// <summary>The smallest eigenvalue of any C_k = ᾱ Σ_k + (1 − ᾱ) I: the finest length scale of q_t (squared).</summary>
    public double MinDiffusedVariance(double alphaBar) => alphaBar * MinEigenvalue + (1 - alphaBar);

    public double[] DiffusedCovariance(int k, double alphaBar)
    {
        int d = Dimension;
        var c = new double[d * d];
        for (int i = 0; i < d * d; i++)
        {
            c[i] = alphaBar * Covariances[k][i];
        }

        for (int i = 0; i < d; i++)
        {
            c[i * d + i] += 1 - alphaBar;
        }

        return c;
    }

    /// <summary>ln q_t(x) by Cholesky of each C_k and log-sum-exp: independent of the harness code paths.</summary>
    public double ReferenceLogDensity(double[] x, double alphaBar)
    {
        int d = Dimension;
        var terms = new double[Weights.Length];
        for (int k = 0; k < Weights.Length; k++)
        {
            var chol = DenseMatrix(DiffusedCovariance(k, alphaBar), d).Cholesky();
            Vector<double> r = Vector<double>.Build.Dense(d, i => x[i] - Math.Sqrt(alphaBar) * Means[k][i]);
            Vector<double> solved = chol.Solve(r);
            terms[k] = Math.Log(Weights[k]) - 0.5 * d * Math.Log(2 * Math.PI) - 0.5 * chol.DeterminantLn - 0.5 * r.DotProduct(solved);
        }

        return Elementary.LogSumExp(terms);
    }

    /// <summary>Mean and covariance (row-major) of q_t.</summary>
    public (double[] Mean, double[] Covariance) Moments(double alphaBar)
    {
        int d = Dimension;
        var mean = new double[d];
        var second = new double[d * d];
        double a = Math.Sqrt(alphaBar);
        for (int k = 0; k < Weights.Length; k++)
        {
            double[] c = DiffusedCovariance(k, alphaBar);
            for (int i = 0; i < d; i++)
            {
                mean[i] += Weights[k] * a * Means[k][i];
                for (int j = 0; j < d; j++)
                {
                    second[i * d + j] += Weights[k] * (c[i * d + j] + alphaBar * Means[k][i] * Means[k][j]);
                }
            }
        }

        for (int i = 0; i < d; i++)
        {
            for (int j = 0; j < d; j++)
            {
                second[i * d + j] -= mean[i] * mean[j];
            }
        }

        return (mean, second);
    }

    /// <summary>P(vᵀX_t ≤ y): a projected Gaussian mixture is the 1-D mixture Σ π_k N(√ᾱ vᵀμ_k, vᵀC_k v).</summary>
    public Func<double, double> ProjectedCdf(double[] v, double alphaBar)
    {
        int d = Dimension;
        int k = Weights.Length;
        var centres = new double[k];
        var scales = new double[k];
        for (int c = 0; c < k; c++)
        {
            double[] cov = DiffusedCovariance(c, alphaBar);
            double variance = 0;
            for (int i = 0; i < d; i++)
            {
                centres[c] += Math.Sqrt(alphaBar) * v[i] * Means[c][i];
                for (int j = 0; j < d; j++)
                {
                    variance += v[i] * cov[i * d + j] * v[j];
                }
            }

            scales[c] = Math.Sqrt(variance);
        }

        return y =>
        {
            double p = 0;
            for (int c = 0; c < k; c++)
            {
                p += Weights[c] * 0.5 * SpecialFunctions.Erfc(-(y - centres[c]) / (scales[c] * Math.Sqrt(2)));
            }

            return p;
        };
    }

    /// <summary>Reads the parameters back through the targets' public API (for targets built from JSON).</summary>
    public static TargetCase FromTarget(string name, IDiffusedTarget target)
    {
        (double[] w, double[][] mu, double[][] sigma) = Parameters(target);
        return new TargetCase(name, target, w, mu, sigma);
    }

    private static (double[] Weights, double[][] Means, double[][] Covariances) Parameters(IDiffusedTarget target)
    {
        int d = target.Dimension;
        switch (target)
        {
            case IsotropicMixture iso:
                return (iso.Weights.ToArray(),
                    Enumerable.Range(0, iso.Components).Select(k => iso.Mean(k).ToArray()).ToArray(),
                    iso.Variances.Select(v => Scaled(Identity(d), v)).ToArray());
            case GeneralMixture general:
                return (general.Weights.ToArray(),
                    Enumerable.Range(0, general.Components).Select(k => general.Mean(k).ToArray()).ToArray(),
                    Enumerable.Range(0, general.Components).Select(general.Covariance).ToArray());
            case GaussianTarget gaussian:
                return ([1.0], [gaussian.Mean.ToArray()], [FromEigen(gaussian.Eigenvalues.ToArray(), gaussian.Eigenvectors?.ToArray(), d)]);
            case EmbeddedMixture embedded:
                {
                    (double[] w, double[][] coreMeans, double[][] coreCovariances) = Parameters(embedded.Core);
                    int r = embedded.CoreDimension;
                    double[] u = embedded.Basis.ToArray();
                    var means = coreMeans.Select(m => Embed(u, m, d, r)).ToArray();
                    var covariances = coreCovariances.Select(a => EmbedCovariance(u, a, embedded.ComplementVariance, d, r)).ToArray();
                    return (w, means, covariances);
                }

            default:
                throw new ArgumentException($"no reference parameters for {target.GetType().Name}");
        }
    }

    /// <summary>Q diag(λ) Qᵀ (Q = I when null), row-major.</summary>
    public static double[] FromEigen(double[] lambda, double[]? q, int d)
    {
        var sigma = new double[d * d];
        for (int i = 0; i < d; i++)
        {
            for (int l = 0; l < d; l++)
            {
                double sum = 0;
                for (int j = 0; j < d; j++)
                {
                    double qi = q is null ? (i == j ? 1 : 0) : q[i * d + j];
                    double ql = q is null ? (l == j ? 1 : 0) : q[l * d + j];
                    sum += qi * lambda[j] * ql;
                }

                sigma[i * d + l] = sum;
            }
        }

        return sigma;
    }

    /// <summary>U m for U d×r row-major.</summary>
    public static double[] Embed(double[] u, double[] m, int d, int r)
    {
        var x = new double[d];
        for (int i = 0; i < d; i++)
        {
            for (int j = 0; j < r; j++)
            {
                x[i] += u[i * r + j] * m[j];
            }
        }

        return x;
    }

    /// <summary>U A Uᵀ + σ⊥² (I − UUᵀ).</summary>
    public static double[] EmbedCovariance(double[] u, double[] a, double complementVariance, int d, int r)
    {
        var sigma = new double[d * d];
        for (int i = 0; i < d; i++)
        {
            for (int l = 0; l < d; l++)
            {
                double uau = 0;
                double uu = 0;
                for (int p = 0; p < r; p++)
                {
                    uu += u[i * r + p] * u[l * r + p];
                    for (int q = 0; q < r; q++)
                    {
                        uau += u[i * r + p] * a[p * r + q] * u[l * r + q];
                    }
                }

                sigma[i * d + l] = uau + complementVariance * ((i == l ? 1 : 0) - uu);
            }
        }

        return sigma;
    }

    public static double[] Identity(int d)
    {
        var m = new double[d * d];
        for (int i = 0; i < d; i++)
        {
            m[i * d + i] = 1;
        }

        return m;
    }

    public static double[] Scaled(double[] m, double factor) => m.Select(v => v * factor).ToArray();

    public static double[][] Rows(double[] m, int d) => Enumerable.Range(0, d).Select(i => m.AsSpan(i * d, d).ToArray()).ToArray();

    public static Matrix<double> DenseMatrix(double[] rowMajor, int d) => Matrix<double>.Build.Dense(d, d, (i, j) => rowMajor[i * d + j]);
}

/// <summary>Random small targets of every kind, a pure function of an integer seed.</summary>
internal static class RandomTargetCases
{
    public static readonly string[] Forms = ["isotropic", "diagonal", "full", "embedded", "gaussian"];

    public static TargetCase Create(int seed) => Create(seed, Forms[Math.Abs(seed % Forms.Length)]);

    public static TargetCase Create(int seed, string form)
    {
        var draws = new Draws(seed, 1);
        if (form == "embedded")
        {
            int r = draws.Integer(1, 2);
            int d = draws.Integer(r, 8);
            string coreForm = Forms[draws.Integer(0, 2)];
            TargetCase core = Mixture(draws, coreForm, r, seed);
            double complementVariance = draws.LogUniform(0.05, 4);
            var target = new EmbeddedMixture(core.Target, d, complementVariance, seed);
            return TargetCase.FromTarget($"embedded(seed={seed},core={coreForm})", target);
        }

        if (form == "gaussian")
        {
            int d = draws.Integer(1, 8);
            double[] spectrum = Enumerable.Range(0, d).Select(_ => draws.LogUniform(0.05, 4)).ToArray();
            double[] mean = draws.Normals(d).Select(v => 2 * v).ToArray();
            var target = GaussianTarget.WithRandomEigenvectors(spectrum, mean, seed);
            return new TargetCase($"gaussian(seed={seed})", target, [1.0], [mean], [TargetCase.FromEigen(spectrum, target.Eigenvectors!.Value.ToArray(), d)]);
        }

        return Mixture(draws, form, draws.Integer(1, 8), seed);
    }

    /// <summary>Isotropic, diagonal or full mixture with K ≤ 4 components, means ~ N(0, 2²), variances in [0.05, 4].</summary>
    public static TargetCase Mixture(Draws draws, string form, int d, int seed)
    {
        int k = draws.Integer(1, 4);
        double[] raw = Enumerable.Range(0, k).Select(_ => Math.Exp(draws.Normal())).ToArray();
        double[] weights = raw.Select(w => w / raw.Sum()).ToArray();
        double[][] means = Enumerable.Range(0, k).Select(_ => draws.Normals(d).Select(v => 2 * v).ToArray()).ToArray();
        string name = $"{form}(seed={seed},d={d},K={k})";
        switch (form)
        {
            case "isotropic":
                {
                    double[] variances = Enumerable.Range(0, k).Select(_ => draws.LogUniform(0.05, 4)).ToArray();
                    var target = new IsotropicMixture(weights, means, variances);
                    return new TargetCase(name, target, weights, means, variances.Select(v => TargetCase.Scaled(TargetCase.Identity(d), v)).ToArray());
                }

            case "diagonal":
                {
                    double[][] diagonals = Enumerable.Range(0, k).Select(_ => Enumerable.Range(0, d).Select(_ => draws.LogUniform(0.05, 4)).ToArray()).ToArray();
                    var target = GeneralMixture.FromDiagonals(weights, means, diagonals);
                    return new TargetCase(name, target, weights, means, diagonals.Select(l => TargetCase.FromEigen(l, null, d)).ToArray());
                }

            default:
                {
                    // Σ = s · B Bᵀ / d + 0.05 I: SPD, smallest eigenvalue ≥ 0.05, generic eigenvectors.
                    var covariances = new double[k][];
                    for (int c = 0; c < k; c++)
                    {
                        double s = draws.LogUniform(0.1, 4);
                        double[] b = draws.Normals(d * d);
                        var sigma = new double[d * d];
                        for (int i = 0; i < d; i++)
                        {
                            for (int l = 0; l <= i; l++)
                            {
                                double sum = 0;
                                for (int j = 0; j < d; j++)
                                {
                                    sum += b[i * d + j] * b[l * d + j];
                                }

                                sigma[i * d + l] = sigma[l * d + i] = s * sum / d + (i == l ? 0.05 : 0);
                            }
                        }

                        covariances[c] = sigma;
                    }

                    var target = GeneralMixture.FromCovariances(weights, means, covariances.Select(m => TargetCase.Rows(m, d)).ToArray());
                    return new TargetCase(name, target, weights, means, covariances);
                }
        }
    }

    /// <summary>ᾱ ∈ (1e−6, 1): half log-uniform (noisy end), half uniform (data end).</summary>
    public static double AlphaBar(Draws draws) => draws.Uniform() < 0.5 ? draws.LogUniform(1e-6, 1) : draws.Uniform(1e-6, 1 - 1e-9);

    /// <summary>A point typical of q_t, occasionally pushed into the tails.</summary>
    public static double[] Point(TargetCase c, double alphaBar, Draws draws, int seed)
    {
        var x = new double[c.Dimension];
        c.Target.SampleDiffused(seed, 17, alphaBar, x);
        double stretch = draws.Uniform() < 0.2 ? 3.0 : 1.0;
        return x.Select(v => v * stretch).ToArray();
    }
}
