namespace Diffusion.Verify.Distances.Exact;

/// <summary>
/// Coordinates that share identical parameters, so that work done per coordinate is done once per distinct
/// parameter set: an isotropic Gaussian in d = 1000 is one group of multiplicity 1000.
/// </summary>
public sealed class CoordinateGroups
{
    private readonly int[] _representative;
    private readonly int[] _multiplicity;
    private readonly int[] _groupOf;

    private CoordinateGroups(int[] representative, int[] multiplicity, int[] groupOf)
    {
        _representative = representative;
        _multiplicity = multiplicity;
        _groupOf = groupOf;
    }

    /// <summary>Number of distinct groups.</summary>
    public int Count => _representative.Length;

    /// <summary>Number of coordinates.</summary>
    public int Dimension => _groupOf.Length;

    /// <summary>The first coordinate of group g.</summary>
    public int Representative(int g) => _representative[g];

    /// <summary>How many coordinates group g holds.</summary>
    public int Multiplicity(int g) => _multiplicity[g];

    /// <summary>The group coordinate j belongs to.</summary>
    public int GroupOf(int j) => _groupOf[j];

    /// <summary>Groups the coordinates of one law by (mean, variance).</summary>
    public static CoordinateGroups Of(GaussianLaw law) =>
        Of(law.Dimension, j => (law.Mean(j), law.Variance(j), 0.0, 0.0));

    /// <summary>Groups the coordinates of a pair of laws of equal dimension by (mean_p, variance_p, mean_q, variance_q).</summary>
    public static CoordinateGroups Of(GaussianLaw p, GaussianLaw q)
    {
        if (p.Dimension != q.Dimension)
        {
            throw new InvalidSpecificationException("gaussian", $"d = {p.Dimension} vs d = {q.Dimension}", "the two laws must have the same dimension");
        }

        return Of(p.Dimension, j => (p.Mean(j), p.Variance(j), q.Mean(j), q.Variance(j)));
    }

    private static CoordinateGroups Of(int dimension, Func<int, (double, double, double, double)> key)
    {
        var index = new Dictionary<(double, double, double, double), int>();
        var representative = new List<int>();
        var multiplicity = new List<int>();
        var groupOf = new int[dimension];
        for (int j = 0; j < dimension; j++)
        {
            var k = key(j);
            if (!index.TryGetValue(k, out int g))
            {
                g = representative.Count;
                index.Add(k, g);
                representative.Add(j);
                multiplicity.Add(0);
            }

            multiplicity[g]++;
            groupOf[j] = g;
        }

        return new CoordinateGroups(representative.ToArray(), multiplicity.ToArray(), groupOf);
    }
}
