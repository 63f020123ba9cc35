namespace Diffusion.Verify.Distances.Samples;

/// <summary>
/// k-NN estimates of one KL divergence for k = 1 … <see cref="MaxNeighbours"/>: index k − 1 of
/// <see cref="ByNeighbours"/> holds the estimate with k neighbours, from <see cref="SampleCount"/> points.
/// </summary>
public sealed record NearestNeighbourKlEstimate(IReadOnlyList<Estimate> ByNeighbours, int SampleCount)
{
    public int MaxNeighbours => ByNeighbours.Count;

    public Estimate With(int neighbours) => ByNeighbours[neighbours - 1];
}
