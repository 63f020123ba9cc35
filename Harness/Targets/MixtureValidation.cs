namespace Diffusion.Verify.Targets;

/// <summary>Checks shared by every mixture constructor; messages name the field and the value.</summary>
internal static class MixtureValidation
{
    /// <summary>
    /// The largest magnitude accepted for a mean coordinate, variance or covariance entry (and any number in
    /// a target or config). Squares of such values (≤ 1e100), summed over up to 1e7 coordinates and divided by
    /// a diffused variance (≥ 1 − ᾱ_1, far above 1e−100), stay below 1e210, so quadratic forms, log-densities
    /// and their exponentials after the max is subtracted remain finite; a mean of 1e308 squared is +∞.
    /// </summary>
    public const double MaxMagnitude = 1e50;

    public static void CheckMagnitude(double value, string field)
    {
        if (!(Math.Abs(value) <= MaxMagnitude))
        {
            throw new InvalidSpecificationException(field, value.ToString("R"), $"must be finite with magnitude at most {MaxMagnitude:G} (squares of larger values overflow in the densities and scores)");
        }
    }

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
                CheckMagnitude(means[i][j], $"means[{i}][{j}]");
            }
        }

        return d;
    }

    /// <summary>Each diagonal has <paramref name="dimension"/> finite, positive entries.</summary>
    public static void CheckDiagonals(IReadOnlyList<double[]> diagonals, int components, int dimension)
    {
        if (diagonals.Count != components)
        {
            throw new InvalidSpecificationException("diagonals", $"{diagonals.Count} vectors", $"need one diagonal per component ({components})");
        }

        for (int k = 0; k < components; k++)
        {
            CheckPositiveVector(diagonals[k], $"diagonals[{k}]", dimension, "a variance");
        }
    }

    /// <summary>A vector of <paramref name="dimension"/> finite, positive entries (variances or eigenvalues).</summary>
    public static void CheckPositiveVector(IReadOnlyList<double> values, string field, int dimension, string what)
    {
        if (values.Count != dimension)
        {
            throw new InvalidSpecificationException(field, $"{values.Count} values", $"need {dimension} values (the dimension of the means)");
        }

        for (int j = 0; j < dimension; j++)
        {
            if (!double.IsFinite(values[j]) || values[j] <= 0)
            {
                throw new InvalidSpecificationException($"{field}[{j}]", values[j].ToString("R"), $"{what} must be finite and positive");
            }

            CheckMagnitude(values[j], $"{field}[{j}]");
        }
    }

    /// <summary>
    /// Checks that <paramref name="covariance"/> is a d×d symmetric (within 1e−12 of its largest
    /// diagonal entry) positive-definite matrix with positive diagonal; returns its symmetrised,
    /// row-major copy.
    /// </summary>
    public static double[] CheckCovariance(double[][] covariance, string field, int dimension)
    {
        int d = dimension;
        if (covariance.Length != d)
        {
            throw new InvalidSpecificationException(field, $"{covariance.Length} rows", $"a covariance must be {d}×{d} (the dimension of the means)");
        }

        double scale = 0;
        for (int i = 0; i < d; i++)
        {
            if (covariance[i].Length != d)
            {
                throw new InvalidSpecificationException($"{field}[{i}]", $"{covariance[i].Length} entries", $"a covariance must be {d}×{d} (the dimension of the means)");
            }

            for (int j = 0; j < d; j++)
            {
                CheckMagnitude(covariance[i][j], $"{field}[{i}][{j}]");
            }

            if (covariance[i][i] <= 0)
            {
                throw new InvalidSpecificationException($"{field}[{i}][{i}]", covariance[i][i].ToString("R"), "diagonal entries of a covariance must be positive");
            }

            scale = Math.Max(scale, covariance[i][i]);
        }

        var symmetric = new double[d * d];
        for (int i = 0; i < d; i++)
        {
            for (int j = 0; j < d; j++)
            {
                double a = covariance[i][j];
                double b = covariance[j][i];
                if (Math.Abs(a - b) > 1e-12 * scale)
                {
                    throw new InvalidSpecificationException($"{field}[{i}][{j}]", $"{a:R} (but [{j}][{i}] = {b:R})", "a covariance must be symmetric within 1e-12 of its largest diagonal entry");
                }

                symmetric[i * d + j] = 0.5 * (a + b);
            }
        }

        return symmetric;
    }

    /// <summary>Q (d×d row-major) satisfies Q Qᵀ = I within 1e−9 entrywise (equivalent to QᵀQ = I for square Q).</summary>
    public static void CheckOrthogonal(double[] q, string field, int dimension)
    {
        int d = dimension;
        if (q.Length != d * d)
        {
            throw new InvalidSpecificationException(field, $"{q.Length} entries", $"need a {d}×{d} row-major matrix ({d * d} entries)");
        }

        for (int i = 0; i < d; i++)
        {
            for (int l = 0; l <= i; l++)
            {
                double dot = System.Numerics.Tensors.TensorPrimitives.Dot<double>(q.AsSpan(i * d, d), q.AsSpan(l * d, d));
                double expected = i == l ? 1.0 : 0.0;
                if (!(Math.Abs(dot - expected) <= 1e-9))
                {
                    throw new InvalidSpecificationException(field, $"row {i} · row {l} = {dot:R}", "eigenvectors must be orthonormal within 1e-9");
                }
            }
        }
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
