using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Scores;

namespace Diffusion.Verify.Distances.Exact;

/// <summary>
/// The exact law p_1 of a sampler's output for a Gaussian target (DESIGN §3, §5 exact), obtained from the
/// sampler's own code rather than from per-sampler formulas. In the covariance eigenbasis the score
/// s_j(x, ᾱ) = −(x_j − √ᾱ m_j)/v_j is affine and diagonal and the noise is isotropic, so every sampler acts
/// on each coordinate separately and affinely:
/// <list type="bullet">
/// <item>deterministic samplers: Y_1 = A Y_T + b per coordinate. The real <see cref="Sampler.Step"/> is run
/// (through <see cref="SamplerRunner.RunFrom"/>) on <see cref="DiagonalGaussianScore"/> from probe starts:
/// A from Y_T = 1 with the means set to 0 (the linear part does not depend on the means, and this avoids
/// forming A as a difference), b from Y_T = 0, and Y_T = 1 with the true means as a check of affinity.</item>
/// <item>stochastic samplers: mean and variance are pushed through each step's
/// <see cref="Sampler.Kernel"/>: Y⁺ = Y + pre·Z, Y_{t−1} = Scale·(Y⁺ + c s_t(Y⁺)) + post·Z⁺.</item>
/// </list>
/// Coordinates with identical (m_j, λ_j) are propagated once.
/// </summary>
public static class GaussianPropagation
{
    /// <summary>p_1 for data N(m, diag λ) (<paramref name="data"/> in its eigenbasis).</summary>
    public static PropagatedGaussian Propagate(Sampler sampler, NoiseSchedule schedule, GaussianLaw data, StartDistribution start)
    {
        CoordinateGroups groups = CoordinateGroups.Of(data);
        int g = groups.Count;
        var means = new double[g];
        var eigenvalues = new double[g];
        for (int i = 0; i < g; i++)
        {
            means[i] = data.Mean(groups.Representative(i));
            eigenvalues[i] = data.Variance(groups.Representative(i));
        }

        var startLaw = StartLaw(schedule, means, eigenvalues, start);
        if (sampler.IsStochastic)
        {
            var (m, v) = Stochastic(sampler, schedule, means, eigenvalues, startLaw);
            return new PropagatedGaussian(new GaussianLaw(Expand(groups, m), Expand(groups, v)), 0.0, g);
        }

        var (slopes, offsets, residual) = AffineMap(sampler, schedule, means, eigenvalues);
        var outMeans = new double[g];
        var outVariances = new double[g];
        for (int i = 0; i < g; i++)
        {
            // Y_1 = A Y_T + b with Y_T ~ N(μ_T, v_T).
            outMeans[i] = (slopes[i] * startLaw.Means[i]) + offsets[i];
            outVariances[i] = slopes[i] * slopes[i] * startLaw.Variances[i];
        }

        return new PropagatedGaussian(
            new GaussianLaw(Expand(groups, outMeans), Expand(groups, outVariances)),
            residual,
            g,
            Expand(groups, slopes),
            Expand(groups, offsets));
    }

    private static double[] Expand(CoordinateGroups groups, double[] perGroup)
    {
        var full = new double[groups.Dimension];
        for (int j = 0; j < full.Length; j++)
        {
            full[j] = perGroup[groups.GroupOf(j)];
        }

        return full;
    }

    /// <summary>The law of Y_T per group: N(0, 1), or q_T = N(√ᾱ_T m, ᾱ_T λ + 1 − ᾱ_T).</summary>
    private static (double[] Means, double[] Variances) StartLaw(NoiseSchedule schedule, double[] means, double[] eigenvalues, StartDistribution start)
    {
        int g = means.Length;
        var m = new double[g];
        var v = new double[g];
        int steps = schedule.Steps;
        double alphaBar = schedule.AlphaBar(steps);
        double oneMinus = schedule.OneMinusAlphaBar(steps);
        for (int i = 0; i < g; i++)
        {
            (m[i], v[i]) = start == StartDistribution.Exact
                ? (Math.Sqrt(alphaBar) * means[i], (alphaBar * eigenvalues[i]) + oneMinus)
                : (0.0, 1.0);
        }

        return (m, v);
    }

