using Diffusion.Verify.Numerics;
using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Scores;
using Diffusion.Verify.Targets;
using MathNet.Numerics.LinearAlgebra;
using Xunit.Abstractions;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// Embedded targets with cores of dimension k = 3, 4, 8 (isotropic, full, diagonal components) and data exactly on
/// the subspace (σ⊥² = 0), against a dense d-dimensional mixture built by the test: q_t = Σ π_j N(√ᾱ U μ_j,
/// ᾱ U A_j Uᵀ + (1 − ᾱ) I), its log density, score and Jacobian by MathNet's Cholesky. Levels up to ᾱ = 1 − 10⁻⁶,
/// where the complement variance v⊥ = 1 − ᾱ is tiny.
/// </summary>
public sealed class EmbeddedIntrinsicTargetTests(ITestOutputHelper output)
{
    private sealed record Core(IDiffusedTarget Target, double[] Weights, double[][] Means, double[][][] Covariances);

    private static Core MakeCore(int k, string form, int seed)
    {
        var random = new Random(seed);
        int components = 3;
        double[] weights = [0.2, 0.5, 0.3];
        var means = Enumerable.Range(0, components).Select(_ => Enumerable.Range(0, k).Select(_ => 2 * (random.NextDouble() - 0.5) * 3).ToArray()).ToArray();
        var covariances = new double[components][][];
        IDiffusedTarget target;
        switch (form)
        {
            case "isotropic":
            {
                double[] variances = Enumerable.Range(0, components).Select(_ => 0.1 + random.NextDouble()).ToArray();
                for (int j = 0; j < components; j++)
                {
                    covariances[j] = Enumerable.Range(0, k).Select(a => Enumerable.Range(0, k).Select(b => a == b ? variances[j] : 0.0).ToArray()).ToArray();
                }

                target = new IsotropicMixture(weights, means, variances);
                break;
            }

            case "diagonal":
            {
                var diagonals = Enumerable.Range(0, components).Select(_ => Enumerable.Range(0, k).Select(_ => 0.05 + random.NextDouble()).ToArray()).ToArray();
                for (int j = 0; j < components; j++)
                {
                    covariances[j] = Enumerable.Range(0, k).Select(a => Enumerable.Range(0, k).Select(b => a == b ? diagonals[j][a] : 0.0).ToArray()).ToArray();
                }

                target = GeneralMixture.FromDiagonals(weights, means, diagonals);
                break;
            }

            default:
            {
                for (int j = 0; j < components; j++)
                {
                    var l = Matrix<double>.Build.Dense(k, k, (a, b) => a >= b ? random.NextDouble() - 0.5 : 0.0);
                    var c = l * l.Transpose() + Matrix<double>.Build.DenseIdentity(k) * 0.1;
                    covariances[j] = c.ToRowArrays();
                }

                target = GeneralMixture.FromCovariances(weights, means, covariances);
                break;
            }
        }

        return new Core(target, weights, means, covariances);
    }

    public static TheoryData<int, string> Cores() => new() { { 3, "isotropic" }, { 4, "full" }, { 8, "diagonal" }, { 1, "isotropic" } };

    [Theory]
    [MemberData(nameof(Cores))]
    public void DensityScoreJacobianAndDeterminantMatchTheDenseMixtureAtZeroComplementVariance(int k, string form)
    {
        int d = k + 5;
        Core core = MakeCore(k, form, seed: 10 + k);
        var target = new EmbeddedMixture(core.Target, d, 0.0, seed: 3);
        var u = Matrix<double>.Build.Dense(d, k, (i, j) => target.Basis.Span[i * k + j]);
        var random = new Random(7);
        double worst = 0;
        foreach (double alphaBar in new[] { 0.3, 0.99, 1 - 1e-4, 1 - 1e-6 })
        {
            // Dense q_t: means √ᾱ U μ_j, covariances ᾱ U A_j Uᵀ + (1 − ᾱ) I.
            var means = core.Means.Select(m => u * Vector<double>.Build.DenseOfArray(m) * Math.Sqrt(alphaBar)).ToArray();
            var covariances = core.Covariances.Select(a => alphaBar * (u * Matrix<double>.Build.DenseOfRowArrays(a) * u.Transpose()) + (1 - alphaBar) * Matrix<double>.Build.DenseIdentity(d)).ToArray();
            for (int p = 0; p < 3; p++)
            {
                // A point near the data: a diffused draw, as the samplers visit.
                var x = new double[d];
                target.SampleDiffused(5, p, alphaBar, x);
                var xv = Vector<double>.Build.DenseOfArray(x);
                var logs = new double[core.Weights.Length];
                var g = new Vector<double>[logs.Length];
                var precisions = new Matrix<double>[logs.Length];
                for (int j = 0; j < logs.Length; j++)
                {
                    var cholesky = covariances[j].Cholesky();
                    var r = xv - means[j];
                    precisions[j] = cholesky.Solve(Matrix<double>.Build.DenseIdentity(d));
                    g[j] = -cholesky.Solve(r);
                    logs[j] = Math.Log(core.Weights[j]) - 0.5 * r.DotProduct(cholesky.Solve(r)) - 0.5 * cholesky.DeterminantLn - 0.5 * d * Math.Log(2 * Math.PI);
                }

                double top = logs.Max();
                double logDensity = top + Math.Log(logs.Sum(l => Math.Exp(l - top)));
                var w = logs.Select(l => Math.Exp(l - logDensity)).ToArray();
                var score = Vector<double>.Build.Dense(d);
                for (int j = 0; j < w.Length; j++)
                {
                    score += w[j] * g[j];
                }

                var jacobian = -score.OuterProduct(score);
                for (int j = 0; j < w.Length; j++)
                {
                    jacobian += w[j] * (g[j].OuterProduct(g[j]) - precisions[j]);
                }

                double scale = score.L2Norm() + 1e-300;
                double jacobianScale = jacobian.L2Norm();

                var s = new double[d];
                target.Score(x, alphaBar, s);
                var dense = new double[d * d];
                target.Jacobian(x, alphaBar, dense);
                var lowRank = new LowRankJacobian(d);
                Assert.True(target.TryLowRankJacobian(x, alphaBar, lowRank));
                var expanded = -lowRank.Kappa * Matrix<double>.Build.DenseIdentity(d);
                var left = Matrix<double>.Build.Dense(d, lowRank.Rank, (i, j) => lowRank.LeftColumns[j * d + i]);
                var middle = Matrix<double>.Build.Dense(lowRank.Rank, lowRank.Rank, (a, b) => lowRank.Core[a * lowRank.Rank + b]);
                expanded += left * middle * left.Transpose();
                var jacobianHarness = Matrix<double>.Build.Dense(d, d, (i, j) => dense[i * d + j]);

                double c = -0.3 * (1 - alphaBar);
                double logDet = (Matrix<double>.Build.DenseIdentity(d) + c * jacobian).Determinant();
                double errors = Math.Max(
                    Math.Abs(target.LogDensity(x, alphaBar) - logDensity) / Math.Max(1, Math.Abs(logDensity)),
                    Math.Max(
                        (Vector<double>.Build.DenseOfArray(s) - score).L2Norm() / scale,
                        Math.Max(
                            (jacobianHarness - jacobian).L2Norm() / jacobianScale,
                            Math.Max(
                                (expanded - jacobian).L2Norm() / jacobianScale,
                                Math.Abs(target.LogAbsDetIdentityPlusScaledJacobian(x, alphaBar, c) - Math.Log(Math.Abs(logDet)))))));
                worst = Math.Max(worst, errors);
                Assert.True(errors < 1e-7, $"k={k} {form} ᾱ={alphaBar:R} point {p}: relative error {errors:G3}");
            }
        }

        output.WriteLine($"k={k} {form}, d={d}: worst relative error {worst:G3}");
    }

