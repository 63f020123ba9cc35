using Diffusion.Verify.Schedules;

namespace Diffusion.Verify.Distances.Exact;

/// <summary>
/// A Gaussian with diagonal covariance in a fixed orthonormal basis: N(Means, diag(Variances)).
/// For a Gaussian target N(μ, Σ) this is the law written in the eigenbasis of Σ (means Uᵀμ, variances the
/// eigenvalues λ_j). Isotropic noise keeps that basis, so q_t, p_t and every sampler's output stay
/// diagonal in it (DESIGN §3) and all distances reduce to per-coordinate closed forms.
/// </summary>
public sealed class GaussianLaw
{
    private readonly double[] _means;
    private readonly double[] _variances;

    /// <param name="allowZeroVariances">
    /// Accept a zero variance (a data law concentrated on a subspace: the complement of an embedded target with
    /// σ⊥² = 0). Only as a data law: its diffused laws (<see cref="Diffused(double, double)"/>, ᾱ &lt; 1) are proper.
    /// </param>
    public GaussianLaw(IReadOnlyList<double> means, IReadOnlyList<double> variances, bool allowZeroVariances = false)
    {
        if (means.Count != variances.Count || means.Count < 1)
        {
            throw new InvalidSpecificationException("gaussian", $"{means.Count} means, {variances.Count} variances", "need the same number (≥ 1) of means and variances");
        }

        _means = new double[means.Count];
        _variances = new double[means.Count];
        for (int j = 0; j < means.Count; j++)
        {
            if (!double.IsFinite(means[j]))
            {
                throw new InvalidSpecificationException($"gaussian.means[{j}]", means[j].ToString("R"), "a mean must be finite");
            }

            if (!double.IsFinite(variances[j]) || variances[j] < 0 || (variances[j] == 0 && !allowZeroVariances))
            {
                throw new InvalidSpecificationException($"gaussian.variances[{j}]", variances[j].ToString("R"), "a variance must be finite and positive");
            }

            _means[j] = means[j];
            _variances[j] = variances[j];
        }
    }

    /// <summary>N(m·1, v·I) in dimension d.</summary>
    public static GaussianLaw Isotropic(int dimension, double mean, double variance) =>
        new(Enumerable.Repeat(mean, dimension).ToArray(), Enumerable.Repeat(variance, dimension).ToArray());

    /// <summary>N(0, I_d), the paper's start law.</summary>
    public static GaussianLaw StandardNormal(int dimension) => Isotropic(dimension, 0.0, 1.0);

    public int Dimension => _means.Length;

    public ReadOnlySpan<double> Means => _means;

    public ReadOnlySpan<double> Variances => _variances;

    public double Mean(int j) => _means[j];

    public double Variance(int j) => _variances[j];

    /// <summary>
    /// The law of √ᾱ X + √(1−ᾱ) W for X of this law: N(√ᾱ m, ᾱ λ + (1−ᾱ)). 1−ᾱ is passed separately so
    /// that callers holding it without cancellation (<see cref="NoiseSchedule.OneMinusAlphaBar"/>) keep it.
    /// </summary>
    public GaussianLaw Diffused(double alphaBar, double oneMinusAlphaBar)
    {
        double root = Math.Sqrt(alphaBar);
        var means = new double[Dimension];
        var variances = new double[Dimension];
        for (int j = 0; j < Dimension; j++)
        {
            means[j] = root * _means[j];
            variances[j] = alphaBar * _variances[j] + oneMinusAlphaBar;
        }

        return new GaussianLaw(means, variances);
    }

    /// <summary>q_t for data of this law (t = 0 returns the data law itself).</summary>
    public GaussianLaw Diffused(NoiseSchedule schedule, int t) =>
        t == 0 ? this : Diffused(schedule.AlphaBar(t), schedule.OneMinusAlphaBar(t));

    public override string ToString() => $"gaussian(d={Dimension})";
}
