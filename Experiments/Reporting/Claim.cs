using Diffusion.Verify.Experiments.Pipeline;

namespace Diffusion.Verify.Experiments.Reporting;

/// <summary>
/// One statement of DESIGN §1 to check: <see cref="Sampler"/>'s <see cref="Metric"/> decays at least as
/// fast as T^<see cref="BoundSlopeInT"/> (up to log factors).
/// </summary>
public sealed record Claim(string Id, string Statement, string Sampler, string Metric, double BoundSlopeInT)
{
    public static IReadOnlyList<Claim> All { get; } =
    [
        new("C1", "acc-ode: TV = O(1/T²)", "acc-ode", Metrics.Tv, -2),
        new("C2", "ddim-type: TV = O(1/T)", "ddim-type", Metrics.Tv, -1),
        new("C3a", "acc-sde: TV = O(1/T) (marginal TV)", "acc-sde", Metrics.Tv, -1),
        new("C3b", "acc-sde: √(pathKL/2) = O(1/T) (the quantity the proof bounds)", "acc-sde", Metrics.PinskerPathKl, -1),
        new("C3c", "acc-sde-inside: TV = O(1/T) (marginal TV)", "acc-sde-inside", Metrics.Tv, -1),
        new("C3d", "acc-sde-inside: √(pathKL/2) = O(1/T)", "acc-sde-inside", Metrics.PinskerPathKl, -1),
        new("C4a", "ddpm-type: TV = O(1/√T) (marginal TV)", "ddpm-type", Metrics.Tv, -0.5),
        new("C4b", "ddpm-type: √(pathKL/2) = O(1/√T)", "ddpm-type", Metrics.PinskerPathKl, -0.5),
    ];

    /// <summary>Accelerated/vanilla pairs whose error ratio is reported against T.</summary>
    public static IReadOnlyList<(string Accelerated, string Vanilla)> Pairs { get; } =
    [
        ("acc-ode", "ddim-type"),
        ("acc-ode-ms", "ddim-type"),
        ("acc-sde", "ddpm-type"),
        ("acc-sde-inside", "ddpm-type"),
    ];
}
