namespace Diffusion.Verify.Distances;

/// <summary>CLI and config names of <see cref="DistanceMethod"/>.</summary>
public static class DistanceMethods
{
    public static IReadOnlyList<string> Names { get; } = ["auto", "exact", "quadrature", "density-mc", "samples"];

    public static string Name(DistanceMethod method) => method switch
    {
        DistanceMethod.Auto => "auto",
        DistanceMethod.Exact => "exact",
        DistanceMethod.Quadrature => "quadrature",
        DistanceMethod.DensityMonteCarlo => "density-mc",
        DistanceMethod.Samples => "samples",
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, null),
    };

    public static DistanceMethod Parse(string name, string field) => name switch
    {
        "auto" => DistanceMethod.Auto,
        "exact" => DistanceMethod.Exact,
        "quadrature" => DistanceMethod.Quadrature,
        "density-mc" => DistanceMethod.DensityMonteCarlo,
        "samples" => DistanceMethod.Samples,
        _ => throw new InvalidSpecificationException(field, name, $"allowed: {string.Join(", ", Names)}"),
    };
}
