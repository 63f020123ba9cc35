using Diffusion.Verify.Numerics;
using Diffusion.Verify.Randomness;
using Diffusion.Verify.Numerics.LinearAlgebra;

namespace Diffusion.Verify.Targets;

/// <summary>
/// q_0 = N(μ, Σ) with Σ = Q diag(λ) Qᵀ (DESIGN §3, K = 1). Every sampler is affine in Y plus Gaussian
/// noise on it, so the exact evaluator propagates each coordinate of the eigenbasis independently; this
/// type therefore exposes μ, λ, Q and Qᵀμ. The closed forms come from the mixture types: the
/// isotropic case runs on <see cref="IsotropicMixture"/> (O(d) per point, so d = 10⁵ samples fast),
/// the others on <see cref="GeneralMixture"/>.
/// </summary>
public sealed class GaussianTarget : IDiffusedTarget
{
    /// <summary>Rotated spectra keep a dense d×d eigenbasis; beyond this d its O(d³) construction and d² memory are unreasonable.</summary>
    public const int MaxRotatedDimension = 2048;

    private readonly IDiffusedTarget _closedForms;
    private readonly double[] _mean;
    private readonly double[] _eigenvalues;
    private readonly double[]? _eigenvectors;
    private readonly double[] _meanInEigenbasis;

    /// <summary>
    /// N(mean, Q diag(eigenvalues) Qᵀ); <paramref name="eigenvectors"/> is d×d row-major with column j
    /// the eigenvector of eigenvalue j (checked orthonormal within 1e−9), or null for the coordinate axes.
    /// </summary>
    public GaussianTarget(double[] mean, double[] eigenvalues, double[]? eigenvectors)
        : this(mean, eigenvalues, eigenvectors, checkOrthonormal: true)
    {
    }

    private GaussianTarget(double[] mean, double[] eigenvalues, double[]? eigenvectors, bool checkOrthonormal)
    {
        int d = mean.Length;
        if (d < 1)
        {
            throw new InvalidSpecificationException("mean", "[]", "a Gaussian needs at least one coordinate");
        }

        for (int j = 0; j < d; j++)
        {
            if (!double.IsFinite(mean[j]))
            {
                throw new InvalidSpecificationException($"mean[{j}]", mean[j].ToString("R"), "must be finite");
            }
        }

        if (eigenvalues.Length != d)
        {
            throw new InvalidSpecificationException("spectrum", $"{eigenvalues.Length} values", $"need one eigenvalue per dimension ({d})");
        }

        MixtureValidation.CheckPositiveVector(eigenvalues, "spectrum", d, "an eigenvalue");
        if (eigenvectors is not null)
        {
            if (d > MaxRotatedDimension)
            {
                throw new InvalidSpecificationException("dimension", d.ToString(), $"a rotated (non-axis) covariance is limited to d ≤ {MaxRotatedDimension}");
            }

            if (checkOrthonormal)
            {
                MixtureValidation.CheckOrthogonal(eigenvectors, "eigenvectors", d);
            }
        }

        Dimension = d;
        _mean = (double[])mean.Clone();
        _eigenvalues = (double[])eigenvalues.Clone();
        _eigenvectors = eigenvectors is null ? null : (double[])eigenvectors.Clone();
        IsIsotropic = Array.TrueForAll(_eigenvalues, v => v == _eigenvalues[0]);
        string shape = IsIsotropic ? $"variance={_eigenvalues[0]:G}" : _eigenvectors is null ? "diagonal" : "rotated";
        Description = $"gaussian(d={d},{shape})";
        if (IsIsotropic)
        {
            // Σ = σ² I whatever the eigenbasis, so the O(d) path is exact.
            _closedForms = new IsotropicMixture([1.0], [_mean], [_eigenvalues[0]], Description);
        }
        else if (_eigenvectors is null)
        {
            _closedForms = GeneralMixture.FromDiagonals([1.0], [_mean], [_eigenvalues], Description);
        }
        else
        {
            _closedForms = GeneralMixture.FromTrustedEigen([1.0], [_mean], [_eigenvalues], [_eigenvectors], Description);
        }

        _meanInEigenbasis = new double[d];
        if (_eigenvectors is null)
        {
            _mean.CopyTo(_meanInEigenbasis, 0);
        }
        else
        {
            for (int i = 0; i < d; i++)
            {
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(_eigenvectors.AsSpan(i * d, d), _mean[i], _meanInEigenbasis, _meanInEigenbasis);
            }
        }
    }

    public int Dimension { get; }

    public string Description { get; }

    /// <summary>μ (d).</summary>
    public ReadOnlyMemory<double> Mean => _mean;

    /// <summary>λ (d), the eigenvalues of Σ, in the order of <see cref="Eigenvectors"/>' columns.</summary>
    public ReadOnlyMemory<double> Eigenvalues => _eigenvalues;

    /// <summary>Q (d×d row-major, column j = eigenvector j), or null meaning the identity (coordinate axes).</summary>
    public ReadOnlyMemory<double>? Eigenvectors => _eigenvectors is null ? (ReadOnlyMemory<double>?)null : _eigenvectors;

