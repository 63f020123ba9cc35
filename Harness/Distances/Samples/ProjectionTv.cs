using System.Numerics.Tensors;
using Diffusion.Verify.Randomness;
using MathNet.Numerics.LinearAlgebra;

namespace Diffusion.Verify.Distances.Samples;

/// <summary>
/// A lower bound on TV(p, q) from samples (DESIGN §5, `samples`), by projections and held-out sets.
///
/// For any measurable A, P(A) − Q(A) ≤ TV(p, q). Taking A = {x : ⟨u, x⟩ ∈ B} for a union B of intervals
/// gives the data-processing bound TV(p∘u⁻¹, q∘u⁻¹) ≥ P(A) − Q(A). The plug-in ½Σ|p̂_b − q̂_b| over bins,
/// maximised over directions, is biased upward (each |·| and the max add noise), so at small TV it is
/// not a lower bound at all. Instead both samples are split into K folds (point i in fold i mod K), and
/// for f = 1..K−1 the direction u, the partition and the set A_f = {bins where p̂ > q̂} (or the best
/// half-line) are chosen on folds 0..f−1 only, and P(A_f) − Q(A_f) is estimated on fold f. Given the
/// earlier folds A_f is fixed, so each fold's term is an unbiased estimate of a number ≤ TV, and the terms
/// are martingale differences: the estimate (their mean) has mean ≤ TV, mean exactly 0 at p = q, and
/// its binomial variances add without covariances. (Cross-fitting, where every fold trains on all the
/// others, correlates the terms positively; its binomial error was 1.3–1.5× too small at p = q.)
///
/// Bin edges are quantiles of an edge sample of q that is independent of both samples, so binning uses
/// no held-out data. The choice maximises a penalised training score: the partition's training TV minus
/// its expected value at p = q (σ_b √(2/π) per bin; 0.87 √(1/n + 1/m) for the best half-line), so fine
/// partitions do not win on noise alone. Directions: the caller's (the mixture means' directions and
/// random ones) and, per fold, the earlier folds' mean-difference direction and the leading eigenvector
/// of their covariance difference.
///
/// The exact projected density of q_1 (closed form for a projected Gaussian mixture) would remove the
/// reference side's noise, but <see cref="Targets.IDiffusedTarget"/> exposes no projected law, and exact
/// draws of q_1 are cheap, so the reference side is a sample like the sampler side.
/// </summary>
public static class ProjectionTv
{
    // E|N(0, σ²)| = σ √(2/π): the expected |p̂_b − q̂_b| of a bin at p = q.
    private static readonly double NullAbsoluteDifference = Math.Sqrt(2 / Math.PI);

    // E sup|Brownian bridge| ≈ 0.8687: the expected best half-line difference at p = q, in units √(1/n + 1/m).
    private const double NullKolmogorovDistance = 0.87;

    /// <summary>
    /// The lower bound for samples <paramref name="p"/> (n × d) and <paramref name="q"/> (m × d), row-major.
    /// <paramref name="edgeSample"/> (≥ 4 × the finest bin count points of q) must be independent of both:
    /// its projected quantiles are the bin edges. <paramref name="seed"/> drives only the optional bootstrap.
    /// </summary>
    public static ProjectionTvEstimate Estimate(
        double[] p,
        double[] q,
        double[] edgeSample,
        int dimension,
        IReadOnlyList<ProjectionTvDirection> directions,
        ProjectionTvOptions? options = null,
        long seed = 1,
        int maxDegreeOfParallelism = -1)
    {
        options ??= new ProjectionTvOptions();
        int d = dimension;
        int folds = options.Folds;
        int n = p.Length / d;
        int m = q.Length / d;
        int finest = Validate(p, q, edgeSample, d, directions, options);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism };

