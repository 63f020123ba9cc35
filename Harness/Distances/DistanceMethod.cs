namespace Diffusion.Verify.Distances;

/// <summary>How a distance was computed (DESIGN §5).</summary>
public enum DistanceMethod
{
    Auto,
    Exact,
    Quadrature,
    DensityMonteCarlo,
    Samples,
}
