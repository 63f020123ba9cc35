using System.Numerics.Tensors;
using Diffusion.Verify.Randomness;

namespace Diffusion.Verify.Distances.Samples;

/// <summary>A named unit vector onto which samples are projected for a TV lower bound.</summary>
public sealed record ProjectionTvDirection
{
    private ProjectionTvDirection(string name, double[] unit)
    {
        Name = name;
        Unit = unit;
    }

    public string Name { get; }

    /// <summary>The unit vector (length d).</summary>
    public double[] Unit { get; }

    public int Dimension => Unit.Length;

    /// <summary>The direction of <paramref name="vector"/>, or null when it is (numerically) zero.</summary>
    public static ProjectionTvDirection? Along(string name, ReadOnlySpan<double> vector)
    {
        double norm = TensorPrimitives.Norm(vector);
        if (!(norm > 0) || !double.IsFinite(norm))
        {
            return null;
        }

        var unit = new double[vector.Length];
        TensorPrimitives.Divide(vector, norm, unit);
        return new ProjectionTvDirection(name, unit);
    }

    /// <summary>
    /// The mixture means' directions: each non-zero mean, and each pairwise difference (the directions
    /// along which components separate, where weight errors show).
    /// </summary>
    public static IReadOnlyList<ProjectionTvDirection> FromMeans(IReadOnlyList<double[]> means)
    {
        var directions = new List<ProjectionTvDirection>();
        for (int i = 0; i < means.Count; i++)
        {
            Add(directions, Along($"mean {i}", means[i]));
        }

        for (int i = 0; i < means.Count; i++)
        {
            for (int j = i + 1; j < means.Count; j++)
            {
                var difference = new double[means[i].Length];
                TensorPrimitives.Subtract(means[i], means[j], difference);
                Add(directions, Along($"mean {i} − mean {j}", difference));
            }
        }

        return directions;
    }

    /// <summary>Uniform random unit vectors, a pure function of (seed, index), from the evaluation stream.</summary>
    public static IReadOnlyList<ProjectionTvDirection> Random(int dimension, int count, long seed)
    {
        var directions = new List<ProjectionTvDirection>();
        var v = new double[dimension];
        for (int j = 0; j < count; j++)
        {
            CounterRandom.FillStandardNormal(CounterRandom.Key(seed, RandomStream.Evaluation, RandomDirectionStep, j), v);
            Add(directions, Along($"random {j}", v));
        }

        return directions;
    }

    /// <summary>The list without directions parallel or antiparallel to an earlier one (|cos| > 1 − 10⁻⁹).</summary>
    public static IReadOnlyList<ProjectionTvDirection> Distinct(IEnumerable<ProjectionTvDirection> directions)
    {
        var kept = new List<ProjectionTvDirection>();
        foreach (ProjectionTvDirection direction in directions)
        {
            Add(kept, direction);
        }

        return kept;
    }

    private const int RandomDirectionStep = 1_000_001;

    private static void Add(List<ProjectionTvDirection> directions, ProjectionTvDirection? candidate)
    {
        if (candidate is null)
        {
            return;
        }

        foreach (ProjectionTvDirection existing in directions)
        {
            if (existing.Dimension != candidate.Dimension)
            {
                throw new InvalidSpecificationException("directions", candidate.Name, $"all directions need the same dimension ({existing.Dimension})");
            }

            if (Math.Abs(TensorPrimitives.Dot<double>(existing.Unit, candidate.Unit)) > 1 - 1e-9)
            {
                return;
            }
        }

        directions.Add(candidate);
    }
}
