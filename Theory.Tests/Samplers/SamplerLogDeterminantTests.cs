using Diffusion.Verify.Numerics;
using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Scores;
using Diffusion.Verify.Targets;
using Xunit.Abstractions;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// The ln|det ∂Y_1/∂Y_T| each deterministic sampler accumulates against a central finite-difference Jacobian
/// of the whole map Y_T → Y_1, built from runs with perturbed starts.
/// </summary>
public sealed class SamplerLogDeterminantTests(ITestOutputHelper output)
{
    private const double Step = 1e-5;

    public static TheoryData<string, int, int> Cases()
    {
        var data = new TheoryData<string, int, int>();
        foreach (string sampler in new[] { "ddim-type", "ddim", "acc-ode", "acc-ode-ms", "dpm-solver-2" })
        {
            foreach (int d in new[] { 1, 3 })
            {
                data.Add(sampler, d, 8);
            }
        }

        // A single step: acc-ode-ms is then plain DDIM and must still report its determinant at t = 2.
        data.Add("acc-ode-ms", 3, 2);
        data.Add("acc-ode-ms", 1, 3);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void AccumulatedLogDeterminantMatchesFiniteDifferences(string name, int dimension, int steps)
    {
        Sampler sampler = SamplerCatalog.Get(name);
        NoiseSchedule schedule = new ScheduleSpec("logsnr", LambdaMax: 4, LambdaMin: -4).Build(steps);
        (IsotropicMixture target, double[][] points) = dimension == 1
            ? (SamplerTestTargets.Bimodal1D(), new[] { new[] { -2.1 }, new[] { -0.4 }, new[] { 0.3 }, new[] { 1.7 } })
            : (SamplerTestTargets.Anisotropic3D(), new[] { new[] { 1.3, -0.2, 0.4 }, new[] { -0.7, 1.1, -0.3 }, new[] { 0.2, -0.9, -1.4 } });
        IScore score = SamplerTestTargets.Exact(target);
        int d = dimension;
        int perPoint = 2 * d + 1;

        // Row layout per point: the point itself, then x ± h e_j for each j.
        var starts = new double[points.Length * perPoint * d];
        for (int p = 0; p < points.Length; p++)
        {
            for (int r = 0; r < perPoint; r++)
            {
                Span<double> row = starts.AsSpan((p * perPoint + r) * d, d);
                points[p].CopyTo(row);
                if (r > 0)
                {
                    row[(r - 1) / 2] += (r % 2 == 1 ? 1 : -1) * Step;
                }
            }
        }

        SampleSet result = SamplerRunner.RunFrom(sampler, schedule, score, starts, accumulateLogDeterminant: true, blockSize: 5, maxDegreeOfParallelism: 1);

        var jacobian = new double[d * d];
        for (int p = 0; p < points.Length; p++)
        {
            int baseRow = p * perPoint;
            for (int j = 0; j < d; j++)
            {
                ReadOnlySpan<double> plus = result.Sample(baseRow + 1 + 2 * j);
                ReadOnlySpan<double> minus = result.Sample(baseRow + 2 + 2 * j);
                for (int i = 0; i < d; i++)
                {
                    jacobian[i * d + j] = (plus[i] - minus[i]) / (2 * Step);
                }
            }

            double finiteDifference = DenseLu.LogAbsDeterminant(jacobian, d);
            double accumulated = result.LogDeterminant![baseRow];
            output.WriteLine($"{name} d={d} T={steps} point {p}: accumulated {accumulated:R}, finite difference {finiteDifference:R}");
            Assert.True(Math.Abs(accumulated) > 1e-3, "a vacuous check: the map is too close to volume-preserving");
            Assert.Equal(finiteDifference, accumulated, 1e-6);

            // Every perturbed row reports its own determinant, which must be close to the centre's.
            Assert.Equal(accumulated, result.LogDeterminant[baseRow + 1], 1e-3);
        }
    }
}
