using System.Text.Json;

namespace Diffusion.Verify.Targets;

/// <summary>
/// Reads a target from its JSON description (the format in the README). Every error names the JSON
/// path and the offending value: readers check types and keys with full paths, and errors raised by
/// the targets' constructors (which name fields relative to the object, e.g. "weights[1]") are
/// re-raised with the object's path in front (e.g. "$.core.weights[1]").
/// </summary>
/// <example>
/// { "kind": "gmm", "weights": [0.5, 0.5], "means": [[-2], [2]], "variances": [0.25, 0.25] }
/// (or "diagonals": [[…], …] or "covariances": [[[…], …], …] instead of "variances")
/// { "kind": "gaussian", "dimension": 1000, "variance": 4.0 }  (optional "mean", or "spectrum" + "seed")
/// { "kind": "embedded", "dimension": 1000, "complementVariance": 1.0, "seed": 0, "core": { "kind": "gmm", … } }
/// { "kind": "random-gmm", "dimension": 32, "components": 8, "meanScale": 2.0, "covariance": "full", "seed": 7 }
/// </example>
public static class TargetJson
{
    public static IReadOnlyList<string> Kinds { get; } = ["gmm", "gaussian", "embedded", "random-gmm"];

    private static readonly string[] MixtureCovarianceFields = ["variances", "diagonals", "covariances"];

