namespace Diffusion.Verify.Distances.Exact;

/// <summary>
/// One group of coordinates in which p = N(μ_p, v_p) and q = N(μ_q, v_q) per coordinate, independently,
/// <see cref="Multiplicity"/> times over.
/// </summary>
public readonly record struct CoordinatePair(int Multiplicity, double MeanP, double VarianceP, double MeanQ, double VarianceQ)
{
    /// <summary>μ_p − μ_q.</summary>
    public double Shift => MeanP - MeanQ;

    public bool Identical => MeanP == MeanQ && VarianceP == VarianceQ;

    /// <summary>The distinct coordinate pairs of two diagonal laws, with coordinates where p = q dropped.</summary>
    public static IReadOnlyList<CoordinatePair> Differing(GaussianLaw p, GaussianLaw q)
    {
        CoordinateGroups groups = CoordinateGroups.Of(p, q);
        var pairs = new List<CoordinatePair>(groups.Count);
        for (int g = 0; g < groups.Count; g++)
        {
            int j = groups.Representative(g);
            var pair = new CoordinatePair(groups.Multiplicity(g), p.Mean(j), p.Variance(j), q.Mean(j), q.Variance(j));
            if (!pair.Identical)
            {
                pairs.Add(pair);
            }
        }

        return pairs;
    }
}
