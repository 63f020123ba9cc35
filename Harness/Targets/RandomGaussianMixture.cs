using System.Numerics.Tensors;
using Diffusion.Verify.Numerics;
using Diffusion.Verify.Randomness;

namespace Diffusion.Verify.Targets;

/// <summary>
/// The "random-gmm" family: K equally weighted components with means μ_k = meanScale · (uniform random
/// unit vector) and either isotropic covariance variance·I or full Σ_k = Q_k diag(λ_k) Q_kᵀ with
/// Haar-random Q_k and λ_kj = variance · exp(U(−ln 2, ln 2)). Every draw is counter-based on the
/// TargetConstruction stream, so (d, K, meanScale, form, variance, seed) fixes the target exactly.
/// </summary>
public static class RandomGaussianMixture
{
    public const double DefaultVariance = 0.25;

    public static IDiffusedTarget Create(int dimension, int components, double meanScale, CovarianceForm covariance, long seed, double variance = DefaultVariance)
    {
        if (dimension < 1)
        {
            throw new InvalidSpecificationException("dimension", dimension.ToString(), "must be at least 1");
        }

        if (components < 1)
        {
            throw new InvalidSpecificationException("components", components.ToString(), "must be at least 1");
        }

        if (!double.IsFinite(meanScale) || meanScale < 0)
        {
            throw new InvalidSpecificationException("meanScale", meanScale.ToString("R"), "must be finite and non-negative");
        }

        if (!double.IsFinite(variance) || variance <= 0)
        {
            throw new InvalidSpecificationException("variance", variance.ToString("R"), "a variance must be finite and positive");
        }

        if (covariance == CovarianceForm.Full && dimension > GaussianTarget.MaxRotatedDimension)
        {
            throw new InvalidSpecificationException("dimension", dimension.ToString(), $"full random covariances are limited to d ≤ {GaussianTarget.MaxRotatedDimension}");
        }

        int d = dimension;
        var weights = new double[components];
        Array.Fill(weights, 1.0 / components);
        var means = new double[components][];
        for (int k = 0; k < components; k++)
        {
            // A standard normal vector's direction is uniform on the sphere.
            means[k] = new double[d];
            CounterRandom.FillStandardNormal(Key(seed, ConstructionDraw.MeanDirection, k), means[k]);
            double norm = TensorPrimitives.Norm<double>(means[k]);
            TensorPrimitives.Multiply(means[k], meanScale / norm, means[k]);
        }

        string description = $"random-gmm(K={components},d={d},{FormName(covariance)},meanScale={meanScale:G},variance={variance:G},seed={seed})";
        switch (covariance)
        {
            case CovarianceForm.Isotropic:
                var variances = new double[components];
                Array.Fill(variances, variance);
                return new IsotropicMixture(weights, means, variances, description);
            case CovarianceForm.Diagonal:
                return GeneralMixture.FromDiagonals(weights, means, RandomSpectra(d, components, variance, seed), description);
            default:
                var bases = new double[]?[components];
                for (int k = 0; k < components; k++)
                {
                    bases[k] = RandomOrthonormal.Columns(d, d, Key(seed, ConstructionDraw.Eigenvectors, k));
                }

                return GeneralMixture.FromTrustedEigen(weights, means, RandomSpectra(d, components, variance, seed), bases, description);
        }
    }

    public static string FormName(CovarianceForm form) => form switch
    {
        CovarianceForm.Isotropic => "isotropic",
        CovarianceForm.Diagonal => "diagonal",
        _ => "full",
    };

    /// <summary>λ_kj = variance · exp(U(−ln 2, ln 2)): spectra within a factor 2 of the nominal variance.</summary>
    private static double[][] RandomSpectra(int d, int components, double variance, long seed)
    {
        var spectra = new double[components][];
        for (int k = 0; k < components; k++)
        {
            ulong key = Key(seed, ConstructionDraw.Eigenvalues, k);
            spectra[k] = new double[d];
            for (int j = 0; j < d; j++)
            {
                spectra[k][j] = variance * Math.Exp(Math.Log(2.0) * (2.0 * CounterRandom.Uniform(key, j) - 1.0));
            }
        }

        return spectra;
    }

    private static ulong Key(long seed, ConstructionDraw draw, int component)
        => CounterRandom.Key(seed, RandomStream.TargetConstruction, (int)draw, component);
}
