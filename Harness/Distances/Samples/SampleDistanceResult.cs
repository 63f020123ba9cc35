namespace Diffusion.Verify.Distances.Samples;

/// <summary>
/// Everything the `samples` evaluator measured: the projection TV lower bound and the k-NN KL(p‖q), each
/// beside its floor (the same estimator on two independent samples of q_1 of the same size), the
/// directions used, and whether each value is within its floor (<see cref="SampleDistance.IsBelowFloor"/>).
/// </summary>
public sealed record SampleDistanceResult(
    ProjectionTvEstimate TotalVariation,
    ProjectionTvEstimate TotalVariationFloor,
    NearestNeighbourKlEstimate Kl,
    NearestNeighbourKlEstimate KlFloor,
    int Neighbours,
    IReadOnlyList<ProjectionTvDirection> Directions)
{
    public bool TotalVariationBelowFloor => SampleDistance.IsBelowFloor(TotalVariation.LowerBound, TotalVariationFloor.LowerBound);

    public bool KlBelowFloor => SampleDistance.IsBelowFloor(Kl.With(Neighbours), KlFloor.With(Neighbours));

    /// <summary>The common report: TV = projection lower bound, KL(p‖q) = k-NN estimate, floors filled, flags in the notes.</summary>
    public DistanceReport ToReport()
    {
        var notes = new List<string>
        {
            "TV is a held-out projection lower bound",
            $"KL(p‖q) by reference-corrected {Neighbours}-NN plug-in",
        };
        if (TotalVariationBelowFloor)
        {
            notes.Add("TV below floor");
        }

        if (KlBelowFloor)
        {
            notes.Add("KL below floor");
        }

        return new DistanceReport(
            TotalVariation.LowerBound,
            Kl.With(Neighbours),
            null,
            null,
            DistanceMethod.Samples,
            TotalVariation.SampleCount,
            TotalVariationFloor.LowerBound,
            KlFloor.With(Neighbours),
            string.Join("; ", notes));
    }
}
