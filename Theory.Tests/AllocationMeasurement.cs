namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// Tests that measure allocated bytes (process-wide: GC.GetTotalAllocatedBytes) run alone, so that other test
/// classes running in parallel do not add their allocations to the measurement.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationMeasurement
{
    public const string Name = "allocation measurement (runs alone)";
}