    /// <summary>Qᵀμ (μ itself when <see cref="Eigenvectors"/> is null).</summary>
    public ReadOnlyMemory<double> MeanInEigenbasis => _meanInEigenbasis;

    /// <summary>True when Σ = σ² I (all eigenvalues equal).</summary>
    public bool IsIsotropic { get; }

    /// <summary>N(mean, variance · I); mean defaults to 0.</summary>
    public static GaussianTarget Isotropic(int dimension, double variance, double[]? mean = null)
    {
        if (dimension < 1)
        {
            throw new InvalidSpecificationException("dimension", dimension.ToString(), "must be at least 1");
        }

        if (!double.IsFinite(variance) || variance <= 0)
        {
            throw new InvalidSpecificationException("variance", variance.ToString("R"), "a variance must be finite and positive");
        }

        CheckMeanLength(mean, dimension);
        var eigenvalues = new double[dimension];
        Array.Fill(eigenvalues, variance);
        return new GaussianTarget(mean ?? new double[dimension], eigenvalues, null, checkOrthonormal: false);
    }

    /// <summary>
    /// N(mean, Q diag(spectrum) Qᵀ) with Q Haar-random from <paramref name="seed"/>
    /// (<see cref="RandomOrthonormal"/>, TargetConstruction stream); mean defaults to 0.
    /// </summary>
    public static GaussianTarget WithRandomEigenvectors(double[] spectrum, double[]? mean, long seed)
    {
        int d = spectrum.Length;
        if (d < 1)
        {
            throw new InvalidSpecificationException("spectrum", "[]", "need at least one eigenvalue");
        }

        if (d > MaxRotatedDimension)
        {
            throw new InvalidSpecificationException("spectrum", $"{d} values", $"a rotated covariance is limited to d ≤ {MaxRotatedDimension}");
        }

        CheckMeanLength(mean, d);
        MixtureValidation.CheckPositiveVector(spectrum, "spectrum", d, "an eigenvalue");
        ulong key = CounterRandom.Key(seed, RandomStream.TargetConstruction, (int)ConstructionDraw.Eigenvectors, 0);
        double[] q = RandomOrthonormal.Columns(d, d, key);
        return new GaussianTarget(mean ?? new double[d], spectrum, q, checkOrthonormal: false);
    }

    public double LogDensity(ReadOnlySpan<double> x, double alphaBar) => _closedForms.LogDensity(x, alphaBar);

    public int ScratchLength(int rows) => _closedForms.ScratchLength(rows);

    public void ScoreBlock(ReadOnlySpan<double> x, int rows, double alphaBar, Span<double> score, Span<double> scratch, Span<double> logDensity = default)
        => _closedForms.ScoreBlock(x, rows, alphaBar, score, scratch, logDensity);

    public void Jacobian(ReadOnlySpan<double> x, double alphaBar, Span<double> jacobian) => _closedForms.Jacobian(x, alphaBar, jacobian);

    /// <summary>
    /// ∇s = −Q diag(1/c) Qᵀ does not depend on x (c_j = ᾱ λ_j + 1 − ᾱ), so
    /// ln|det(I + c∇s)| = Σ_j ln|1 − c/c_j| in O(d), with no dense factorisation.
    /// </summary>
    public double LogAbsDetIdentityPlusScaledJacobian(ReadOnlySpan<double> x, double alphaBar, double scale)
    {
        double sum = 0;
        foreach (double lambda in _eigenvalues)
        {
            double ratio = scale / (alphaBar * lambda + 1.0 - alphaBar);
            sum += Math.Abs(ratio) < 0.5 ? Elementary.Log1P(-ratio) : Math.Log(Math.Abs(1.0 - ratio));
        }

        return sum;
    }

    /// <summary>Isotropic: ∇s = −I/v, rank 0. Otherwise Q diag(−1/c_j) Qᵀ has no small-rank form: false.</summary>
    public bool TryLowRankJacobian(ReadOnlySpan<double> x, double alphaBar, LowRankJacobian destination)
        => IsIsotropic && _closedForms.TryLowRankJacobian(x, alphaBar, destination);

    /// <summary>∇s = Q diag(−1/c_j) Qᵀ everywhere, in the one basis of this target.</summary>
    public bool TryEigenbasisJacobian(ReadOnlySpan<double> x, double alphaBar, EigenbasisJacobian destination)
    {
        destination.Reset(this);
        Span<double> values = destination.Eigenvalues;
        for (int j = 0; j < _eigenvalues.Length; j++)
        {
            values[j] = -1.0 / (alphaBar * _eigenvalues[j] + 1.0 - alphaBar);
        }

        return true;
    }

    public double ComponentKlToStandardNormal(double alphaBar) => _closedForms.ComponentKlToStandardNormal(alphaBar);

    public void SampleData(long seed, long sampleIndex, Span<double> x) => _closedForms.SampleData(seed, sampleIndex, x);

    private static void CheckMeanLength(double[]? mean, int dimension)
    {
        if (mean is not null && mean.Length != dimension)
        {
            throw new InvalidSpecificationException("mean", $"{mean.Length} values", $"need one value per dimension ({dimension})");
        }
    }
}
