using Diffusion.Verify.Targets;
using Xunit.Abstractions;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// The blocked isotropic-mixture score kernel (4×4 register tiles, softmax across a vector of rows, own
/// vector exp) against the textbook formula evaluated row by row in plain scalar code, on shapes that
/// exercise every remainder path: d not a multiple of 8 (scalar tails), K not a multiple of 4 (leftover
/// components), row counts not a multiple of 4, of the vector width or of the 16-row chunk. And bitwise: a row's score and ln q must not depend on the block
/// it is evaluated in.
/// </summary>
public sealed class KernelIsotropicMixtureTests(ITestOutputHelper output)
{
    public static TheoryData<int, int> Shapes() => new()
    {
        { 1, 1 }, { 1, 2 }, { 16, 2 }, { 3, 3 }, { 7, 5 }, { 8, 4 }, { 9, 8 }, { 16, 1 }, { 17, 9 }, { 33, 13 }, { 64, 8 }, { 65, 17 }, { 100, 3 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ScoreAndLogDensityMatchTheTextbookFormula(int d, int k)
    {
        (IsotropicMixture target, double[] weights, double[][] means, double[] variances) = Mixture(d, k, seed: 100 * d + k);
        const int rows = 37;
        double worstScore = 0;
        double worstDensity = 0;
        foreach (double alphaBar in new[] { 1e-4, 0.3, 0.97, 1.0 })
        {
            double[] x = Points(target, rows, alphaBar, seed: d + k);
            var score = new double[rows * d];
            var logDensity = new double[rows];
            target.ScoreBlock(x, rows, alphaBar, score, new double[target.ScratchLength(rows)], logDensity);
            var reference = new double[d];
            for (int r = 0; r < rows; r++)
            {
                ReadOnlySpan<double> xr = x.AsSpan(r * d, d);
                double lq = Reference(xr, alphaBar, weights, means, variances, reference, out double scale, out double logitScale);
                for (int j = 0; j < d; j++)
                {
                    worstScore = Math.Max(worstScore, Math.Abs(score[r * d + j] - reference[j]) / scale);
                }

                worstDensity = Math.Max(worstDensity, Math.Abs(logDensity[r] - lq) / logitScale);
                Assert.Equal(logDensity[r], target.LogDensity(xr, alphaBar), 1e-13 * logitScale);
            }
        }

        output.WriteLine($"d={d} K={k}: score error {worstScore:E2}, ln q error {worstDensity:E2} (each relative to the size of its terms)");

        // Observed worst over these shapes: score 6e−15, ln q 6e−16 (relative to the scales above). A wrong weight, coefficient or
        // padded lane gives errors of order 1e−2 or more.
        Assert.True(worstScore < 1e-13, $"score error {worstScore:E3}");
        Assert.True(worstDensity < 1e-13, $"ln q error {worstDensity:E3}");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void RowResultsDoNotDependOnTheBlock(int d, int k)
    {
        (IsotropicMixture target, _, _, _) = Mixture(d, k, seed: 7 * d + k);
        const int rows = 41;
        const double alphaBar = 0.4;
        double[] x = Points(target, rows, alphaBar, seed: 3 * d + k);
        (double[] referenceScore, double[] referenceDensity) = InBlocks(target, x, rows, alphaBar, 1);
        foreach (int block in new[] { 2, 3, 4, 5, 7, 16, 17, 41 })
        {
            (double[] score, double[] density) = InBlocks(target, x, rows, alphaBar, block);
            Assert.True(referenceScore.AsSpan().SequenceEqual(score), $"score bits differ at block size {block}");
            Assert.True(referenceDensity.AsSpan().SequenceEqual(density), $"ln q bits differ at block size {block}");
        }
    }

    /// <summary>
    /// The reference workload's shape (d = 64, K = 8) through whole acc-ode and dpm-solver-2 runs, ln|det J|
    /// by the low-rank path included: samples and determinants are bit-identical for every block size
    /// and thread count (block size 0: chosen by dimension).
    /// </summary>
    [Theory]
    [InlineData("acc-ode")]
    [InlineData("dpm-solver-2")]
    public void WholeRunsDoNotDependOnBlocksOrThreads(string name)
    {
        IDiffusedTarget target = RandomGaussianMixture.Create(64, 8, 2.0, CovarianceForm.Isotropic, seed: 7, variance: 0.25);
        var schedule = new Schedules.ScheduleSpec("li2024", C0: 2, C1: 6).Build(20);
        Samplers.SampleSet Run(int threads, int block) => Samplers.SamplerRunner.Run(
            Samplers.SamplerCatalog.Get(name),
            schedule,
            new Scores.ExactScore(target),
            target,
            new Samplers.SamplingOptions { Samples = 45, Seed = 3, BlockSize = block, MaxDegreeOfParallelism = threads, AccumulateLogDeterminant = true });
        Samplers.SampleSet reference = Run(1, 1);
        foreach ((int threads, int block) in new[] { (1, 7), (1, 16), (2, 5), (2, 128), (2, 0) })
        {
            Samplers.SampleSet other = Run(threads, block);
            Assert.True(reference.Output.AsSpan().SequenceEqual(other.Output), $"{name}: samples differ at {threads} threads, block size {block}");
            Assert.True(reference.LogDeterminant.AsSpan().SequenceEqual(other.LogDeterminant), $"{name}: ln|det J| differs at {threads} threads, block size {block}");
        }
    }

    /// <summary>
    /// A NaN in a row, as a diverged sample carries, must come out as NaN in that row's score and ln q, so that
    /// the samplers' finite check sees it, and must leave every other row's bits alone. The kernel's clamps
    /// use the platform's min and max with the value that may be NaN as the operand x86 returns, and K = 2
    /// forms its one exponent as a sum; an operand swapped by the compiler, or a clamp that turned NaN into
    /// a bound, would give a finite score here.
    /// </summary>
    [Theory]
    [InlineData(5, 2)]
    [InlineData(16, 2)]
    [InlineData(16, 3)]
    [InlineData(9, 8)]
    public void ANaNRowGivesANaNScoreAndLeavesTheOtherRowsAlone(int d, int k)
    {
        (IsotropicMixture target, _, _, _) = Mixture(d, k, seed: 7 * d + k);
        const int rows = 13;
        foreach (double alphaBar in new[] { 0.3, 1.0 })
        {
            double[] x = Points(target, rows, alphaBar, seed: d);
            var clean = new double[rows * d];
            var cleanLogDensity = new double[rows];
            target.ScoreBlock(x, rows, alphaBar, clean, new double[target.ScratchLength(rows)], cleanLogDensity);
            foreach (int bad in new[] { 0, 6, rows - 1 })
            {
                double[] poisoned = (double[])x.Clone();
                poisoned[(bad * d) + (d / 2)] = double.NaN;
                var score = new double[rows * d];
                var logDensity = new double[rows];
                target.ScoreBlock(poisoned, rows, alphaBar, score, new double[target.ScratchLength(rows)], logDensity);
                for (int r = 0; r < rows; r++)
                {
                    ReadOnlySpan<double> row = score.AsSpan(r * d, d);
                    if (r == bad)
                    {
                        Assert.True(double.IsNaN(logDensity[r]), $"d={d} K={k} ᾱ={alphaBar}: ln q of the NaN row is {logDensity[r]}");
                        Assert.True(row.ToArray().All(double.IsNaN), $"d={d} K={k} ᾱ={alphaBar}: the NaN row's score has finite coordinates");
                    }
                    else
                    {
                        Assert.True(row.SequenceEqual(clean.AsSpan(r * d, d)), $"d={d} K={k} ᾱ={alphaBar}: row {r} changed beside NaN row {bad}");
                        Assert.Equal(cleanLogDensity[r], logDensity[r]);
                    }
                }
            }
        }
    }

    /// <summary>
    /// A component so far away that its weight e^(logit − max) is below the exponential's range (the lanes the
    /// kernel clears instead of letting the multiply underflow, as it does for padding components) must change
    /// no bit of the score: against the same mixture without it, in 4-row tiles and single rows, with d and
    /// K leaving scalar tails and padded lanes at every width. A mask that cleared the wrong lanes, or not at
    /// all, would give the far component a weight near 1.
    /// </summary>
    [Theory]
    [InlineData(7, 1)]
    [InlineData(16, 3)]
    [InlineData(33, 4)]
    public void AComponentBeyondTheExponentialsRangeChangesNoBit(int d, int k)
    {
        (IsotropicMixture near, double[] weights, double[][] means, double[] variances) = Mixture(d, k, seed: 11 * d + k);
        double[] far = means[0].Select(m => m + 1e4).ToArray();
        // The near components keep their weights (the far one's 1e−12 is inside the 1e−9 the sum may miss 1 by),
        // so their logits are the same bits in both mixtures.
        var withFar = new IsotropicMixture(weights.Append(1e-12).ToArray(), means.Append(far).ToArray(), variances.Append(0.5).ToArray());
        const int rows = 37;
        foreach (double alphaBar in new[] { 0.3, 0.97, 1.0 })
        {
            double[] x = Points(near, rows, alphaBar, seed: d);
            var expected = new double[rows * d];
            var actual = new double[rows * d];
            near.ScoreBlock(x, rows, alphaBar, expected, new double[near.ScratchLength(rows)]);
            withFar.ScoreBlock(x, rows, alphaBar, actual, new double[withFar.ScratchLength(rows)]);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"d={d} K={k} ᾱ={alphaBar}: a component at distance 1e4 changed the score");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(16)]
    [InlineData(64)]
    [InlineData(100)]
    [InlineData(256)]
    [InlineData(1024)]
    [InlineData(5000)]
    public void TheAutomaticBlockKeepsEachArrayWithin64KiB(int d)
    {
        int rows = Samplers.SamplingOptions.AutomaticBlockSize(d);
        Assert.InRange(rows, 4, 128);
        Assert.True(rows == 4 || rows * d * 8 <= 65536, $"d={d}: {rows} rows are {rows * d * 8} bytes per array");
        Assert.True(rows == 128 || (rows + 1) * d * 8 > 65536, $"d={d}: {rows} rows leave room for more");
    }

    private static (double[] Score, double[] Density) InBlocks(IsotropicMixture target, double[] x, int rows, double alphaBar, int block)
    {
        int d = target.Dimension;
        var score = new double[rows * d];
        var density = new double[rows];
        var scratch = new double[target.ScratchLength(block)];
        for (int first = 0; first < rows; first += block)
        {
            int n = Math.Min(block, rows - first);
            target.ScoreBlock(x.AsSpan(first * d, n * d), n, alphaBar, score.AsSpan(first * d, n * d), scratch, density.AsSpan(first, n));
        }

        return (score, density);
    }

    /// <summary>
    /// s = Σ_k w_k g_k with g_k = −(x − √ᾱ μ_k)/v_k and w = softmax(ln π_k − ½ d ln(2π v_k) − |x − √ᾱ μ_k|²/(2v_k)),
    /// each distance summed directly; returns ln q, the scale κ‖x‖∞ + Σ_k w_k √ᾱ ‖μ_k‖∞ / v_k of the score's
    /// terms and the scale 1 + |ln q| + max_k (|x|² + ᾱ|μ_k|²)/(2 v_k) of the terms the kernel's logits cancel
    /// (it expands |x − √ᾱ μ_k|² = |x|² − 2√ᾱ x·μ_k + ᾱ|μ_k|², as the scalar code before it did).
    /// </summary>
    private static double Reference(ReadOnlySpan<double> x, double alphaBar, double[] weights, double[][] means, double[] variances, double[] score, out double scale, out double logitScale)
    {
        int d = x.Length;
        int k = weights.Length;
        double root = Math.Sqrt(alphaBar);
        var logits = new double[k];
        double xx = 0;
        foreach (double v in x)
        {
            xx += v * v;
        }

        double expanded = 0;
        for (int c = 0; c < k; c++)
        {
            double v = alphaBar * variances[c] + 1 - alphaBar;
            expanded = Math.Max(expanded, (xx + alphaBar * means[c].Sum(m => m * m)) / (2 * v));
            double distance2 = 0;
            for (int j = 0; j < d; j++)
            {
                double e = x[j] - root * means[c][j];
                distance2 += e * e;
            }

            logits[c] = Math.Log(weights[c]) - 0.5 * d * Math.Log(2 * Math.PI * v) - 0.5 * distance2 / v;
        }

        double max = logits.Max();
        double sum = logits.Sum(l => Math.Exp(l - max));
        Array.Clear(score);
        double kappa = 0;
        double meanTerms = 0;
        for (int c = 0; c < k; c++)
        {
            double w = Math.Exp(logits[c] - max) / sum;
            double v = alphaBar * variances[c] + 1 - alphaBar;
            kappa += w / v;
            meanTerms += w * root / v * means[c].Max(Math.Abs);
            for (int j = 0; j < d; j++)
            {
                score[j] -= w * (x[j] - root * means[c][j]) / v;
            }
        }

        double xMax = 0;
        foreach (double v in x)
        {
            xMax = Math.Max(xMax, Math.Abs(v));
        }

        scale = kappa * xMax + meanTerms;
        double lq = max + Math.Log(sum);
        logitScale = 1 + Math.Abs(lq) + expanded;
        return lq;
    }

    private static (IsotropicMixture, double[], double[][], double[]) Mixture(int d, int k, int seed)
    {
        var draws = new Draws(seed, 31);
        double[] raw = Enumerable.Range(0, k).Select(_ => Math.Exp(draws.Normal())).ToArray();
        double[] weights = raw.Select(w => w / raw.Sum()).ToArray();
        double[][] means = Enumerable.Range(0, k).Select(_ => draws.Normals(d).Select(v => 2 * v).ToArray()).ToArray();
        double[] variances = Enumerable.Range(0, k).Select(_ => draws.LogUniform(0.05, 2)).ToArray();
        return (new IsotropicMixture(weights, means, variances), weights, means, variances);
    }

    /// <summary>Draws of q_t, every fifth pushed 3× out into the tails where one component dominates.</summary>
    private static double[] Points(IsotropicMixture target, int rows, double alphaBar, int seed)
    {
        int d = target.Dimension;
        var x = new double[rows * d];
        for (int r = 0; r < rows; r++)
        {
            Span<double> row = x.AsSpan(r * d, d);
            target.SampleDiffused(seed, r, alphaBar, row);
            if (r % 5 == 4)
            {
                for (int j = 0; j < d; j++)
                {
                    row[j] *= 3;
                }
            }
        }

        return x;
    }
}
