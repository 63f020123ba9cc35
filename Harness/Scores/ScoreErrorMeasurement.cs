using System.Numerics.Tensors;
using Diffusion.Verify.Numerics;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Targets;

namespace Diffusion.Verify.Scores;

/// <summary>
/// Measures how far a score is from the target's exact one (DESIGN §6), by Monte Carlo over exact draws
/// X_t ~ q_t: ε_score² = (1/T) Σ_t E‖s_t − s⋆_t‖² and ε_Jacobi = (1/T) Σ_t E‖∇s_t − ∇s⋆_t‖₂.
/// Draw i at level t is X_t from (seed, sample index t·2³² + i), so a level's draws do not depend on the
/// level stride, the sample count or the thread count, and levels are independent of each other: the
/// standard error of the average over L levels is √(Σ_t se_t²) / L.
/// </summary>
public static class ScoreErrorMeasurement
{
    private const int BlockRows = 64;

    /// <summary>Above this dimension the two d×d Jacobians per point are refused (set MeasureJacobian = false).</summary>
    public const int MaxJacobianDimension = 4096;

    /// <summary>The measured levels: t = 1, 1 + k, 1 + 2k, … ≤ T.</summary>
    public static IReadOnlyList<int> Levels(int steps, int stride)
    {
        if (steps < 1)
        {
            throw new InvalidSpecificationException("T", steps.ToString(), "need at least one level");
        }

        if (stride < 1)
        {
            throw new InvalidSpecificationException("levelStride", stride.ToString(), "the level stride k must be ≥ 1");
        }

        var levels = new List<int>((steps - 1) / stride + 1);
        for (int t = 1; t <= steps; t += stride)
        {
            levels.Add(t);
        }

        return levels;
    }

    public static ScoreErrorEstimate Measure(IScore score, IDiffusedTarget target, NoiseSchedule schedule, ScoreErrorOptions options)
    {
        ArgumentNullException.ThrowIfNull(score);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(options);
        if (score.Dimension != target.Dimension)
        {
            throw new InvalidSpecificationException("score", $"dimension {score.Dimension}", $"must match the target's dimension {target.Dimension}");
        }

        if (options.SamplesPerLevel < 2)
        {
            throw new InvalidSpecificationException("samplesPerLevel", options.SamplesPerLevel.ToString(), "need at least 2 draws per level for a standard error");
        }

        int d = target.Dimension;
        if (options.MeasureJacobian && d > MaxJacobianDimension)
        {
            throw new InvalidSpecificationException(
                "measureJacobian", "true", $"ε_Jacobi needs d×d Jacobians; d = {d} exceeds {MaxJacobianDimension}, measure ε_score only");
        }

        IReadOnlyList<int> levels = Levels(schedule.Steps, options.LevelStride);
        int count = levels.Count;
        var scoreMean = new double[count];
        var scoreVariance = new double[count];
        var jacobianMean = new double[count];
        var jacobianVariance = new double[count];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism, CancellationToken = options.Cancellation };
        Parallel.For(
            0,
            count,
            parallel,
            () => new Workspace(score, target, options.MeasureJacobian),
            (index, _, workspace) =>
            {
                int t = levels[index];
                (scoreMean[index], scoreVariance[index], jacobianMean[index], jacobianVariance[index]) =
                    MeasureLevel(score, target, schedule, t, options, workspace);
                return workspace;
            },
            _ => { });

        // Levels were measured independently; summing in level order keeps the result bit-identical.
        double scoreSum = 0, scoreVarianceSum = 0, jacobianSum = 0, jacobianVarianceSum = 0;
        for (int i = 0; i < count; i++)
        {
            scoreSum += scoreMean[i];
            scoreVarianceSum += scoreVariance[i];
            jacobianSum += jacobianMean[i];
            jacobianVarianceSum += jacobianVariance[i];
        }

