using Diffusion.Verify.Numerics;
using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Scores;
using Diffusion.Verify.Targets;
using Xunit.Abstractions;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// acc-ode-ms's ln|det ∂Y_1/∂Y_T| through the subspace recursion (Samplers/AccOdeMultistepLogDeterminant: M_t and
/// ∇ε_t M_t kept as x I + B X̂ Bᵀ) against the dense tangent propagation on the same starting points (the score
/// wrapped so that it hides its low-rank form), and against central finite differences of the whole map.
/// A wrong term in the two-step chain rule (e.g. dropping C_t ∇ε_{t+1} M_{t+1}, or using M_t in its place)
/// moves ln|det J| by 1e−3 or more; the bound is 1e−10 relative to 1 + |value|.
/// </summary>
public sealed class AccOdeMultistepLogDeterminantTests(ITestOutputHelper output)
{
    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (string kind in new[] { "isotropic", "isotropic-large", "isotropic-k1", "gaussian", "embedded-r1", "embedded-r2", "scaled", "bias", "oscillatory", "oscillatory-embedded" })
        {
            data.Add(kind, 12);
        }

        data.Add("isotropic", 80);
        data.Add("bias", 80);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SubspaceRecursionEqualsTheDenseTangents(string kind, int steps)
    {
        Sampler sampler = SamplerCatalog.Get("acc-ode-ms");
        NoiseSchedule schedule = new ScheduleSpec("li2024", C0: 2, C1: 4).Build(steps);
        var score = new CountingScore(Make(kind));
        int d = score.Dimension;
        const int rows = 6;
        double[] starts = Points(d, rows, seed: 11).SelectMany(p => p.Select(v => 1.5 * v)).ToArray();
        SampleSet lowRank = SamplerRunner.RunFrom(sampler, schedule, score, starts, accumulateLogDeterminant: true, blockSize: 4, maxDegreeOfParallelism: 1);
        Assert.Equal(0, score.DenseJacobians);
        Assert.True(score.LowRankForms >= rows * (steps - 1), $"the low-rank path ran {score.LowRankForms} times");

        SampleSet dense = SamplerRunner.RunFrom(sampler, schedule, new DenseOnlyScore(score.Inner), starts, accumulateLogDeterminant: true, blockSize: 4, maxDegreeOfParallelism: 1);
        Assert.True(lowRank.Output.AsSpan().SequenceEqual(dense.Output), "the ln|det| path changed the samples");
        double worst = 0;
        for (int i = 0; i < rows; i++)
        {
            double expected = dense.LogDeterminant![i];
            Assert.True(Math.Abs(expected) > 1e-2, $"vacuous: ln|det| = {expected}");
            worst = Math.Max(worst, Math.Abs(lowRank.LogDeterminant![i] - expected) / (1 + Math.Abs(expected)));
        }

        output.WriteLine($"acc-ode-ms on {kind} (d = {d}, T = {steps}): ln|det J| subspace vs dense {worst:E2}");
        Assert.True(worst < 1e-10, $"acc-ode-ms on {kind}: {worst:E3}");
    }

    /// <summary>Independent of both chain-rule derivations: central differences of Y_T → Y_1 on a d = 10 mixture.</summary>
    [Fact]
    public void SubspaceRecursionMatchesFiniteDifferences()
    {
        const double step = 1e-5;
        Sampler sampler = SamplerCatalog.Get("acc-ode-ms");
        NoiseSchedule schedule = new ScheduleSpec("logsnr", LambdaMax: 4, LambdaMin: -4).Build(8);
        var score = new CountingScore(Make("isotropic"));
        int d = score.Dimension;
        double[] point = Points(d, 1, seed: 17)[0];
        var starts = new double[(2 * d + 1) * d];
        for (int r = 0; r < 2 * d + 1; r++)
        {
            Span<double> row = starts.AsSpan(r * d, d);
            point.CopyTo(row);
            if (r > 0)
            {
                row[(r - 1) / 2] += (r % 2 == 1 ? 1 : -1) * step;
            }
        }

        SampleSet result = SamplerRunner.RunFrom(sampler, schedule, score, starts, accumulateLogDeterminant: true, blockSize: 5, maxDegreeOfParallelism: 1);
        Assert.True(score.LowRankForms > 0);
        Assert.Equal(0, score.DenseJacobians);
        var jacobian = new double[d * d];
        for (int j = 0; j < d; j++)
        {
            ReadOnlySpan<double> plus = result.Sample(1 + 2 * j);
            ReadOnlySpan<double> minus = result.Sample(2 + 2 * j);
            for (int i = 0; i < d; i++)
            {
                jacobian[i * d + j] = (plus[i] - minus[i]) / (2 * step);
            }
        }

        double finiteDifference = DenseLu.LogAbsDeterminant(jacobian, d);
        double accumulated = result.LogDeterminant![0];
        output.WriteLine($"acc-ode-ms: accumulated {accumulated:R}, finite difference {finiteDifference:R}");
        Assert.True(Math.Abs(accumulated) > 1e-2);
        Assert.Equal(finiteDifference, accumulated, 1e-6);
    }

