using System.Text.Json;

namespace Diffusion.Verify.Targets;

/// <summary>Typed reads of JSON fields with messages that name the path and the value.</summary>
public static class JsonFields
{
    public static void AllowOnly(JsonElement e, string path, params string[] allowed)
    {
        RequireObject(e, path);
        foreach (JsonProperty p in e.EnumerateObject())
        {
            if (Array.IndexOf(allowed, p.Name) < 0)
            {
                throw new InvalidSpecificationException($"{path}.{p.Name}", Show(p.Value), $"unknown key; allowed here: {string.Join(", ", allowed)}");
            }
        }
    }

    public static bool Has(JsonElement e, string name) => e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out _);

    public static JsonElement Required(JsonElement e, string path, string name)
    {
        RequireObject(e, path);
        if (!e.TryGetProperty(name, out JsonElement value))
        {
            throw new InvalidSpecificationException($"{path}.{name}", "(missing)", "this field is required");
        }

        return value;
    }

    public static string String(JsonElement e, string path, string name)
    {
        JsonElement v = Required(e, path, name);
        if (v.ValueKind != JsonValueKind.String)
        {
            throw new InvalidSpecificationException($"{path}.{name}", Show(v), "must be a string");
        }

        return v.GetString()!;
    }

    public static double Number(JsonElement e, string path, string name)
    {
        JsonElement v = Required(e, path, name);
        return Number(v, $"{path}.{name}");
    }

    /// <summary>
    /// A finite number of magnitude at most <see cref="MixtureValidation.MaxMagnitude"/>: every number of a
    /// target or config, so that values the arithmetic cannot carry are refused here, at their JSON path.
    /// </summary>
    public static double Number(JsonElement v, string path)
    {
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out double x) || !double.IsFinite(x))
        {
            throw new InvalidSpecificationException(path, Show(v), "must be a finite number");
        }

        MixtureValidation.CheckMagnitude(x, path);
        return x;
    }

    public static int Integer(JsonElement e, string path, string name, int min, int max)
    {
        JsonElement v = Required(e, path, name);
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out int x) || x < min || x > max)
        {
            throw new InvalidSpecificationException($"{path}.{name}", Show(v), $"must be an integer from {min} to {max}");
        }

        return x;
    }

    public static double[] Vector(JsonElement e, string path, string name) => Vector(Required(e, path, name), $"{path}.{name}");

    public static double[] Vector(JsonElement v, string path)
    {
        if (v.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidSpecificationException(path, Show(v), "must be an array of numbers");
        }

        var result = new double[v.GetArrayLength()];
        int i = 0;
        foreach (JsonElement item in v.EnumerateArray())
        {
            result[i] = Number(item, $"{path}[{i}]");
            i++;
        }

        return result;
    }

    public static double[][] Matrix(JsonElement e, string path, string name) => Matrix(Required(e, path, name), $"{path}.{name}");

    /// <summary>An array of matrices (one covariance per component).</summary>
    public static double[][][] Matrices(JsonElement e, string path, string name)
    {
        JsonElement v = Required(e, path, name);
        string p = $"{path}.{name}";
        if (v.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidSpecificationException(p, Show(v), "must be an array of matrices (arrays of arrays of numbers)");
        }

        var result = new double[v.GetArrayLength()][][];
        int i = 0;
        foreach (JsonElement item in v.EnumerateArray())
        {
            result[i] = Matrix(item, $"{p}[{i}]");
            i++;
        }

        return result;
    }

    public static double OptionalNumber(JsonElement e, string path, string name, double fallback)
        => Has(e, name) ? Number(e, path, name) : fallback;

    public static int OptionalInteger(JsonElement e, string path, string name, int min, int max, int fallback)
        => Has(e, name) ? Integer(e, path, name, min, max) : fallback;

    public static double[][] Matrix(JsonElement v, string p)
    {
        if (v.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidSpecificationException(p, Show(v), "must be an array of arrays of numbers");
        }

        var rows = new double[v.GetArrayLength()][];
        int i = 0;
        foreach (JsonElement item in v.EnumerateArray())
        {
            rows[i] = Vector(item, $"{p}[{i}]");
            i++;
        }

        return rows;
    }

    private static void RequireObject(JsonElement e, string path)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidSpecificationException(path, Show(e), "must be a JSON object");
        }
    }

    /// <summary>A JSON value as it stands in the file, cut to 60 characters, for error messages.</summary>
    public static string Show(JsonElement v)
    {
        string text = v.GetRawText();
        return text.Length > 60 ? text[..57] + "..." : text;
    }
}
