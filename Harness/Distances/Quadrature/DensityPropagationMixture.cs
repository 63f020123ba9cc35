using Diffusion.Verify.Numerics;
using Diffusion.Verify.Targets;

namespace Diffusion.Verify.Distances.Quadrature;

/// <summary>
/// A 1-D Gaussian mixture q_0 = Σ_k π_k N(μ_k, σ_k²) as the quadrature evaluators use it: at level ᾱ,
/// q_t = Σ_k π_k N(√ᾱ μ_k, v_k) with v_k = ᾱ σ_k² + 1 − ᾱ (DESIGN §3). Closed forms for the score, its
/// slope, the density, supports and the finest feature size, without allocation per point.
/// </summary>
internal sealed class DensityPropagationMixture
{
    private DensityPropagationMixture(double[] weights, double[] means, double[] variances)
    {
        Weights = weights;
        Means = means;
        Variances = variances;
    }

    public double[] Weights { get; }

    public double[] Means { get; }

    public double[] Variances { get; }

    public int Components => Weights.Length;

    public static DensityPropagationMixture From(IDiffusedTarget target)
    {
        if (target.Dimension != 1)
        {
            throw new InvalidSpecificationException("target.dimension", target.Dimension.ToString(), "quadrature on a grid needs a 1-D target (embedded targets reduce to one)");
        }

        if (target is not IsotropicMixture mixture)
        {
            throw new InvalidSpecificationException("target", target.Description, "quadrature on a grid needs a 1-D Gaussian mixture (IsotropicMixture)");
        }

        int k = mixture.Components;
        var means = new double[k];
        for (int c = 0; c < k; c++)
        {
            means[c] = mixture.Mean(c)[0];
        }

        return new DensityPropagationMixture(mixture.Weights.ToArray(), means, mixture.Variances.ToArray());
    }

    public Level At(double alphaBar) => new(this, alphaBar);

    /// <summary>q_t at one noise level, with per-component constants precomputed.</summary>
    public sealed class Level
    {
        private readonly double[] _logNormaliser;

        public Level(DensityPropagationMixture mixture, double alphaBar)
        {
            int k = mixture.Components;
            AlphaBar = alphaBar;
            Centres = new double[k];
            VarianceOf = new double[k];
            Precision = new double[k];
            _logNormaliser = new double[k];
            double root = Math.Sqrt(alphaBar);
            for (int c = 0; c < k; c++)
            {
                double v = alphaBar * mixture.Variances[c] + (1.0 - alphaBar);
                Centres[c] = root * mixture.Means[c];
                VarianceOf[c] = v;
                Precision[c] = 1.0 / v;
                _logNormaliser[c] = Math.Log(mixture.Weights[c]) - 0.5 * Math.Log(2 * Math.PI * v);
            }
        }

        public double AlphaBar { get; }

        /// <summary>√ᾱ μ_k.</summary>
        public double[] Centres { get; }

        /// <summary>v_k = ᾱ σ_k² + 1 − ᾱ.</summary>
        public double[] VarianceOf { get; }

        public double[] Precision { get; }

        public int Components => Centres.Length;

        public double SmallestSd => Math.Sqrt(VarianceOf.Min());

        /// <summary>[min_k (√ᾱ μ_k − L √v_k), max_k (√ᾱ μ_k + L √v_k)].</summary>
        public (double Lo, double Hi) Support(double tailSds)
        {
            double lo = double.PositiveInfinity;
            double hi = double.NegativeInfinity;
            for (int c = 0; c < Components; c++)
            {
                double sd = Math.Sqrt(VarianceOf[c]);
                lo = Math.Min(lo, Centres[c] - tailSds * sd);
                hi = Math.Max(hi, Centres[c] + tailSds * sd);
            }

            return (lo, hi);
        }

        /// <summary>ln π_k + ln N(x; √ᾱ μ_k, v_k).</summary>
        public double Logit(int c, double x)
        {
            double d = x - Centres[c];
            return _logNormaliser[c] - 0.5 * d * d * Precision[c];
        }

        public double LogDensity(double x)
        {
            double max = double.NegativeInfinity;
            for (int c = 0; c < Components; c++)
            {
                max = Math.Max(max, Logit(c, x));
            }

            double sum = 0;
            for (int c = 0; c < Components; c++)
            {
                sum += Math.Exp(Logit(c, x) - max);
            }

            return max + Math.Log(sum);
        }

        /// <summary>Posterior component weights w_k(x) into <paramref name="weights"/>; returns ln q_t(x).</summary>
        public double PosteriorWeights(double x, Span<double> weights)
        {
            double max = double.NegativeInfinity;
            for (int c = 0; c < Components; c++)
            {
                weights[c] = Logit(c, x);
                max = Math.Max(max, weights[c]);
            }

            double sum = 0;
            for (int c = 0; c < Components; c++)
            {
                weights[c] = Math.Exp(weights[c] - max);
                sum += weights[c];
            }

            double inverse = 1.0 / sum;
            for (int c = 0; c < Components; c++)
            {
                weights[c] *= inverse;
            }

            return max + Math.Log(sum);
        }

        /// <summary>s(x) = Σ_k w_k g_k and s'(x) = Σ_k w_k (g_k² − 1/v_k) − s², g_k = −(x − √ᾱ μ_k)/v_k.</summary>
        public void ScoreAndSlope(double x, out double score, out double slope)
        {
            if (Components == 1)
            {
                score = -(x - Centres[0]) * Precision[0];
                slope = -Precision[0];
                return;
            }

            double max = double.NegativeInfinity;
            for (int c = 0; c < Components; c++)
            {
                max = Math.Max(max, Logit(c, x));
            }

            double total = 0;
            double s = 0;
            double second = 0;
            for (int c = 0; c < Components; c++)
            {
                double w = Math.Exp(Logit(c, x) - max);
                double g = -(x - Centres[c]) * Precision[c];
                total += w;
                s += w * g;
                second += w * (g * g - Precision[c]);
            }

            s /= total;
            score = s;
            slope = second / total - s * s;
        }
    }
}