        // Every point is projected and binned once per axis; the fit and its bootstrap replicates only
        // re-weight the bin counts.
        var axes = new List<Axis>();
        var given = new Axis[directions.Count];
        Parallel.For(0, directions.Count, parallel, j =>
            given[j] = Axis.Of(directions[j].Name, Axis.AllFolds, directions[j].Unit, p, q, edgeSample, finest));
        axes.AddRange(given);
        if (options.DataDrivenDirections && d >= 2)
        {
            var moments = FoldMoments.Of(p, q, d, folds, parallel);
            var learned = new List<Axis>[folds];
            Parallel.For(1, folds, parallel, f =>
                learned[f] = moments.LearnedDirections(f).Select(l => Axis.Of(l.Name, f, l.Unit, p, q, edgeSample, finest)).ToList());
            for (int f = 1; f < folds; f++)
            {
                axes.AddRange(learned[f]);
            }
        }

        Fit fit = Run(axes, null, null, options, finest, parallel);
        double standardError = Math.Sqrt(fit.BinomialVariance);
        if (options.BootstrapReplicates >= 2)
        {
            var replicates = new double[options.BootstrapReplicates];
            Parallel.For(
                0,
                replicates.Length,
                parallel,
                () => (P: new double[n], Q: new double[m]),
                (r, _, weights) =>
                {
                    PoissonWeights(seed, r, 0, weights.P);
                    PoissonWeights(seed, r, 1, weights.Q);
                    replicates[r] = Run(axes, weights.P, weights.Q, options, finest, null).Value;
                    return weights;
                },
                _ => { });

            // Var T = E Var(T | sets) + Var E(T | sets) ≥ the binomial part, so the bootstrap (which also
            // sees which sets get chosen) can only raise it; the max guards against its own noise.
            var spread = new MeanAccumulator();
            foreach (double v in replicates)
            {
                spread.Add(v);
            }

            double bootstrap = spread.Estimate().StandardError * Math.Sqrt(replicates.Length);
            standardError = Math.Max(standardError, bootstrap);
        }

