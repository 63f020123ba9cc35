using Diffusion.Verify.Numerics;
using Diffusion.Verify.Numerics.LinearAlgebra;
using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Scores;
using Diffusion.Verify.Targets;
using Xunit.Abstractions;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// Full-covariance mixtures: ln|det(I + c∇s)| in the dominant component's eigenbasis (all posterior weight on
/// one component) against dense LU of I + c∇s from the dense Jacobian, point by point and accumulated over
/// ddim-type and ddim runs. Tolerance 1e−10 relative to 1 + |value|; a wrong eigenvalue (ᾱλ + 1 − ᾱ) or
/// a missing component moves the value by far more.
/// </summary>
public sealed class GeneralMixtureLogDeterminantTests(ITestOutputHelper output)
{
    /// <summary>d = 12, K = 3 full covariances, means 60 apart: near a mean the other weights underflow to 0.</summary>
    private static GeneralMixture Separated()
    {
        var draws = new Draws(23, 53);
        const int d = 12;
        const int k = 3;
        double[][] means = Enumerable.Range(0, k).Select(c => draws.Normals(d).Select(v => 60.0 * v / Math.Sqrt(d)).ToArray()).ToArray();
        var covariances = new double[k][][];
        for (int c = 0; c < k; c++)
        {
            double[][] a = Enumerable.Range(0, d).Select(_ => draws.Normals(d)).ToArray();
            covariances[c] = Enumerable.Range(0, d).Select(i => Enumerable.Range(0, d).Select(j =>
                (0.3 * (i == j ? 1 : 0)) + (Enumerable.Range(0, d).Sum(l => a[i][l] * a[j][l]) / (4.0 * d))).ToArray()).ToArray();
        }

        return GeneralMixture.FromCovariances([0.2, 0.3, 0.5], means, covariances);
    }

    [Fact]
    public void EigenbasisDeterminantEqualsDenseLu()
    {
        GeneralMixture mixture = Separated();
        int d = mixture.Dimension;
        var draws = new Draws(29, 59);
        var jacobian = new double[d * d];
        double worst = 0;
        int single = 0;
        foreach (double alphaBar in new[] { 0.999, 0.9, 0.5, 0.1, 1e-3 })
        {
            for (int c = 0; c < mixture.Components; c++)
            {
                for (int p = 0; p < 4; p++)
                {
                    double[] x = mixture.Mean(c).ToArray().Select(v => Math.Sqrt(alphaBar) * v).Zip(draws.Normals(d), (m, z) => m + z).ToArray();
                    foreach (double scale in new[] { 0.01, 0.3, -0.2 })
                    {
                        mixture.Jacobian(x, alphaBar, jacobian);
                        double expected = DenseIdentityPlusScaled.LogAbsDeterminant(jacobian, d, scale);
                        double value = mixture.LogAbsDetIdentityPlusScaledJacobian(x, alphaBar, scale);
                        worst = Math.Max(worst, Math.Abs(value - expected) / (1 + Math.Abs(expected)));
                    }

                    single += alphaBar >= 0.5 ? 1 : 0;
                }
            }
        }

        output.WriteLine($"ln|det(I + c∇s)| eigenbasis/dense vs dense LU: {worst:E2}");
        Assert.True(single > 0);
        Assert.True(worst < 1e-10, $"{worst:E3}");
    }

    /// <summary>
    /// Where several components carry weight the dense path forms only the upper triangle of I + c∇s for the
    /// symmetric factorisation, and the whole matrix again for the pivoting LU when a pivot is not positive:
    /// bit for bit what <see cref="SymmetricLogDeterminant"/> gives for the whole I + c∇s, on both branches
    /// (c = 0.05 keeps I + c∇s positive definite here, c = 3 does not; both must occur).
    /// </summary>
    [Fact]
    public void DenseDeterminantIsTheSymmetricFactorisationOfTheWholeMatrix()
    {
        GeneralMixture mixture = Separated();
        int d = mixture.Dimension;
        var draws = new Draws(31, 61);
        var matrix = new double[d * d];
        int positive = 0;
        int indefinite = 0;
        foreach (double alphaBar in new[] { 0.003, 0.001 })
        {
            for (int p = 0; p < 6; p++)
            {
                double[] x = draws.Normals(d);
                foreach (double scale in new[] { 0.05, 3.0 })
                {
                    mixture.Jacobian(x, alphaBar, matrix);
                    for (int i = 0; i < d * d; i++)
                    {
                        matrix[i] *= scale;
                    }

                    for (int i = 0; i < d; i++)
                    {
                        matrix[(i * d) + i] += 1;
                    }

                    double[] copy = (double[])matrix.Clone();
                    bool definite = SymmetricLogDeterminant.TryPositivePivots(copy, d, out _);
                    positive += definite ? 1 : 0;
                    indefinite += definite ? 0 : 1;
                    double expected = SymmetricLogDeterminant.LogAbsDeterminant(matrix, d);
                    double value = mixture.LogAbsDetIdentityPlusScaledJacobian(x, alphaBar, scale);
                    Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits(value));
                }
            }
        }