    [Fact]
    public void DataLieOnTheSubspaceAndLevelZeroIsRefused()
    {
        Core core = MakeCore(4, "full", seed: 2);
        var target = new EmbeddedMixture(core.Target, 30, 0.0, seed: 8);
        var x = new double[30];
        var projection = new double[4];
        for (int i = 0; i < 20; i++)
        {
            target.SampleData(1, i, x);
            target.Project(x, projection);
            double squared = x.Sum(v => v * v) - projection.Sum(v => v * v);
            Assert.InRange(squared, -1e-12, 1e-12);
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => target.LogDensity(x, 1.0));
        var s = new double[30];
        Assert.Throws<ArgumentOutOfRangeException>(() => target.Score(x, 1.0, s));
        Assert.True(double.IsFinite(target.LogDensity(x, 1 - 1e-12)));
    }

    /// <summary>
    /// Each deterministic sampler's accumulated ln|det ∂Y_1/∂Y_T| on a k = 3 core in d = 6 with σ⊥² = 0 (the low-rank
    /// determinant path with a tiny v⊥ at the last levels) against central finite differences of the whole map.
    /// </summary>
    [Theory]
    [InlineData("ddim-type")]
    [InlineData("ddim")]
    [InlineData("acc-ode")]
    [InlineData("acc-ode-ms")]
    [InlineData("dpm-solver-2")]
    public void SamplerLogDeterminantAtZeroComplementVarianceMatchesFiniteDifferences(string name)
    {
        const int d = 6;
        const double h = 1e-6;
        Core core = MakeCore(3, "full", seed: 4);
        var target = new EmbeddedMixture(core.Target, d, 0.0, seed: 9);
        Sampler sampler = SamplerCatalog.Get(name);
        NoiseSchedule schedule = new ScheduleSpec("logsnr", LambdaMax: 5, LambdaMin: -4).Build(12);
        double[] point = [0.4, -1.1, 0.7, 0.2, -0.5, 1.3];
        var starts = new double[(2 * d + 1) * d];
        for (int r = 0; r < 2 * d + 1; r++)
        {
            point.CopyTo(starts.AsSpan(r * d, d));
            if (r > 0)
            {
                starts[r * d + (r - 1) / 2] += (r % 2 == 1 ? 1 : -1) * h;
            }
        }

        SampleSet run = SamplerRunner.RunFrom(sampler, schedule, new ExactScore(target), starts, accumulateLogDeterminant: true, blockSize: 4, maxDegreeOfParallelism: 1);
        var jacobian = new double[d * d];
        for (int j = 0; j < d; j++)
        {
            for (int i = 0; i < d; i++)
            {
                jacobian[i * d + j] = (run.Output[(1 + 2 * j) * d + i] - run.Output[(2 + 2 * j) * d + i]) / (2 * h);
            }
        }

        double finiteDifference = DenseLu.LogAbsDeterminant(jacobian, d);
        output.WriteLine($"{name}: accumulated {run.LogDeterminant![0]:R}, finite difference {finiteDifference:R}");
        Assert.True(Math.Abs(run.LogDeterminant[0]) > 1, "a vacuous check: the map is nearly volume-preserving");
        Assert.Equal(finiteDifference, run.LogDeterminant[0], 1e-5);
    }
}