    /// <summary>Random targets on which the low-rank forms exist; fixed seeds.</summary>
    internal static IScore Make(string kind)
    {
        var draws = new Draws(kind.Sum(c => c), 47);
        IDiffusedTarget Isotropic(int d, int k) => new IsotropicMixture(
            Normalised(Enumerable.Range(0, k).Select(_ => Math.Exp(draws.Normal())).ToArray()),
            Enumerable.Range(0, k).Select(_ => draws.Normals(d).Select(v => 1.5 * v).ToArray()).ToArray(),
            Enumerable.Range(0, k).Select(_ => draws.LogUniform(0.05, 1.5)).ToArray());
        IScore Exact(IDiffusedTarget t) => new ExactScore(t);
        return kind switch
        {
            "isotropic" => Exact(Isotropic(10, 3)),
            "isotropic-k1" => Exact(Isotropic(7, 1)),
            "isotropic-large" => Exact(Isotropic(40, 9)),
            "gaussian" => Exact(GaussianTarget.Isotropic(9, 0.3, draws.Normals(9))),
            "embedded-r1" => Exact(new EmbeddedMixture(Isotropic(1, 3), 11, 0.4, seed: 2)),
            "embedded-r2" => Exact(new EmbeddedMixture(Isotropic(2, 3), 12, 1.7, seed: 3)),
            "scaled" => new ScaledScore(Exact(Isotropic(10, 3)), 0.08),
            "bias" => new BiasScore(Exact(Isotropic(10, 4)), 0.3, seed: 5),
            "oscillatory" => new OscillatoryScore(Exact(Isotropic(10, 3)), 0.2, 3.0, seed: 9),
            "oscillatory-embedded" => new OscillatoryScore(Exact(new EmbeddedMixture(Isotropic(2, 2), 9, 0.6, seed: 4)), 0.3, 2.0, seed: 8),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    internal static double[][] Points(int d, int count, int seed)
    {
        var draws = new Draws(seed, 43);
        return Enumerable.Range(0, count).Select(_ => draws.Normals(d)).ToArray();
    }

    private static double[] Normalised(double[] w) => w.Select(v => v / w.Sum()).ToArray();

    /// <summary>Forwards everything and counts the low-rank forms and dense Jacobians handed out.</summary>
    internal sealed class CountingScore(IScore inner) : IScore
    {
        public IScore Inner { get; } = inner;

        public int LowRankForms { get; private set; }

        public int DenseJacobians { get; private set; }

        public int Dimension => Inner.Dimension;

        public string Description => Inner.Description;

        public int ScratchLength(int rows) => Inner.ScratchLength(rows);

        public void Evaluate(ReadOnlySpan<double> x, int rows, double alphaBar, Span<double> score, Span<double> scratch) => Inner.Evaluate(x, rows, alphaBar, score, scratch);

        public void Jacobian(ReadOnlySpan<double> x, double alphaBar, Span<double> jacobian)
        {
            DenseJacobians++;
            Inner.Jacobian(x, alphaBar, jacobian);
        }

        public double LogAbsDetIdentityPlusScaledJacobian(ReadOnlySpan<double> x, double alphaBar, double scale) => Inner.LogAbsDetIdentityPlusScaledJacobian(x, alphaBar, scale);

        public bool TryLowRankJacobian(ReadOnlySpan<double> x, double alphaBar, LowRankJacobian destination)
        {
            bool found = Inner.TryLowRankJacobian(x, alphaBar, destination);
            LowRankForms += found ? 1 : 0;
            return found;
        }
    }

    /// <summary>Forwards everything but the low-rank form, so samplers take their dense chain rule.</summary>
    internal sealed class DenseOnlyScore(IScore inner) : IScore
    {
        public int Dimension => inner.Dimension;

        public string Description => inner.Description;

        public int ScratchLength(int rows) => inner.ScratchLength(rows);

        public void Evaluate(ReadOnlySpan<double> x, int rows, double alphaBar, Span<double> score, Span<double> scratch) => inner.Evaluate(x, rows, alphaBar, score, scratch);

        public void Jacobian(ReadOnlySpan<double> x, double alphaBar, Span<double> jacobian) => inner.Jacobian(x, alphaBar, jacobian);

        public double LogAbsDetIdentityPlusScaledJacobian(ReadOnlySpan<double> x, double alphaBar, double scale) => inner.LogAbsDetIdentityPlusScaledJacobian(x, alphaBar, scale);
    }
}
