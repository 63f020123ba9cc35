namespace Diffusion.Verify.Distances.Samples;

/// <summary>Knobs of the `samples` evaluator (<see cref="SampleDistance"/>).</summary>
public sealed record SampleDistanceSettings
{
    /// <summary>Random unit directions added to the caller's (or the mixture means') directions.</summary>
    public int RandomDirections { get; init; } = 8;

    public ProjectionTvOptions Projection { get; init; } = new();

    /// <summary>Size of the independent q_1 sample whose projected quantiles are the bin edges.</summary>
    public int EdgeSamples { get; init; } = 4096;

    /// <summary>The k whose k-NN KL estimate is reported; estimates for 1..k are all computed.</summary>
    public int Neighbours { get; init; } = 5;

    /// <summary>Disjoint sub-samples for the k-NN KL standard error.</summary>
    public int StandardErrorBatches { get; init; } = 10;
}