    /// <summary>Y_1 = A Y_T + b per group, read off the sampler's own run from the probe starts.</summary>
    private static (double[] Slopes, double[] Offsets, double Residual) AffineMap(Sampler sampler, NoiseSchedule schedule, double[] means, double[] eigenvalues)
    {
        int g = means.Length;

        // Three probe blocks of g coordinates each, one row: [means 0, Y_T = 1 | means m, Y_T = 0 | means m, Y_T = 1].
        var probeMeans = new double[3 * g];
        var probeEigenvalues = new double[3 * g];
        var starts = new double[3 * g];
        for (int i = 0; i < g; i++)
        {
            probeMeans[g + i] = means[i];
            probeMeans[(2 * g) + i] = means[i];
            probeEigenvalues[i] = probeEigenvalues[g + i] = probeEigenvalues[(2 * g) + i] = eigenvalues[i];
            starts[i] = 1.0;
            starts[(2 * g) + i] = 1.0;
        }

        var score = new DiagonalGaussianScore(probeMeans, probeEigenvalues, allowZeroEigenvalues: true);
        SampleSet run = SamplerRunner.RunFrom(sampler, schedule, score, starts, accumulateLogDeterminant: false, blockSize: 1, maxDegreeOfParallelism: 1);
        ReadOnlySpan<double> y = run.Sample(0);

        var slopes = new double[g];
        var offsets = new double[g];
        double residual = 0;
        for (int i = 0; i < g; i++)
        {
            slopes[i] = y[i];
            offsets[i] = y[g + i];
            double check = y[(2 * g) + i];
            residual = Math.Max(residual, Math.Abs(check - (slopes[i] + offsets[i])) / Math.Max(Math.Abs(slopes[i]) + Math.Abs(offsets[i]), double.Epsilon));
        }

        return (slopes, offsets, residual);
    }

    private static (double[] Means, double[] Variances) Stochastic(Sampler sampler, NoiseSchedule schedule, double[] means, double[] eigenvalues, (double[] Means, double[] Variances) startLaw)
    {
        int g = means.Length;
        var score = new DiagonalGaussianScore(means, eigenvalues, allowZeroEigenvalues: true);
        var mean = (double[])startLaw.Means.Clone();
        var variance = (double[])startLaw.Variances.Clone();
        for (int t = schedule.Steps; t >= 2; t--)
        {
            StochasticKernel k = KernelOf(sampler, schedule, t);
            for (int i = 0; i < g; i++)
            {
                // Y⁺ ~ N(μ, V + pre²); Y_{t−1} = Scale·((1 + c·slope) Y⁺ + c·offset) + post·Z⁺.
                double gain = 1 + (k.ScoreCoefficient * score.Slope(i, k.AlphaBar));
                double shift = k.ScoreCoefficient * score.Offset(i, k.AlphaBar);
                double linear = k.Scale * gain;
                mean[i] = (linear * mean[i]) + (k.Scale * shift);
                variance[i] = (linear * linear * (variance[i] + (k.PreNoise * k.PreNoise))) + (k.PostNoise * k.PostNoise);
            }
        }

        return (mean, variance);
    }

    /// <summary>The sampler's kernel at level t, with an error naming the sampler when it has none.</summary>
    internal static StochasticKernel KernelOf(Sampler sampler, NoiseSchedule schedule, int t)
    {
        try
        {
            return sampler.Kernel(schedule, t);
        }
        catch (NotSupportedException e)
        {
            throw new InvalidSpecificationException("sampler", sampler.Name, $"the exact evaluator needs the stochastic kernel of each step: {e.Message}");
        }
    }
}
