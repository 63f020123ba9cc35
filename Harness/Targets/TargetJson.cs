using System.Text.Json;

namespace Diffusion.Verify.Targets;

/// <summary>
/// Reads a target from its JSON description (the format in the README). Every error names the JSON
/// path and the offending value.
/// </summary>
public static class TargetJson
{
    public static IReadOnlyList<string> Kinds { get; } = ["gmm", "gaussian", "embedded", "random-gmm"];

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
            _ => throw new InvalidSpecificationException($"{path}.kind", kind, $"known target kinds: {string.Join(", ", Kinds)}"),
        };
    }

    private static IDiffusedTarget ReadMixture(JsonElement e, string path)
    {
        JsonFields.AllowOnly(e, path, "kind", "weights", "means", "variances", "diagonals", "covariances");
        double[] weights = JsonFields.Vector(e, path, "weights");
        double[][] means = JsonFields.Matrix(e, path, "means");
        double[] variances = JsonFields.Vector(e, path, "variances");
        return new IsotropicMixture(weights, means, variances);
    }
}
