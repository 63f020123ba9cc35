namespace Diffusion.Verify.Samplers;

/// <summary>The samplers by CLI name (DESIGN §4).</summary>
public static class SamplerCatalog
{
    private static readonly Sampler[] All =
    [
        new DdimTypeSampler(),
        new DdpmTypeSampler(),
        new AccOdeSampler(),
        new AccOdeMultistepSampler(),
        new AccSdeSampler(),
        new AccSdeInsideSampler(),
        new DdimSampler(),
        new DdpmPosteriorSampler(),
        new DpmSolver2Sampler(),
    ];

    public static IReadOnlyList<Sampler> Samplers => All;

    public static IReadOnlyList<string> Names => All.Select(s => s.Name).ToArray();

    public static Sampler Get(string name) =>
        All.FirstOrDefault(s => s.Name == name)
        ?? throw new InvalidSpecificationException("sampler", name, $"known samplers: {string.Join(", ", Names)}");
}
