namespace Diffusion.Verify.Targets;

/// <summary>Checks shared by every mixture constructor; messages name the field and the value.</summary>
internal static class MixtureValidation
{
    public static void CheckWeights(IReadOnlyList<double> weights)
    {
        if (weights.Count == 0)
        {
            throw new InvalidSpecificationException("weights", "[]", "a mixture needs at least one component");
        }

        double sum = 0;
        for (int i = 0; i < weights.Count; i++)
        {
            if (!double.IsFinite(weights[i]) || weights[i] <= 0)
            {
                throw new InvalidSpecificationException($"weights[{i}]", weights[i].ToString("R"), "weights must be finite and positive");
            }

            sum += weights[i];
        }

        if (Math.Abs(sum - 1.0) > 1e-9)
        {
            throw new InvalidSpecificationException("weights", $"sum {sum:R}", "weights must sum to 1 within 1e-9");
        }
    }

    /// <summary>Returns the common dimension of the means.</summary>
    public static int CheckMeans(IReadOnlyList<double[]> means, int components)
    {
        if (means.Count != components)
        {
            throw new InvalidSpecificationException("means", $"{means.Count} vectors", $"need one mean per component ({components})");
        }

        int d = means[0].Length;
        if (d < 1)
        {
            throw new InvalidSpecificationException("means[0]", "[]", "a mean needs at least one coordinate");
        }

        for (int i = 0; i < components; i++)
        {
            if (means[i].Length != d)
            {
                throw new InvalidSpecificationException($"means[{i}]", $"{means[i].Length} coordinates", $"all means need the same dimension ({d}, as means[0])");
            }

            for (int j = 0; j < d; j++)
            {
                if (!double.IsFinite(means[i][j]))
                {
                    throw new InvalidSpecificationException($"means[{i}][{j}]", means[i][j].ToString("R"), "must be finite");
                }
            }
        }

        return d;
    }

    /// <summary>The component whose cumulative weight first exceeds u ∈ [0, 1).</summary>
    public static int PickComponent(IReadOnlyList<double> weights, double u)
    {
        double cumulative = 0;
        for (int c = 0; c < weights.Count - 1; c++)
        {
            cumulative += weights[c];
            if (u < cumulative)
            {
                return c;
            }
        }

        return weights.Count - 1;
    }
}