        int n = options.SamplesPerLevel;
        double jacobianError = options.MeasureJacobian ? jacobianSum / count : double.NaN;
        double jacobianStandardError = options.MeasureJacobian ? Math.Sqrt(jacobianVarianceSum / n) / count : double.NaN;
        return new ScoreErrorEstimate(
            scoreSum / count,
            Math.Sqrt(scoreVarianceSum / n) / count,
            jacobianError,
            jacobianStandardError,
            n,
            levels);
    }

    /// <summary>Per-level sample means and unbiased sample variances (Welford) of ‖Δs‖² and ‖Δ∇s‖₂.</summary>
    private static (double ScoreMean, double ScoreVariance, double JacobianMean, double JacobianVariance) MeasureLevel(
        IScore score, IDiffusedTarget target, NoiseSchedule schedule, int t, ScoreErrorOptions options, Workspace w)
    {
        int d = target.Dimension;
        int n = options.SamplesPerLevel;
        double alphaBar = schedule.AlphaBar(t);
        long firstIndex = (long)t << 32;
        var scoreStats = new RunningMoments();
        var jacobianStats = new RunningMoments();
        for (int start = 0; start < n; start += BlockRows)
        {
            options.Cancellation.ThrowIfCancellationRequested();
            int rows = Math.Min(BlockRows, n - start);
            for (int r = 0; r < rows; r++)
            {
                target.SampleDiffused(options.Seed, firstIndex + start + r, alphaBar, w.Points.AsSpan(r * d, d));
            }

            score.Evaluate(w.Points, rows, alphaBar, w.Score, w.ScoreScratch);
            target.ScoreBlock(w.Points, rows, alphaBar, w.ExactScore, w.TargetScratch);
            for (int r = 0; r < rows; r++)
            {
                ReadOnlySpan<double> x = w.Points.AsSpan(r * d, d);
                double squared = TensorPrimitives.Distance(w.Score.AsSpan(r * d, d), w.ExactScore.AsSpan(r * d, d));
                squared *= squared;
                Check(squared, schedule, t, firstIndex + start + r, "‖s − s⋆‖²");
                scoreStats.Add(squared);
                if (w.Jacobian is not null)
                {
                    score.Jacobian(x, alphaBar, w.Jacobian);
                    target.Jacobian(x, alphaBar, w.ExactJacobian);
                    TensorPrimitives.Subtract(w.Jacobian, w.ExactJacobian, w.Jacobian);
                    double norm = SpectralNorm.Compute(w.Jacobian, d, w.NormScratch);
                    Check(norm, schedule, t, firstIndex + start + r, "‖∇s − ∇s⋆‖₂");
                    jacobianStats.Add(norm);
                }
            }
        }

        return (scoreStats.Mean, scoreStats.Variance, jacobianStats.Mean, jacobianStats.Variance);
    }

    private static void Check(double value, NoiseSchedule schedule, int t, long sampleIndex, string what)
    {
        if (!double.IsFinite(value))
        {
            throw new NumericalFailureException("score-error", schedule.Steps, t, sampleIndex, $"{what} = {value}");
        }
    }

    private struct RunningMoments
    {
        private long _count;
        private double _mean;
        private double _m2;

        public readonly double Mean => _mean;

        public readonly double Variance => _count > 1 ? _m2 / (_count - 1) : 0.0;

        public void Add(double value)
        {
            _count++;
            double delta = value - _mean;
            _mean += delta / _count;
            _m2 += delta * (value - _mean);
        }
    }

    /// <summary>One worker's buffers, reused for every level it measures.</summary>
    private sealed class Workspace
    {
        public Workspace(IScore score, IDiffusedTarget target, bool measureJacobian)
        {
            int d = target.Dimension;
            Points = new double[BlockRows * d];
            Score = new double[BlockRows * d];
            ExactScore = new double[BlockRows * d];
            ScoreScratch = new double[score.ScratchLength(BlockRows)];
            TargetScratch = new double[target.ScratchLength(BlockRows)];
            if (measureJacobian)
            {
                Jacobian = new double[d * d];
                ExactJacobian = new double[d * d];
                NormScratch = new double[SpectralNorm.ScratchLength(d)];
            }
        }

        public double[] Points { get; }

        public double[] Score { get; }

        public double[] ExactScore { get; }

        public double[] ScoreScratch { get; }

        public double[] TargetScratch { get; }

        public double[]? Jacobian { get; }

        public double[]? ExactJacobian { get; }

        public double[] NormScratch { get; } = [];
    }
}