        return new ProjectionTvEstimate(new Estimate(fit.Value, standardError), fit.Choices, n, m);
    }

    /// <summary>
    /// The forward-chained fit: for folds f = 1..K−1, choose the best set on folds 0..f−1 and take
    /// P̂(A_f) − Q̂(A_f) on fold f. With weights (a bootstrap replicate) the counts are weighted sums.
    /// </summary>
    private static Fit Run(List<Axis> axes, double[]? weightsP, double[]? weightsQ, ProjectionTvOptions options, int finest, ParallelOptions? parallel)
    {
        int folds = options.Folds;
        var counts = new FoldCounts[axes.Count];
        if (parallel is null)
        {
            for (int a = 0; a < axes.Count; a++)
            {
                counts[a] = FoldCounts.Of(axes[a], weightsP, weightsQ, folds, finest);
            }
        }
        else
        {
            Parallel.For(0, axes.Count, parallel, a => counts[a] = FoldCounts.Of(axes[a], weightsP, weightsQ, folds, finest));
        }

        var choices = new ProjectionTvChoice[folds - 1];
        double value = 0;
        double variance = 0;
        for (int f = 1; f < folds; f++)
        {
            Candidate best = Candidate.None;
            for (int a = 0; a < axes.Count; a++)
            {
                if (axes[a].Fold == Axis.AllFolds || axes[a].Fold == f)
                {
                    best = Candidate.Better(best, Choose(counts[a], f, axes[a].Name, options, finest));
                }
            }

            (double heldOut, double foldVariance) = best.HeldOut(f);
            choices[f - 1] = new ProjectionTvChoice(f, best.Direction, best.Bins, best.Score, heldOut);
            value += heldOut;
            variance += foldVariance;
        }

        int evaluated = folds - 1;
        return new Fit(value / evaluated, variance / ((double)evaluated * evaluated), choices);
    }

    /// <summary>Poisson(1) weights, a pure function of (seed, replicate, sample, index).</summary>
    private static void PoissonWeights(long seed, int replicate, int sample, double[] weights)
    {
        ulong key = CounterRandom.Key(seed, RandomStream.Evaluation, BootstrapStep + (2 * replicate) + sample, 0);
        for (int i = 0; i < weights.Length; i++)
        {
            double u = CounterRandom.Uniform(key, i);
            int k = 0;
            while (k < PoissonCdf.Length - 1 && u >= PoissonCdf[k])
            {
                k++;
            }

            weights[i] = k;
        }
    }

    private const int BootstrapStep = 2_000_001;

    // P(Poisson(1) ≤ k), k = 0..17; beyond that the tail is below 10⁻¹⁶.
    private static readonly double[] PoissonCdf = Enumerable.Range(0, 18)
        .Select(k => Enumerable.Range(0, k + 1).Sum(j => Math.Exp(-1 - MathNet.Numerics.SpecialFunctions.GammaLn(j + 1))))
        .ToArray();

    private sealed record Fit(double Value, double BinomialVariance, ProjectionTvChoice[] Choices);

    /// <summary>The best set for fold f along one direction, chosen on the other folds' counts.</summary>
    private static Candidate Choose(FoldCounts counts, int fold, string direction, ProjectionTvOptions options, int finest)
    {
        var trainP = new double[finest];
        var trainQ = new double[finest];
        (double sizeP, double sizeQ) = counts.Training(fold, trainP, trainQ);
        Candidate best = Candidate.None;
        foreach (int bins in options.BinCounts)
        {
            best = Candidate.Better(best, SignSet(counts, direction, bins, finest, trainP, trainQ, sizeP, sizeQ));
        }

        if (options.HalfLines)
        {
            best = Candidate.Better(best, HalfLine(counts, direction, finest, trainP, trainQ, sizeP, sizeQ));
        }

        return best;
    }

    /// <summary>A = union of the coarse bins where the training p̂ exceeds q̂.</summary>
    private static Candidate SignSet(FoldCounts counts, string direction, int bins, int finest, double[] trainP, double[] trainQ, double sizeP, double sizeQ)
    {
        int width = finest / bins;
        var set = new bool[finest];
        double score = 0;
        for (int c = 0; c < bins; c++)
        {
            double a = 0;
            double b = 0;
            for (int k = c * width; k < (c + 1) * width; k++)
            {
                a += trainP[k];
                b += trainQ[k];
            }

            double difference = a - b;
            double sigma = Math.Sqrt((a * (1 - a) / sizeP) + (b * (1 - b) / sizeQ));
            score += Math.Abs(difference) - (NullAbsoluteDifference * sigma);
            if (difference > 0)
            {
                set.AsSpan(c * width, width).Fill(true);
            }
        }

        return new Candidate(counts, direction, bins, 0.5 * score, set);
    }

    /// <summary>A = {⟨u, x⟩ below the best fine edge} or its complement, whichever has P(A) > Q(A) in training.</summary>
    private static Candidate HalfLine(FoldCounts counts, string direction, int finest, double[] trainP, double[] trainQ, double sizeP, double sizeQ)
    {
        double cumulative = 0;
        double bestDifference = 0;
        int bestCut = 1;
        for (int cut = 1; cut < finest; cut++)
        {
            cumulative += trainP[cut - 1] - trainQ[cut - 1];
            if (Math.Abs(cumulative) > Math.Abs(bestDifference))
            {
                bestDifference = cumulative;
                bestCut = cut;
            }
        }

        var set = new bool[finest];
        if (bestDifference >= 0)
        {
            set.AsSpan(0, bestCut).Fill(true);
        }
        else
        {
            set.AsSpan(bestCut).Fill(true);
        }

        double score = Math.Abs(bestDifference) - (NullKolmogorovDistance * Math.Sqrt((1.0 / sizeP) + (1.0 / sizeQ)));
        return new Candidate(counts, direction, 0, score, set);
    }

    /// <summary>The finest bin edges along u: quantiles j/B (j = 1..B−1) of the projected edge sample.</summary>
    private static double[] Edges(double[] unit, double[] edgeSample, int finest)
    {
        int d = unit.Length;
        int count = edgeSample.Length / d;
        var projected = new double[count];
        for (int i = 0; i < count; i++)
        {
            projected[i] = TensorPrimitives.Dot<double>(unit, edgeSample.AsSpan(i * d, d));
        }

        Array.Sort(projected);
        var edges = new double[finest - 1];
        for (int j = 1; j < finest; j++)
        {
            edges[j - 1] = projected[(int)((long)j * count / finest)];
        }

        return edges;
    }

    private static int Validate(double[] p, double[] q, double[] edgeSample, int d, IReadOnlyList<ProjectionTvDirection> directions, ProjectionTvOptions options)
    {
        if (d < 1 || p.Length % d != 0 || q.Length % d != 0 || edgeSample.Length % d != 0)
        {
            throw new InvalidSpecificationException("samples", $"{p.Length}, {q.Length}, {edgeSample.Length} values", $"need row-major arrays of points in dimension {d}");
        }

        if (options.Folds < 2)
        {
            throw new InvalidSpecificationException("folds", options.Folds.ToString(), "cross-fitting needs at least 2 folds");
        }

        int minimum = 10 * options.Folds;
        if (p.Length / d < minimum || q.Length / d < minimum)
        {
            throw new InvalidSpecificationException("samples", $"{p.Length / d} and {q.Length / d} points", $"need at least {minimum} points in each sample ({options.Folds} folds)");
        }

        if (options.BinCounts.Count == 0 || options.BinCounts.Any(b => b < 2))
        {
            throw new InvalidSpecificationException("binCounts", string.Join(",", options.BinCounts), "need at least one bin count, each ≥ 2");
        }

        int finest = options.BinCounts.Max();
        if (finest > byte.MaxValue + 1)
        {
            throw new InvalidSpecificationException("binCounts", finest.ToString(), "at most 256 bins");
        }

        if (options.BinCounts.Any(b => finest % b != 0))
        {
            throw new InvalidSpecificationException("binCounts", string.Join(",", options.BinCounts), $"every bin count must divide the largest ({finest}) so partitions nest");
        }

        if (edgeSample.Length / d < 4 * finest)
        {
            throw new InvalidSpecificationException("edgeSample", $"{edgeSample.Length / d} points", $"need at least {4 * finest} points for {finest} quantile bins");
        }

        if (directions.Count == 0 && !(options.DataDrivenDirections && d >= 2))
        {
            throw new InvalidSpecificationException("directions", "none", "need at least one direction");
        }

        foreach (ProjectionTvDirection direction in directions)
        {
            if (direction.Dimension != d)
            {
                throw new InvalidSpecificationException("directions", direction.Name, $"has dimension {direction.Dimension}, the samples {d}");
            }
        }

        return finest;
    }

    /// <summary>
    /// One projection axis with every point's finest bin. <see cref="Fold"/> is the only fold that may use
    /// it (a direction learned on the folds before it), or <see cref="AllFolds"/>.
    /// </summary>
    private sealed record Axis(string Name, int Fold, byte[] BinsP, byte[] BinsQ)
    {
        public const int AllFolds = -1;

        public static Axis Of(string name, int fold, double[] unit, double[] p, double[] q, double[] edgeSample, int finest)
        {
            double[] edges = Edges(unit, edgeSample, finest);
            return new Axis(name, fold, Bin(unit, p, edges), Bin(unit, q, edges));
        }

        private static byte[] Bin(double[] unit, double[] x, double[] edges)
        {
            int d = unit.Length;
            var bins = new byte[x.Length / d];
            for (int i = 0; i < bins.Length; i++)
            {
                bins[i] = (byte)Bin(edges, TensorPrimitives.Dot<double>(unit, x.AsSpan(i * d, d)));
            }

            return bins;
        }

        /// <summary>The number of edges ≤ z: bin b covers [e_b, e_{b+1}).</summary>
        private static int Bin(double[] edges, double z)
        {
            int low = 0;
            int high = edges.Length;
            while (low < high)
            {
                int middle = (low + high) >> 1;
                if (edges[middle] <= z)
                {
                    low = middle + 1;
                }
                else
                {
                    high = middle;
                }
            }

            return low;
        }
    }

    /// <summary>
    /// (Weighted) counts per (fold, sample, finest bin) along one axis. Point i belongs to fold i mod K:
    /// the samples are i.i.d., so any split fixed in advance is a random one.
    /// </summary>
    private sealed class FoldCounts
    {
        private readonly double[] _counts;
        private readonly double[] _foldSizeP;
        private readonly double[] _foldSizeQ;
        private readonly int _finest;

        private FoldCounts(int folds, int finest)
        {
            _finest = finest;
            _counts = new double[folds * 2 * finest];
            _foldSizeP = new double[folds];
            _foldSizeQ = new double[folds];
        }

        public static FoldCounts Of(Axis axis, double[]? weightsP, double[]? weightsQ, int folds, int finest)
        {
            var counts = new FoldCounts(folds, finest);
            counts.Add(axis.BinsP, weightsP, 0, counts._foldSizeP);
            counts.Add(axis.BinsQ, weightsQ, 1, counts._foldSizeQ);
            return counts;
        }

        /// <summary>Training proportions per finest bin (folds before <paramref name="fold"/>), and the training sizes.</summary>
        public (double SizeP, double SizeQ) Training(int fold, double[] proportionP, double[] proportionQ)
        {
            double sizeP = 0;
            double sizeQ = 0;
            proportionP.AsSpan().Clear();
            proportionQ.AsSpan().Clear();
            for (int g = 0; g < fold; g++)
            {
                sizeP += _foldSizeP[g];
                sizeQ += _foldSizeQ[g];
                TensorPrimitives.Add(proportionP, _counts.AsSpan(Index(g, 0, 0), _finest), proportionP);
                TensorPrimitives.Add(proportionQ, _counts.AsSpan(Index(g, 1, 0), _finest), proportionQ);
            }

            TensorPrimitives.Divide(proportionP, sizeP, proportionP);
            TensorPrimitives.Divide(proportionQ, sizeQ, proportionQ);
            return (sizeP, sizeQ);
        }

        /// <summary>P̂(A) − Q̂(A) on fold f and its binomial variance.</summary>
        public (double Difference, double Variance) HeldOut(int fold, bool[] set)
        {
            double cp = 0;
            double cq = 0;
            for (int b = 0; b < _finest; b++)
            {
                if (set[b])
                {
                    cp += _counts[Index(fold, 0, b)];
                    cq += _counts[Index(fold, 1, b)];
                }
            }

            double a = cp / _foldSizeP[fold];
            double c = cq / _foldSizeQ[fold];
            return (a - c, (a * (1 - a) / _foldSizeP[fold]) + (c * (1 - c) / _foldSizeQ[fold]));
        }

        private int Index(int fold, int sample, int bin) => (((fold * 2) + sample) * _finest) + bin;

        private void Add(byte[] bins, double[]? weights, int sample, double[] foldSizes)
        {
            int folds = foldSizes.Length;
            for (int g = 0; g < folds; g++)
            {
                Span<double> counts = _counts.AsSpan(Index(g, sample, 0), _finest);
                double size = 0;
                for (int i = g; i < bins.Length; i += folds)
                {
                    double w = weights is null ? 1.0 : weights[i];
                    counts[bins[i]] += w;
                    size += w;
                }

                foldSizes[g] = size;
            }
        }
    }

    /// <summary>Per-fold first and second moments of both samples, for directions learned on training folds.</summary>
    private sealed class FoldMoments
    {
        private readonly int _d;
        private readonly double[][] _sumP;
        private readonly double[][] _sumQ;
        private readonly double[][] _outerP;
        private readonly double[][] _outerQ;
        private readonly int[] _sizeP;
        private readonly int[] _sizeQ;

        private FoldMoments(int d, int folds)
        {
            _d = d;
            _sumP = Jagged(folds, d);
            _sumQ = Jagged(folds, d);
            _outerP = Jagged(folds, d * d);
            _outerQ = Jagged(folds, d * d);
            _sizeP = new int[folds];
            _sizeQ = new int[folds];
        }

        public static FoldMoments Of(double[] p, double[] q, int d, int folds, ParallelOptions parallel)
        {
            var moments = new FoldMoments(d, folds);
            Parallel.For(0, folds, parallel, f =>
            {
                moments._sizeP[f] = Accumulate(p, d, f, folds, moments._sumP[f], moments._outerP[f]);
                moments._sizeQ[f] = Accumulate(q, d, f, folds, moments._sumQ[f], moments._outerQ[f]);
            });
            return moments;
        }

        /// <summary>The training folds' mean-difference direction and leading covariance-difference eigenvector.</summary>
        public IEnumerable<(string Name, double[] Unit)> LearnedDirections(int fold)
        {
            int d = _d;
            (double[] meanP, double[] covarianceP) = Training(fold, _sumP, _outerP, _sizeP);
            (double[] meanQ, double[] covarianceQ) = Training(fold, _sumQ, _outerQ, _sizeQ);
            var meanDifference = new double[d];
            TensorPrimitives.Subtract(meanP, meanQ, meanDifference);
            if (ProjectionTvDirection.Along("mean difference", meanDifference) is { } alongMeans)
            {
                yield return (alongMeans.Name, alongMeans.Unit);
            }

            Matrix<double> difference = Matrix<double>.Build.Dense(d, d, (i, j) => covarianceP[(i * d) + j] - covarianceQ[(i * d) + j]);
            var eigen = difference.Evd(Symmetricity.Symmetric);
            int leading = 0;
            for (int k = 1; k < d; k++)
            {
                if (Math.Abs(eigen.EigenValues[k].Real) > Math.Abs(eigen.EigenValues[leading].Real))
                {
                    leading = k;
                }
            }

            if (ProjectionTvDirection.Along("covariance difference", eigen.EigenVectors.Column(leading).ToArray()) is { } alongCovariance)
            {
                yield return (alongCovariance.Name, alongCovariance.Unit);
            }
        }

        private static int Accumulate(double[] x, int d, int fold, int folds, double[] sum, double[] outer)
        {
            int n = x.Length / d;
            int count = 0;
            for (int i = fold; i < n; i += folds)
            {
                ReadOnlySpan<double> row = x.AsSpan(i * d, d);
                TensorPrimitives.Add(sum, row, sum);
                for (int a = 0; a < d; a++)
                {
                    Span<double> outerRow = outer.AsSpan(a * d, d);
                    TensorPrimitives.MultiplyAdd(row, row[a], outerRow, outerRow);
                }

                count++;
            }

            return count;
        }

        private (double[] Mean, double[] Covariance) Training(int fold, double[][] sums, double[][] outers, int[] sizes)
        {
            int d = _d;
            var mean = new double[d];
            var covariance = new double[d * d];
            int count = 0;
            for (int g = 0; g < sums.Length; g++)
            {
                if (g < fold)
                {
                    TensorPrimitives.Add(mean, sums[g], mean);
                    TensorPrimitives.Add(covariance, outers[g], covariance);
                    count += sizes[g];
                }
            }

            TensorPrimitives.Divide(mean, count, mean);
            TensorPrimitives.Divide(covariance, count, covariance);
            for (int a = 0; a < d; a++)
            {
                for (int b = 0; b < d; b++)
                {
                    covariance[(a * d) + b] -= mean[a] * mean[b];
                }
            }

            return (mean, covariance);
        }

        private static double[][] Jagged(int rows, int length)
        {
            var result = new double[rows][];
            for (int r = 0; r < rows; r++)
            {
                result[r] = new double[length];
            }

            return result;
        }
    }

    /// <summary>A candidate set for one fold: the direction's counts, the partition, its training score and the set of finest bins.</summary>
    private readonly record struct Candidate(FoldCounts? Counts, string Direction, int Bins, double Score, bool[]? Set)
    {
        public static Candidate None => new(null, "none", 0, double.NegativeInfinity, null);

        public static Candidate Better(Candidate a, Candidate b) => b.Score > a.Score ? b : a;

        public (double Difference, double Variance) HeldOut(int fold) => Counts!.HeldOut(fold, Set!);
    }
}
