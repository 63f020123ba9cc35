using System.Numerics.Tensors;
using Diffusion.Verify.Randomness;

namespace Diffusion.Verify.Scores;

/// <summary>
/// Random directions and phases of perturbed scores, pure functions of (seed, index) on the
/// <see cref="RandomStream.ScorePerturbation"/> stream, so a perturbed score is replayable from its seed.
/// </summary>
internal static class PerturbationDirection
{
    /// <summary>A uniformly distributed unit vector (a normalised standard normal draw).</summary>
    public static double[] RandomUnit(int dimension, long seed, int index)
    {
        var direction = new double[dimension];
        ulong key = CounterRandom.Key(seed, RandomStream.ScorePerturbation, 0, index);
        CounterRandom.FillStandardNormal(key, direction);
        double norm = TensorPrimitives.Norm<double>(direction);
        if (!(norm > 0))
        {
            // Probability zero for d ≥ 1; kept so the contract "unit vector" can never silently fail.
            direction[0] = 1.0;
            norm = 1.0;
        }

        TensorPrimitives.Divide(direction, norm, direction);
        return direction;
    }

    /// <summary>A phase uniform on [0, 2π).</summary>
    public static double RandomPhase(long seed, int index)
    {
        ulong key = CounterRandom.Key(seed, RandomStream.ScorePerturbation, 0, index);
        return 2.0 * Math.PI * CounterRandom.Uniform(key, 0);
    }

    /// <summary>Copies a user-given direction after checking it has length d and unit norm.</summary>
    public static double[] CheckedUnit(ReadOnlySpan<double> direction, int dimension, string field)
    {
        if (direction.Length != dimension)
        {
            throw new InvalidSpecificationException(field, $"{direction.Length} values", $"need a vector of dimension d = {dimension}");
        }

        foreach (double value in direction)
        {
            if (!double.IsFinite(value))
            {
                throw new InvalidSpecificationException(field, value.ToString("R"), "entries must be finite");
            }
        }

        double norm = TensorPrimitives.Norm(direction);
        if (Math.Abs(norm - 1.0) > 1e-9)
        {
            throw new InvalidSpecificationException(field, $"norm {norm:R}", "must be a unit vector (the perturbation's size is set by its magnitude alone)");
        }

        return direction.ToArray();
    }

    /// <summary>"kind(params)" for an exact inner score, "kind(params)∘inner" otherwise.</summary>
    public static string Describe(string perturbation, IScore inner)
        => inner.Description == "exact" ? perturbation : $"{perturbation}∘{inner.Description}";
}
