using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Targets;
using Xunit.Abstractions;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// One-step error of each deterministic sampler against an accurate integration of the probability-flow
/// ODE (DESIGN §4), from an exact state at level t: it must scale as β_t^{Order+1}. Level t sits at a fixed
/// ᾱ_t while β_t and its neighbours shrink geometrically (β_{t+1} = 1.25 β_t, so the rules that look one
/// level up do not rely on equal steps).
/// </summary>
public sealed class LocalOrderTests(ITestOutputHelper output)
{
    private const double AlphaBarAtT = 0.5;
    private const double NextRatio = 1.25;
    private const int Level = 2;
    private const int Halvings = 6;
    private const double LargestBeta = 0.04;

    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (string sampler in new[] { "ddim-type", "ddim", "acc-ode", "acc-ode-ms", "dpm-solver-2" })
        {
            data.Add(sampler, 1);
            data.Add(sampler, 3);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void OneStepErrorScalesAsBetaToTheOrderPlusOne(string name, int dimension)
    {
        Sampler sampler = SamplerCatalog.Get(name);
        (IsotropicMixture target, double[][] points) = dimension == 1
            ? (SamplerTestTargets.Bimodal1D(), new[] { new[] { -1.6 }, new[] { -0.5 }, new[] { 0.2 }, new[] { 0.9 }, new[] { 1.8 } })
            : (SamplerTestTargets.Anisotropic3D(), new[]
            {
                new[] { 1.2, 0.1, 0.2 }, new[] { -0.6, 0.9, 0.1 }, new[] { 0.1, -0.6, -0.9 }, new[] { 0.3, 0.3, -0.2 }, new[] { -0.2, -0.4, 0.7 },
            });

        var betas = new double[Halvings];
        var errors = new double[Halvings];
        for (int k = 0; k < Halvings; k++)
        {
            betas[k] = LargestBeta * Math.Pow(2, -k);
            errors[k] = OneStepError(sampler, target, points, betas[k]);
            output.WriteLine($"{name} d={dimension} β={betas[k]:G4} error={errors[k]:E4}");
        }

        double slope = LogLogSlope(betas, errors);
        double expected = sampler.Order + 1;
        output.WriteLine($"{name} d={dimension}: fitted exponent {slope:F3} (expected {expected})");
        Assert.InRange(slope, expected - 0.25, expected + 0.25);
    }

    /// <summary>Root-sum-square over the points of Step(x) − flow(x), both from the exact state x at level t.</summary>
    private static double OneStepError(Sampler sampler, IsotropicMixture target, double[][] points, double beta)
    {
        NoiseSchedule schedule = ScheduleAround(beta);
        int d = target.Dimension;
        var block = new SamplerBlock(schedule, SamplerTestTargets.Exact(target), seed: 1, capacity: points.Length, accumulateLogDeterminant: false);
        block.Reset(0, points.Length);
        for (int i = 0; i < points.Length; i++)
        {
            points[i].CopyTo(block.Row(block.State, i));
        }

        double tauT = -schedule.LogAlphaBar(Level);
        if (sampler is AccOdeMultistepSampler)
        {
            // The multistep rule's history must lie on the exact trajectory through x: Y_{t+1} = flow(x) at
            // τ_{t+1}, and History = ε_{t+1}(Y_{t+1}) = −√(1−ᾱ_{t+1}) s_{t+1}(Y_{t+1}).
            double alphaBarNext = schedule.AlphaBar(Level + 1);
            for (int i = 0; i < points.Length; i++)
            {
                double[] upper = (double[])points[i].Clone();
                SamplerReferenceFlow.Integrate(target, upper, tauT, -schedule.LogAlphaBar(Level + 1), 400);
                Span<double> history = block.Row(block.History, i);
                target.Score(upper, alphaBarNext, history);
                for (int j = 0; j < d; j++)
                {
                    history[j] *= -Math.Sqrt(schedule.OneMinusAlphaBar(Level + 1));
                }
            }

            block.HasHistory = true;
        }

        sampler.Step(block, Level);

        double sum = 0;
        for (int i = 0; i < points.Length; i++)
        {
            double[] exact = (double[])points[i].Clone();
            SamplerReferenceFlow.Integrate(target, exact, tauT, -schedule.LogAlphaBar(Level - 1), 400);
            ReadOnlySpan<double> y = block.Row(block.State, i);
            for (int j = 0; j < d; j++)
            {
                sum += (y[j] - exact[j]) * (y[j] - exact[j]);
            }
        }

        return Math.Sqrt(sum);
    }

    /// <summary>T = 2 with ᾱ_2 = 0.5, β_2 = β, β_3 = 1.25 β (β_1 fills the rest).</summary>
    private static NoiseSchedule ScheduleAround(double beta)
    {
        double beta1 = 1 - AlphaBarAtT / (1 - beta);
        return NoiseSchedule.FromBetas("local-order", 2, [beta1, beta, NextRatio * beta]);
    }

    private static double LogLogSlope(double[] x, double[] y)
    {
        int n = x.Length;
        double mx = x.Average(Math.Log);
        double my = y.Average(Math.Log);
        double sxy = 0;
        double sxx = 0;
        for (int i = 0; i < n; i++)
        {
            double dx = Math.Log(x[i]) - mx;
            sxy += dx * (Math.Log(y[i]) - my);
            sxx += dx * dx;
        }

        return sxy / sxx;
    }
}