    public static IDiffusedTarget Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new InvalidSpecificationException("$", "(not JSON)", $"the target is not valid JSON: {e.Message}");
        }

        using (document)
        {
            return Read(document.RootElement, "$");
        }
    }

    public static IDiffusedTarget Read(JsonElement e, string path)
    {
        string kind = JsonFields.String(e, path, "kind");
        return kind switch
        {
            "gmm" => ReadMixture(e, path),
            "gaussian" => ReadGaussian(e, path),
            "embedded" => ReadEmbedded(e, path),
            "random-gmm" => ReadRandomMixture(e, path),
            _ => throw new InvalidSpecificationException($"{path}.kind", kind, $"known target kinds: {string.Join(", ", Kinds)}"),
        };
    }

    private static IDiffusedTarget ReadMixture(JsonElement e, string path)
    {
        JsonFields.AllowOnly(e, path, "kind", "weights", "means", "variances", "diagonals", "covariances");
        double[] weights = JsonFields.Vector(e, path, "weights");
        double[][] means = JsonFields.Matrix(e, path, "means");
        string[] given = MixtureCovarianceFields.Where(name => JsonFields.Has(e, name)).ToArray();
        if (given.Length != 1)
        {
            string value = given.Length == 0 ? "(missing)" : $"(given together: {string.Join(", ", given)})";
            throw new InvalidSpecificationException($"{path}.{(given.Length == 0 ? "variances" : given[1])}", value, "give exactly one of variances (isotropic), diagonals, covariances (full)");
        }

        return given[0] switch
        {
            "variances" => Construct(path, () => new IsotropicMixture(weights, means, JsonFields.Vector(e, path, "variances"))),
            "diagonals" => Construct(path, () => GeneralMixture.FromDiagonals(weights, means, JsonFields.Matrix(e, path, "diagonals"))),
            _ => Construct(path, () => GeneralMixture.FromCovariances(weights, means, JsonFields.Matrices(e, path, "covariances"))),
        };
    }

    private static IDiffusedTarget ReadGaussian(JsonElement e, string path)
    {
        JsonFields.AllowOnly(e, path, "kind", "dimension", "variance", "spectrum", "mean", "seed");
        int d = JsonFields.Integer(e, path, "dimension", 1, EmbeddedMixture.MaxDimension);
        double[]? mean = JsonFields.Has(e, "mean") ? JsonFields.Vector(e, path, "mean") : null;
        bool hasVariance = JsonFields.Has(e, "variance");
        bool hasSpectrum = JsonFields.Has(e, "spectrum");
        if (hasVariance == hasSpectrum)
        {
            throw new InvalidSpecificationException($"{path}.variance", hasVariance ? "(given together with spectrum)" : "(missing)", "give exactly one of variance (isotropic) or spectrum (eigenvalues, random eigenvectors)");
        }

        if (hasVariance)
        {
            if (JsonFields.Has(e, "seed"))
            {
                throw new InvalidSpecificationException($"{path}.seed", e.GetProperty("seed").GetRawText(), "seed only applies with spectrum (it draws the eigenvectors)");
            }

            double variance = JsonFields.Number(e, path, "variance");
            return Construct(path, () => GaussianTarget.Isotropic(d, variance, mean));
        }

        double[] spectrum = JsonFields.Vector(e, path, "spectrum");
        if (spectrum.Length != d)
        {
            throw new InvalidSpecificationException($"{path}.spectrum", $"{spectrum.Length} values", $"need one eigenvalue per dimension ({d})");
        }

        int seed = JsonFields.OptionalInteger(e, path, "seed", 0, int.MaxValue, 0);
        return Construct(path, () => GaussianTarget.WithRandomEigenvectors(spectrum, mean, seed));
    }

    private static IDiffusedTarget ReadEmbedded(JsonElement e, string path)
    {
        JsonFields.AllowOnly(e, path, "kind", "dimension", "complementVariance", "seed", "core");
        int d = JsonFields.Integer(e, path, "dimension", 1, EmbeddedMixture.MaxDimension);
        double complementVariance = JsonFields.Number(e, path, "complementVariance");
        int seed = JsonFields.OptionalInteger(e, path, "seed", 0, int.MaxValue, 0);
        JsonElement coreElement = JsonFields.Required(e, path, "core");
        string corePath = $"{path}.core";
        if (JsonFields.String(coreElement, corePath, "kind") == "embedded")
        {
            throw new InvalidSpecificationException($"{corePath}.kind", "embedded", "the core must be a mixture (gmm, gaussian or random-gmm), not another embedded target");
        }

        IDiffusedTarget core = Read(coreElement, corePath);
        return Construct(path, () => new EmbeddedMixture(core, d, complementVariance, seed));
    }

    private static IDiffusedTarget ReadRandomMixture(JsonElement e, string path)
    {
        JsonFields.AllowOnly(e, path, "kind", "dimension", "components", "meanScale", "covariance", "seed", "variance");
        int d = JsonFields.Integer(e, path, "dimension", 1, EmbeddedMixture.MaxDimension);
        int components = JsonFields.Integer(e, path, "components", 1, 100_000);
        double meanScale = JsonFields.Number(e, path, "meanScale");
        string form = JsonFields.String(e, path, "covariance");
        CovarianceForm covariance = form switch
        {
            "isotropic" => CovarianceForm.Isotropic,
            "diagonal" => CovarianceForm.Diagonal,
            "full" => CovarianceForm.Full,
            _ => throw new InvalidSpecificationException($"{path}.covariance", $"\"{form}\"", "known covariance forms: isotropic, diagonal, full"),
        };
        int seed = JsonFields.OptionalInteger(e, path, "seed", 0, int.MaxValue, 0);
        double variance = JsonFields.OptionalNumber(e, path, "variance", RandomGaussianMixture.DefaultVariance);

        // K means of d values; K diagonals besides; K dense d × d eigenbases and precisions for full ones.
        double perComponent = covariance == CovarianceForm.Full ? (double)d * d : d;
        MemoryBudget.Check(
            $"{path}.components",
            components.ToString(System.Globalization.CultureInfo.InvariantCulture),
            $"{components} components of {(covariance == CovarianceForm.Full ? $"{d} × {d}" : $"{d}")} values",
            components * perComponent,
            3 * components * perComponent);
        return Construct(path, () => RandomGaussianMixture.Create(d, components, meanScale, covariance, seed, variance));
    }

    /// <summary>Runs a constructor, putting the object's JSON path in front of the field its errors name.</summary>
    private static IDiffusedTarget Construct(string path, Func<IDiffusedTarget> construct)
    {
        try
        {
            return construct();
        }
        catch (InvalidSpecificationException error) when (!error.Field.StartsWith('$'))
        {
            throw new InvalidSpecificationException($"{path}.{error.Field}", error.Value, error.Expectation);
        }
    }
}
