using Diffusion.Verify.Numerics;
using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Scores;

namespace Diffusion.Verify.Distances.Exact;

/// <summary>
/// Path KL of a stochastic sampler on a Gaussian target, in closed form (DESIGN §5–§6):
/// <c>KL(q_T‖p_T) + Σ_{t=2..T} E_{x∼q_t} KL( q(x_{t−1}|x_t = x) ‖ p(x_{t−1}|x_t = x) )</c>.
/// Per eigen-coordinate (data N(m, λ), v_t = ᾱ_t λ + 1 − ᾱ_t, μ_t = √ᾱ_t m), the forward chain's reverse kernel
/// is Gaussian: X_{t−1} | X_t = x ~ N(a_q x + c_q, σ_q²) with a_q = √α_t v_{t−1}/v_t, c_q = β_t μ_{t−1}/v_t,
/// σ_q² = β_t v_{t−1}/v_t. The sampler's kernel (from <see cref="Sampler.Kernel"/>, score affine) is
/// N(a_p x + c_p, σ_p²) with a_p = Scale·g, c_p = Scale·c·s_t(0), σ_p² = (Scale·g·pre)² + post², g = 1 + c·∂s_t.
/// Then E_x KL = ½ [ r − 1 − ln r + E(Δ(x)²)/σ_p² ], r = σ_q²/σ_p², Δ(x) = (a_q − a_p)x + c_q − c_p,
/// E Δ² = ((a_q − a_p) μ_t + c_q − c_p)² + (a_q − a_p)² v_t. By data processing it bounds KL(q_1‖p_1).
/// </summary>
public static class GaussianPathKl
{
    private const double Rounding = 2.3e-16;

    public static PathKlBreakdown Compute(Sampler sampler, NoiseSchedule schedule, GaussianLaw data, StartDistribution start)
    {
        if (!sampler.IsStochastic)
        {
            throw new InvalidSpecificationException("sampler", sampler.Name, "path KL is defined for stochastic samplers only");
        }

        int steps = schedule.Steps;
        CoordinateGroups groups = CoordinateGroups.Of(data);
        int g = groups.Count;
        var means = new double[g];
        var eigenvalues = new double[g];
        var weight = new double[g];
        for (int i = 0; i < g; i++)
        {
            means[i] = data.Mean(groups.Representative(i));
            eigenvalues[i] = data.Variance(groups.Representative(i));
            weight[i] = groups.Multiplicity(i);
        }

        var score = new DiagonalGaussianScore(means, eigenvalues, allowZeroEigenvalues: true);
        double error = 0;

        double startTerm = 0;
        if (start == StartDistribution.Gaussian)
        {
            double alphaBar = schedule.AlphaBar(steps);
            double oneMinus = schedule.OneMinusAlphaBar(steps);
            for (int i = 0; i < g; i++)
            {
                startTerm += weight[i] * GaussianDivergence.KlCoordinate(Math.Sqrt(alphaBar) * means[i], (alphaBar * eigenvalues[i]) + oneMinus, 0.0, 1.0);
            }

            error += 8 * Rounding * startTerm;
        }

        var stepTerms = new double[steps + 1];
        for (int t = steps; t >= 2; t--)
        {
            StochasticKernel k = GaussianPropagation.KernelOf(sampler, schedule, t);
            double alpha = schedule.Alpha(t);
            double beta = schedule.Beta(t);
            double alphaBar = schedule.AlphaBar(t);
            double alphaBarPrevious = schedule.AlphaBar(t - 1);
            double oneMinus = schedule.OneMinusAlphaBar(t);
            double oneMinusPrevious = schedule.OneMinusAlphaBar(t - 1);
            double sum = 0;
            for (int i = 0; i < g; i++)
            {
                double vt = (alphaBar * eigenvalues[i]) + oneMinus;
                double vPrevious = (alphaBarPrevious * eigenvalues[i]) + oneMinusPrevious;
                double mt = Math.Sqrt(alphaBar) * means[i];
                double mPrevious = Math.Sqrt(alphaBarPrevious) * means[i];

                // Reverse kernel of the forward chain.
                double aq = Math.Sqrt(alpha) * vPrevious / vt;
                double cq = beta * mPrevious / vt;
                double varianceQ = beta * vPrevious / vt;

                // The sampler's kernel with the affine score.
                double gain = 1 + (k.ScoreCoefficient * score.Slope(i, k.AlphaBar));
                double ap = k.Scale * gain;
                double cp = k.Scale * k.ScoreCoefficient * score.Offset(i, k.AlphaBar);
                double spread = k.Scale * gain * k.PreNoise;
                double varianceP = (spread * spread) + (k.PostNoise * k.PostNoise);

                double ratioMinusOne = (varianceQ - varianceP) / varianceP;
                double slopeGap = aq - ap;
                double meanGap = (slopeGap * mt) + (cq - cp);
                double shift2 = (meanGap * meanGap) + (slopeGap * slopeGap * vt);
                double term = 0.5 * (-Remainders.Log1PMinusX(ratioMinusOne) + (shift2 / varianceP));
                sum += weight[i] * term;

                // δ = r − 1 carries ~4 ulps of (1 + |δ|); r − 1 − ln r moves by δ/(1 + δ) per unit of δ.
                error += weight[i] * ((2 * Rounding * Math.Abs(ratioMinusOne) * (1 + Math.Abs(ratioMinusOne)) / (1 + ratioMinusOne)) + (8 * Rounding * term));
            }

            stepTerms[t] = sum;
        }

        double total = startTerm;
        for (int t = 2; t <= steps; t++)
        {
            total += stepTerms[t];
        }

        return new PathKlBreakdown(total, startTerm, stepTerms, error);
    }
}
