using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Targets;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>The catalog lists DESIGN §4's samplers in order, and each runs to finite values on extreme grids.</summary>
public sealed class SamplerCatalogTests
{
    [Fact]
    public void CatalogListsTheDesignSamplersInOrder()
    {
        Assert.Equal(
            ["ddim-type", "ddpm-type", "acc-ode", "acc-ode-ms", "acc-sde", "acc-sde-inside", "ddim", "ddpm-posterior", "dpm-solver-2"],
            SamplerCatalog.Names);
        Assert.Equal(2, SamplerCatalog.Get("acc-ode").EvaluationsPerStep);
        Assert.Equal(2, SamplerCatalog.Get("dpm-solver-2").EvaluationsPerStep);
        Assert.All(SamplerCatalog.Samplers.Where(s => s.Name is not ("acc-ode" or "dpm-solver-2")), s => Assert.Equal(1, s.EvaluationsPerStep));
        Assert.Equal(["acc-sde", "acc-sde-inside", "ddpm-posterior", "ddpm-type"], SamplerCatalog.Samplers.Where(s => s.IsStochastic).Select(s => s.Name).Order());
    }

    public static TheoryData<string, string, int> ExtremeGrids()
    {
        var data = new TheoryData<string, string, int>();
        foreach (string name in SamplerCatalog.Names)
        {
            // li2024 at T = 1000 has β_1 = 1e−6; logsnr at T = 6 has steps of Δλ ≈ 10 down to ᾱ_T ≈ e^{−40}.
            data.Add(name, "li2024", 1000);
            data.Add(name, "logsnr", 6);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ExtremeGrids))]
    public void RunsToFiniteValuesOnExtremeGrids(string name, string schedule, int steps)
    {
        Sampler sampler = SamplerCatalog.Get(name);
        IsotropicMixture target = SamplerTestTargets.Anisotropic3D();
        SampleSet result = SamplerRunner.Run(sampler, new ScheduleSpec(schedule).Build(steps), SamplerTestTargets.Exact(target), target, new SamplingOptions
        {
            Samples = 20,
            AccumulateLogDeterminant = !sampler.IsStochastic,
            MaxDegreeOfParallelism = 1,
        });

        Assert.All(result.Output, y => Assert.True(double.IsFinite(y)));
        Assert.Equal(sampler.EvaluationsPerStep * (steps - 1), result.FunctionEvaluations);
        if (result.LogDeterminant is { } logDet)
        {
            Assert.All(logDet, v => Assert.True(double.IsFinite(v)));
        }
    }
}