        Assert.True(positive > 0 && indefinite > 0, $"{positive} positive definite, {indefinite} not");
    }

    public static TheoryData<string, string> SamplerCases()
    {
        var data = new TheoryData<string, string>();
        foreach (string sampler in new[] { "ddim-type", "ddim", "acc-ode", "dpm-solver-2", "acc-ode-ms" })
        {
            foreach (string kind in new[] { "separated", "scaled-separated", "gaussian-full", "random-d40" })
            {
                data.Add(sampler, kind);
            }
        }

        return data;
    }

    /// <summary>
    /// Whole runs (T = 30, starts 3·N(0, I), so early steps have mixed weights and late ones a single component)
    /// with the eigenbasis paths against the same runs with every shortcut hidden (dense Jacobians and LU).
    /// For acc-ode and dpm-solver-2 the eigenbasis pair path must have run. "random-d40" (d = 40, K = 4, several
    /// components active early, then tiny non-zero weights that the truncation drops — each such step may move
    /// by at most <see cref="PerturbedLogDeterminant.StepTolerance"/>) must have had both kinds of step.
    /// </summary>
    [Theory]
    [MemberData(nameof(SamplerCases))]
    public void SamplerLogDeterminantEqualsTheDensePath(string name, string kind)
    {
        IScore exact = kind switch
        {
            "separated" => new ExactScore(Separated()),
            "scaled-separated" => new ScaledScore(new ExactScore(Separated()), 0.05),
            "random-d40" => new ExactScore(RandomGaussianMixture.Create(40, 4, 4.0, CovarianceForm.Full, seed: 5)),
            _ => new ExactScore(GaussianTarget.WithRandomEigenvectors(Enumerable.Range(0, 10).Select(j => 0.1 + 0.3 * j).ToArray(), null, seed: 3)),
        };
        var score = new CountingScore(exact);
        int d = score.Dimension;
        Sampler sampler = SamplerCatalog.Get(name);
        NoiseSchedule schedule = new ScheduleSpec("li2024", C0: 2, C1: 4).Build(30);
        const int rows = 6;
        double[] starts = JacobianTestScores.Points(d, rows, seed: 13).SelectMany(p => p.Select(v => 3 * v)).ToArray();
        SampleSet fast = SamplerRunner.RunFrom(sampler, schedule, score, starts, accumulateLogDeterminant: true, blockSize: 4, maxDegreeOfParallelism: 1);
        SampleSet dense = SamplerRunner.RunFrom(sampler, schedule, new DenseOnlyScore(exact), starts, accumulateLogDeterminant: true, blockSize: 4, maxDegreeOfParallelism: 1);
        Assert.True(fast.Output.AsSpan().SequenceEqual(dense.Output), "the ln|det| path changed the samples");
        if (name is "acc-ode" or "dpm-solver-2")
        {
            Assert.True(score.EigenbasisForms > 0, "the eigenbasis path never ran");
        }

        if (kind == "random-d40" && name != "acc-ode-ms")
        {
            Assert.True(score.TruncatedPoints > 0, "no step had a dominant component with tiny non-zero others");
            Assert.True(score.MixedPoints > 0, "no step had several components that matter");
        }
        double worst = 0;
        for (int i = 0; i < rows; i++)
        {
            double expected = dense.LogDeterminant![i];
            Assert.True(Math.Abs(expected) > 1e-2, $"vacuous: ln|det| = {expected}");
            worst = Math.Max(worst, Math.Abs(fast.LogDeterminant![i] - expected) / (1 + Math.Abs(expected)));
        }

        output.WriteLine($"{name} on {kind}: ln|det J| vs dense {worst:E2} ({score.EigenbasisForms} eigenbasis forms; points with dropped weight {score.TruncatedPoints}, mixed {score.MixedPoints})");
        Assert.True(worst < 1e-10, $"{name}: {worst:E3}");
    }

    /// <summary>
    /// The same bits whatever the block size and thread count at d = 130 (blocked LU and product, with edges;
    /// the truncation decides per row, so it cannot depend on the grouping).
    /// </summary>
    [Theory]
    [InlineData("ddim")]
    [InlineData("dpm-solver-2")]
    [InlineData("acc-ode-ms")]
    public void LogDeterminantHasTheSameBitsWhateverTheThreadCount(string name)
    {
        var score = new ExactScore(RandomGaussianMixture.Create(130, 3, 3.0, CovarianceForm.Full, seed: 8));
        Sampler sampler = SamplerCatalog.Get(name);
        NoiseSchedule schedule = new ScheduleSpec("li2024", C0: 2, C1: 4).Build(12);
        const int rows = 4;
        double[] starts = JacobianTestScores.Points(130, rows, seed: 3).SelectMany(p => p).ToArray();
        SampleSet serial = SamplerRunner.RunFrom(sampler, schedule, score, starts, accumulateLogDeterminant: true, blockSize: rows, maxDegreeOfParallelism: 1);
        SampleSet parallel = SamplerRunner.RunFrom(sampler, schedule, score, starts, accumulateLogDeterminant: true, blockSize: 1, maxDegreeOfParallelism: 2);
        Assert.True(serial.LogDeterminant!.All(double.IsFinite));
        Assert.True(serial.LogDeterminant!.AsSpan().SequenceEqual(parallel.LogDeterminant), "ln|det J| depends on block size or thread count");
    }
}
