using Diffusion.Verify.Numerics;

namespace Diffusion.Verify.Scores;

/// <summary>
/// The exact score of a Gaussian target written in the eigenbasis of its covariance: data law
/// N(m, diag(λ)), so q_t = N(√ᾱ m, diag(v)) with v_j = ᾱ λ_j + 1 − ᾱ and
/// s_j(x, ᾱ) = −(x_j − √ᾱ m_j) / v_j — affine in x with a diagonal Jacobian −1/v_j.
/// The exact evaluator runs the real samplers on it to read off their affine maps.
/// </summary>
public sealed class DiagonalGaussianScore : IScore
{
    private readonly double[] _means;
    private readonly double[] _eigenvalues;

    /// <param name="allowZeroEigenvalues">
    /// Accept λ_j = 0 (data exactly on a subspace, e.g. the complement of an embedded target with σ⊥² = 0):
    /// v_j = 1 − ᾱ is then positive at every level ᾱ &lt; 1, which is every level a sampler visits.
    /// </param>
    public DiagonalGaussianScore(IReadOnlyList<double> means, IReadOnlyList<double> eigenvalues, bool allowZeroEigenvalues = false)
    {
        if (means.Count != eigenvalues.Count || means.Count < 1)
        {
            throw new InvalidSpecificationException("gaussian", $"{means.Count} means, {eigenvalues.Count} eigenvalues", "need the same number (≥ 1) of means and eigenvalues");
        }

        for (int j = 0; j < means.Count; j++)
        {
            if (!double.IsFinite(means[j]))
            {
                throw new InvalidSpecificationException($"gaussian.means[{j}]", means[j].ToString("R"), "a mean must be finite");
            }

            if (!double.IsFinite(eigenvalues[j]) || eigenvalues[j] < 0 || (eigenvalues[j] == 0 && !allowZeroEigenvalues))
            {
                throw new InvalidSpecificationException($"gaussian.eigenvalues[{j}]", eigenvalues[j].ToString("R"), "an eigenvalue must be finite and positive");
            }
        }

        _means = means.ToArray();
        _eigenvalues = eigenvalues.ToArray();
    }

    public int Dimension => _means.Length;

    public string Description => "exact";

    public ReadOnlySpan<double> Means => _means;

    public ReadOnlySpan<double> Eigenvalues => _eigenvalues;

    /// <summary>v_j(ᾱ) = ᾱ λ_j + 1 − ᾱ, the variance of coordinate j under q_t.</summary>
    public double DiffusedVariance(int j, double alphaBar) => alphaBar * _eigenvalues[j] + (1.0 - alphaBar);

    /// <summary>∂s_j/∂x_j = −1/v_j: the slope of the affine score.</summary>
    public double Slope(int j, double alphaBar) => -1.0 / DiffusedVariance(j, alphaBar);

    /// <summary>s_j(0) = √ᾱ m_j / v_j: the offset of the affine score.</summary>
    public double Offset(int j, double alphaBar) => Math.Sqrt(alphaBar) * _means[j] / DiffusedVariance(j, alphaBar);

    public int ScratchLength(int rows) => 2 * Dimension;

    public void Evaluate(ReadOnlySpan<double> x, int rows, double alphaBar, Span<double> score, Span<double> scratch)
    {
        int d = Dimension;
        Span<double> precision = scratch[..d];
        Span<double> offset = scratch.Slice(d, d);
        double root = Math.Sqrt(alphaBar);
        for (int j = 0; j < d; j++)
        {
            double v = DiffusedVariance(j, alphaBar);
            precision[j] = 1.0 / v;
            offset[j] = root * _means[j] / v;
        }

        // s_j = −x_j / v_j + √ᾱ m_j / v_j
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<double> xr = x.Slice(r * d, d);
            Span<double> sr = score.Slice(r * d, d);
            for (int j = 0; j < d; j++)
            {
                sr[j] = offset[j] - (xr[j] * precision[j]);
            }
        }
    }

    public void Jacobian(ReadOnlySpan<double> x, double alphaBar, Span<double> jacobian)
    {
        int d = Dimension;
        jacobian[..(d * d)].Clear();
        for (int j = 0; j < d; j++)
        {
            jacobian[(j * d) + j] = Slope(j, alphaBar);
        }
    }

    /// <summary>ln|det(I + c∇s)| = Σ_j ln|1 − c/v_j|, independent of x.</summary>
    public double LogAbsDetIdentityPlusScaledJacobian(ReadOnlySpan<double> x, double alphaBar, double scale)
    {
        double sum = 0;
        for (int j = 0; j < Dimension; j++)
        {
            double u = -scale / DiffusedVariance(j, alphaBar);
            sum += u > -1.0 ? Elementary.Log1P(u) : Math.Log(Math.Abs(1.0 + u));
        }

        return sum;
    }
}
