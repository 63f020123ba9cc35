namespace Diffusion.Verify.Distances.Exact;

/// <summary>Which closed form computes TV between two diagonal Gaussians (DESIGN §5, exact).</summary>
public enum GaussianTvFormula
{
    /// <summary>The best-conditioned formula that applies.</summary>
    Auto,

    /// <summary>p = q: TV = 0.</summary>
    Identical,

    /// <summary>One differing coordinate: difference of normal CDFs between the (≤ 2) crossing points.</summary>
    OneDimensional,

    /// <summary>Equal covariances: the log-likelihood ratio is normal, TV = erf(δ / 2√2), δ the Mahalanobis shift.</summary>
    MeanShift,

    /// <summary>Equal means and one variance ratio in every differing coordinate: chi-square CDF at the crossing radius.</summary>
    ChiSquare,

    /// <summary>General pair: numerical inversion of the characteristic functions of the log-likelihood ratio.</summary>
    Imhof,

    /// <summary>
    /// max_j TV_j ≤ TV ≤ 1 − Π_j (1 − TV_j) from the one-dimensional TVs, used when these bracket TV more
    /// tightly than the inversion can resolve (e.g. one coordinate alone already has TV = 1 − 1e−15).
    /// </summary>
    ProductBounds,
}
