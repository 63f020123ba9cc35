using System.Text.Json;
using System.Text.Json.Nodes;
using Diffusion.Verify.Distances;
using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Scores;
using Diffusion.Verify.Targets;

namespace Diffusion.Verify.Experiments.Configuration;

/// <summary>
/// One experiment: a target (inline or a file beside the config), samplers, schedules, the T values (and
/// optionally dimensions and score perturbations) to sweep, and how to measure. Read from JSON; every
/// error names the JSON path, the value and what is allowed. <c>quick</c> overrides a few fields for
/// the smoke run.
/// </summary>
public sealed record ExperimentConfig(
    string Name,
    string Title,
    string SourcePath,
    string TargetJson,
    IReadOnlyList<string> Samplers,
    IReadOnlyList<ScheduleSpec> Schedules,
    IReadOnlyList<int> Steps,
    IReadOnlyList<int>? Dimensions,
    IReadOnlyList<ScorePerturbationSpec> Perturbations,
    StartDistribution Start,
    DistanceMethod Method,
    int Samples,
    long Seed)
{
    private static readonly string[] Keys =
        ["name", "title", "description", "target", "samplers", "schedules", "steps", "dimensions", "perturbations", "start", "method", "n", "seed", "quick"];

    private static readonly string[] QuickKeys = ["samplers", "schedules", "steps", "dimensions", "perturbations", "n"];

    public static ExperimentConfig Load(string path, bool quick)
    {
        if (!File.Exists(path))
        {
            throw new InvalidSpecificationException("config", path, "no such file");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new InvalidSpecificationException(path, "(not JSON)", e.Message);
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            string p = Path.GetFileName(path) + ":$";
            JsonFields.AllowOnly(root, p, Keys);
            JsonElement overrides = default;
            bool hasQuick = quick && root.TryGetProperty("quick", out overrides);
            if (hasQuick)
            {
                JsonFields.AllowOnly(overrides, $"{p}.quick", QuickKeys);
            }

            JsonElement Pick(string key, out string where)
            {
                if (hasQuick && overrides.TryGetProperty(key, out JsonElement q))
                {
                    where = $"{p}.quick";
                    return overrides;
                }

                where = p;
                return root;
            }

            string name = JsonFields.String(root, p, "name");
            if (name.Length == 0 || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_')))
            {
                throw new InvalidSpecificationException($"{p}.name", name, "use letters, digits, '-' and '_' only (it names output files)");
            }

            string title = JsonFields.Has(root, "title") ? JsonFields.String(root, p, "title") : name;
            string targetJson = ReadTarget(root, p, path);

            JsonElement e = Pick("samplers", out string wp);
            var samplers = JsonFields.Has(e, "samplers") ? ReadStrings(e, wp, "samplers") : SamplerCatalog.Names.ToList();
            for (int i = 0; i < samplers.Count; i++)
            {
                if (!SamplerCatalog.Names.Contains(samplers[i]))
                {
                    throw new InvalidSpecificationException($"{wp}.samplers[{i}]", samplers[i], $"known samplers: {string.Join(", ", SamplerCatalog.Names)}");
                }
            }

            e = Pick("schedules", out wp);
            var schedules = ReadSchedules(e, wp);
            e = Pick("steps", out wp);
            var steps = ReadIntegers(e, wp, "steps", 2, 10_000_000);
            e = Pick("dimensions", out wp);
            IReadOnlyList<int>? dimensions = JsonFields.Has(e, "dimensions") ? ReadIntegers(e, wp, "dimensions", 1, 10_000_000) : null;
            e = Pick("perturbations", out wp);
            var perturbations = JsonFields.Has(e, "perturbations") ? ReadPerturbations(e, wp) : [ScorePerturbationSpec.Exact];
            string start = JsonFields.Has(root, "start") ? JsonFields.String(root, p, "start") : "gaussian";
            if (start is not ("gaussian" or "exact"))
            {
                throw new InvalidSpecificationException($"{p}.start", start, "allowed: gaussian, exact");
            }

            string method = JsonFields.Has(root, "method") ? JsonFields.String(root, p, "method") : "auto";
            DistanceMethod distanceMethod = DistanceMethods.Parse(method, $"{p}.method");
            e = Pick("n", out wp);
            int n = JsonFields.Has(e, "n") ? JsonFields.Integer(e, wp, "n", 1, 100_000_000) : 100_000;
            long seed = JsonFields.Has(root, "seed") ? JsonFields.Integer(root, p, "seed", 0, int.MaxValue) : 1;

            var config = new ExperimentConfig(
                name, title, path, targetJson, samplers, schedules, steps, dimensions, perturbations,
                start == "exact" ? StartDistribution.Exact : StartDistribution.Gaussian, distanceMethod, n, seed);
            config.CheckBuildable(p);
            return config;
        }
    }

    /// <summary>The target at dimension d (d-sweeps replace the target's "dimension" field).</summary>
    public IDiffusedTarget BuildTarget(int? dimension)
    {
        if (dimension is null)
        {
            return Targets.TargetJson.Parse(TargetJson);
        }

        JsonNode node = JsonNode.Parse(TargetJson)!;
        node["dimension"] = dimension.Value;
        return Targets.TargetJson.Parse(node.ToJsonString());
    }

    /// <summary>Fails before any work if a target, schedule or (d, T) combination cannot be built.</summary>
    private void CheckBuildable(string path)
    {
        foreach (int? d in Dimensions?.Select(x => (int?)x) ?? [null])
        {
            try
            {
                BuildTarget(d);
            }
            catch (InvalidSpecificationException ex)
            {
                throw new InvalidSpecificationException($"{path}.target{(d is null ? "" : $" (dimension {d})")}.{ex.Field.TrimStart('$', '.')}", ex.Value, ex.Expectation);
            }
        }

        for (int s = 0; s < Schedules.Count; s++)
        {
            foreach (int t in Steps)
            {
                try
                {
                    Schedules[s].Build(t);
                }
                catch (InvalidSpecificationException ex)
                {
                    throw new InvalidSpecificationException($"{path}.schedules[{s}] at steps {t}: {ex.Field}", ex.Value, ex.Expectation);
                }
            }
        }
    }

    private static string ReadTarget(JsonElement root, string p, string configPath)
    {
        JsonElement t = JsonFields.Required(root, p, "target");
        if (t.ValueKind == JsonValueKind.String)
        {
            string file = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(configPath))!, t.GetString()!);
            if (!File.Exists(file))
            {
                throw new InvalidSpecificationException($"{p}.target", t.GetString()!, $"no such file (looked for {file})");
            }

            string text = File.ReadAllText(file);
            try
            {
                Targets.TargetJson.Parse(text);
            }
            catch (InvalidSpecificationException ex)
            {
                throw new InvalidSpecificationException($"{t.GetString()}:{ex.Field}", ex.Value, ex.Expectation);
            }

            return text;
        }

        Targets.TargetJson.Read(t, $"{p}.target");
        return t.GetRawText();
    }

    private static List<string> ReadStrings(JsonElement e, string p, string name)
    {
        JsonElement v = JsonFields.Required(e, p, name);
        if (v.ValueKind != JsonValueKind.Array || v.GetArrayLength() == 0)
        {
            throw new InvalidSpecificationException($"{p}.{name}", v.GetRawText(), "must be a non-empty array of strings");
        }

        var list = new List<string>();
        int i = 0;
        foreach (JsonElement item in v.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                throw new InvalidSpecificationException($"{p}.{name}[{i}]", item.GetRawText(), "must be a string");
            }

            list.Add(item.GetString()!);
            i++;
        }

        return list;
    }

    private static List<int> ReadIntegers(JsonElement e, string p, string name, int min, int max)
    {
        double[] values = JsonFields.Vector(e, p, name);
        if (values.Length == 0)
        {
            throw new InvalidSpecificationException($"{p}.{name}", "[]", "must not be empty");
        }

        var list = new List<int>();
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] != Math.Floor(values[i]) || values[i] < min || values[i] > max)
            {
                throw new InvalidSpecificationException($"{p}.{name}[{i}]", values[i].ToString("R"), $"must be an integer from {min} to {max}");
            }

            list.Add((int)values[i]);
        }

        if (list.Distinct().Count() != list.Count)
        {
            throw new InvalidSpecificationException($"{p}.{name}", string.Join(",", list), "values must be distinct");
        }

        return list;
    }

    private static List<ScheduleSpec> ReadSchedules(JsonElement e, string p)
    {
        JsonElement v = JsonFields.Required(e, p, "schedules");
        if (v.ValueKind != JsonValueKind.Array || v.GetArrayLength() == 0)
        {
            throw new InvalidSpecificationException($"{p}.schedules", v.GetRawText(), "must be a non-empty array of schedule objects");
        }

        var list = new List<ScheduleSpec>();
        int i = 0;
        foreach (JsonElement item in v.EnumerateArray())
        {
            string sp = $"{p}.schedules[{i}]";
            JsonFields.AllowOnly(item, sp, "kind", "c0", "c1", "lambdaMax", "lambdaMin");
            string kind = JsonFields.String(item, sp, "kind");
            if (!ScheduleSpec.Kinds.Contains(kind))
            {
                throw new InvalidSpecificationException($"{sp}.kind", kind, $"known schedules: {string.Join(", ", ScheduleSpec.Kinds)}");
            }

            double Get(string key, double fallback) => JsonFields.Has(item, key) ? JsonFields.Number(item, sp, key) : fallback;
            list.Add(new ScheduleSpec(kind, Get("c0", 2.0), Get("c1", 6.0), Get("lambdaMax", LogSnrSchedule.DefaultLambdaMax), Get("lambdaMin", LogSnrSchedule.DefaultLambdaMin)));
            i++;
        }

        return list;
    }

    private static List<ScorePerturbationSpec> ReadPerturbations(JsonElement e, string p)
    {
        JsonElement v = JsonFields.Required(e, p, "perturbations");
        if (v.ValueKind != JsonValueKind.Array || v.GetArrayLength() == 0)
        {
            throw new InvalidSpecificationException($"{p}.perturbations", v.GetRawText(), "must be a non-empty array of perturbation objects");
        }

        var list = new List<ScorePerturbationSpec>();
        int i = 0;
        foreach (JsonElement item in v.EnumerateArray())
        {
            list.Add(ScorePerturbationSpec.Read(item, $"{p}.perturbations[{i}]"));
            i++;
        }

        return list;
    }
}
