using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Diffusion.Verify.Distances;
using Diffusion.Verify.Distances.Samples;
using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Scores;
using Diffusion.Verify.Targets;

namespace Diffusion.Verify.Experiments.Configuration;

/// <summary>
/// One experiment: a target (inline or a file beside the config), samplers, schedules, the T values (and
/// optionally dimensions and score perturbations) to sweep, and how to measure. Read from JSON; every
/// error names the JSON path, the value and what is allowed. <c>quick</c> overrides a few fields for
/// the smoke run. Loading checks everything a run would trip over later — types, keys, duplicates, that
/// every (schedule, T) and (target, d) can be built and that a distance evaluator applies to every
/// point — so a run never stops half-way on bad input.
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
        ["name", "title", "description", "target", "samplers", "schedules", "steps", "dimensions", "perturbations", "start", "method", "n", "seed", "maxSteps", "seriesBudgetSeconds", "quick"];

    private static readonly string[] QuickKeys = ["samplers", "schedules", "steps", "dimensions", "perturbations", "n", "maxSteps"];

    /// <summary>Target kinds whose "dimension" field a d-sweep may replace.</summary>
    private static readonly string[] DimensionedKinds = ["gaussian", "embedded", "random-gmm"];

    /// <summary>
    /// Largest T a series may be extended to by doubling beyond <see cref="Steps"/> until its local slopes
    /// settle (DESIGN §7; see <c>Pipeline/SeriesExtension</c>); null: no extension.
    /// </summary>
    public int? MaxSteps { get; init; }

    /// <summary>A safety cap on the evaluation seconds one series may spend on extension (null: none). Hitting it makes the result depend on machine speed, so it is reported.</summary>
    public double? SeriesBudgetSeconds { get; init; }

    /// <summary>Valid but suspicious settings (from the schedules), each naming where it comes from.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    public static ExperimentConfig Load(string path, bool quick)
    {
        if (!File.Exists(path))
        {
            throw new InvalidSpecificationException("CONFIG", path, "no such file");
        }

        string p = Path.GetFileName(path) + ":$";
        using JsonDocument document = JsonDocuments.Parse(File.ReadAllText(path), p);
        JsonElement root = document.RootElement;
        JsonFields.AllowOnly(root, p, Keys);
        bool hasQuick = root.TryGetProperty("quick", out JsonElement overrides);
        if (hasQuick)
        {
            JsonFields.AllowOnly(overrides, $"{p}.quick", QuickKeys);
        }

        // Both variants are checked whichever one runs, so a broken quick block also fails a full run early.
        ExperimentConfig full = Read(root, default, p, path);
        ExperimentConfig? smoke = hasQuick ? Read(root, overrides, p, path) : null;
        return quick ? smoke ?? full : full;
    }

    /// <summary>The target's JSON at dimension d (d-sweeps replace the target's "dimension" field), minified.</summary>
    public string TargetJsonAt(int? dimension)
    {
        JsonNode node = JsonNode.Parse(TargetJson, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true })!;
        if (dimension is not null)
        {
            node["dimension"] = dimension.Value;
        }

        return node.ToJsonString();
    }

    /// <summary>The target at dimension d (d-sweeps replace the target's "dimension" field).</summary>
    public IDiffusedTarget BuildTarget(int? dimension) => Targets.TargetJson.Parse(TargetJsonAt(dimension));

    private static ExperimentConfig Read(JsonElement root, JsonElement overrides, string p, string path)
    {
        (JsonElement Element, string Path) Pick(string key) =>
            overrides.ValueKind == JsonValueKind.Object && overrides.TryGetProperty(key, out _) ? (overrides, $"{p}.quick") : (root, p);

        string name = JsonFields.String(root, p, "name");
        if (name.Length == 0 || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_')))
        {
            throw new InvalidSpecificationException($"{p}.name", Quote(name), "use letters, digits, '-' and '_' only (it names output files)");
        }

        if (name.EndsWith("-fits", StringComparison.Ordinal))
        {
            throw new InvalidSpecificationException($"{p}.name", Quote(name), "must not end in '-fits' (that suffix marks the fits CSV files)");
        }

        string title = JsonFields.Has(root, "title") ? JsonFields.String(root, p, "title") : name;
        if (JsonFields.Has(root, "description"))
        {
            JsonFields.String(root, p, "description");
        }

        string targetJson = ReadTarget(root, p, path);

        var (e, samplersPath) = Pick("samplers");
        List<string> samplers = JsonFields.Has(e, "samplers") ? ReadStrings(e, samplersPath, "samplers") : SamplerCatalog.Names.ToList();
        for (int i = 0; i < samplers.Count; i++)
        {
            if (!SamplerCatalog.Names.Contains(samplers[i]))
            {
                throw new InvalidSpecificationException($"{samplersPath}.samplers[{i}]", Quote(samplers[i]), $"known samplers: {string.Join(", ", SamplerCatalog.Names)}");
            }
        }

        RejectRepeats(samplers, s => s, $"{samplersPath}.samplers");

        (e, string schedulesPath) = Pick("schedules");
        var schedules = ReadSchedules(e, schedulesPath);
        (e, string stepsPath) = Pick("steps");
        var steps = ReadIntegers(e, stepsPath, "steps", 2, 10_000_000);
        (e, string dimensionsPath) = Pick("dimensions");
        List<int>? dimensions = JsonFields.Has(e, "dimensions") ? ReadIntegers(e, dimensionsPath, "dimensions", 1, 10_000_000) : null;
        (e, string perturbationsPath) = Pick("perturbations");
        var perturbations = JsonFields.Has(e, "perturbations") ? ReadPerturbations(e, perturbationsPath) : [ScorePerturbationSpec.Exact];

        string start = JsonFields.Has(root, "start") ? JsonFields.String(root, p, "start") : "gaussian";
        if (start is not ("gaussian" or "exact"))
        {
            throw new InvalidSpecificationException($"{p}.start", Quote(start), "allowed: gaussian, exact");
        }

        string method = JsonFields.Has(root, "method") ? JsonFields.String(root, p, "method") : "auto";
        DistanceMethod distanceMethod = DistanceMethods.Parse(method, $"{p}.method");
        (e, string nPath) = Pick("n");
        int n = JsonFields.Has(e, "n") ? JsonFields.Integer(e, nPath, "n", 2, 100_000_000) : 100_000;
        long seed = JsonFields.Has(root, "seed") ? JsonFields.Integer(root, p, "seed", 0, int.MaxValue) : 1;

        (e, string maxPath) = Pick("maxSteps");
        int? maxSteps = JsonFields.Has(e, "maxSteps") ? JsonFields.Integer(e, maxPath, "maxSteps", 2, 10_000_000) : null;
        if (maxSteps is int m && m < steps.Max())
        {
            throw new InvalidSpecificationException($"{maxPath}.maxSteps", m.ToString(CultureInfo.InvariantCulture), $"must be at least the largest of the steps ({steps.Max()}); series are extended by doubling up to it");
        }

        double? budget = null;
        if (JsonFields.Has(root, "seriesBudgetSeconds"))
        {
            budget = JsonFields.Number(root, p, "seriesBudgetSeconds");
            if (budget <= 0 || budget > 1e6)
            {
                throw new InvalidSpecificationException($"{p}.seriesBudgetSeconds", budget.Value.ToString("R", CultureInfo.InvariantCulture), "must be a number of seconds in (0, 1e6]");
            }

            if (maxSteps is null)
            {
                throw new InvalidSpecificationException($"{p}.seriesBudgetSeconds", budget.Value.ToString("R", CultureInfo.InvariantCulture), "caps the extension of series, which needs \"maxSteps\"");
            }
        }

        var config = new ExperimentConfig(
            name, title, path, targetJson, samplers, schedules, steps, dimensions, perturbations,
            start == "exact" ? StartDistribution.Exact : StartDistribution.Gaussian, distanceMethod, n, seed)
        {
            MaxSteps = maxSteps,
            SeriesBudgetSeconds = budget,
        };

        var targets = config.CheckTargets(p, dimensionsPath);
        var levels = config.CheckSchedules(schedulesPath, stepsPath, out var warnings);
        config.CheckEvaluators(targets, levels, p, samplersPath);
        return config with { Warnings = warnings };
    }

    /// <summary>Builds the target at every swept dimension; errors name the dimension's place in the list.</summary>
    private Dictionary<int, IDiffusedTarget> CheckTargets(string p, string dimensionsPath)
    {
        var targets = new Dictionary<int, IDiffusedTarget>();
        if (Dimensions is null)
        {
            targets[-1] = BuildTarget(null);
            return targets;
        }

        string kind = JsonNode.Parse(TargetJsonAt(null))?["kind"]?.GetValue<string>() ?? "";
        if (!DimensionedKinds.Contains(kind))
        {
            throw new InvalidSpecificationException(
                $"{dimensionsPath}.dimensions", $"[{string.Join(", ", Dimensions)}]",
                $"a d-sweep needs a target with a \"dimension\" field ({string.Join(", ", DimensionedKinds)}); {Quote(kind)} fixes d by its parameters");
        }

        for (int i = 0; i < Dimensions.Count; i++)
        {
            try
            {
                targets[Dimensions[i]] = BuildTarget(Dimensions[i]);
            }
            catch (InvalidSpecificationException ex)
            {
                throw new InvalidSpecificationException($"{dimensionsPath}.dimensions[{i}]", Dimensions[i].ToString(CultureInfo.InvariantCulture), $"the target at this d fails: {ex.Message}");
            }
        }

        return targets;
    }

    /// <summary>Builds every (schedule, T); an impossible T names the steps entry, a bad parameter the schedule field.</summary>
    private Dictionary<(int, int), NoiseSchedule> CheckSchedules(string schedulesPath, string stepsPath, out List<string> warnings)
    {
        var levels = new Dictionary<(int, int), NoiseSchedule>();
        warnings = [];
        for (int s = 0; s < Schedules.Count; s++)
        {
            string sp = $"{schedulesPath}.schedules[{s}]";
            InvalidSpecificationException? firstError = null;
            var skipped = new List<int>();
            for (int i = 0; i < Steps.Count; i++)
            {
                int t = Steps[i];
                try
                {
                    levels[(s, t)] = Schedules[s].Build(t);
                }
                catch (InvalidSpecificationException ex) when (ex.Field == "T")
                {
                    firstError ??= new InvalidSpecificationException($"{stepsPath}.steps[{i}]", ex.Value, $"{ex.Expectation} (schedule {sp}, {Schedules[s].Label})");
                    skipped.Add(t);
                    continue;
                }
                catch (InvalidSpecificationException ex)
                {
                    firstError ??= new InvalidSpecificationException($"{sp}.{ex.Field}", ex.Value, $"{ex.Expectation} (with steps = {t}, {stepsPath}.steps[{i}])");
                    skipped.Add(t);
                    continue;
                }

                foreach (string warning in levels[(s, t)].Warnings)
                {
                    if (Start == StartDistribution.Exact && warning.Contains("ᾱ_T", StringComparison.Ordinal))
                    {
                        continue; // the start error only matters for the N(0, I) start
                    }

                    warnings.Add($"{sp}: {warning}");
                }
            }

            // A schedule valid only for some of the T values (li2024 needs c1·ln T / T < 1) runs where it is
            // valid; one valid for none of them is an error.
            if (firstError is not null && skipped.Count == Steps.Count)
            {
                throw firstError;
            }

            if (skipped.Count > 0)
            {
                warnings.Add($"{sp}: {Schedules[s].Label} is not valid at T = {string.Join(", ", skipped)} and skips those points ({firstError!.Expectation})");
            }
        }

        return levels;
    }

    /// <summary>Fails unless a distance evaluator of this build applies to every point (auto) or the forced method does.</summary>
    private void CheckEvaluators(Dictionary<int, IDiffusedTarget> targets, Dictionary<(int, int), NoiseSchedule> levels, string p, string samplersPath)
    {
        for (int i = 0; i < Samplers.Count; i++)
        {
            Sampler sampler = SamplerCatalog.Get(Samplers[i]);
            foreach ((int d, IDiffusedTarget target) in targets)
            {
                foreach (ScorePerturbationSpec perturbation in Perturbations)
                {
                    IScore score = perturbation.Apply(new ExactScore(target));
                    foreach (((int _, int t), NoiseSchedule schedule) in levels)
                    {
                        var request = new EvaluationRequest(sampler, schedule, target, score, Start, Method, Samples, Seed);
                        string where = $"T = {t}{(d < 0 ? "" : $", d = {d}")}{(perturbation.IsExact ? "" : $", {perturbation.Label}")}";
                        DistanceMethod method = Method;
                        if (Method == DistanceMethod.Auto)
                        {
                            try
                            {
                                method = DistanceEvaluator.Choose(request);
                            }
                            catch (InvalidSpecificationException ex)
                            {
                                throw new InvalidSpecificationException($"{samplersPath}.samplers[{i}]", Quote(Samplers[i]), $"{ex.Expectation} (at {where}); remove it from the samplers or force a method that applies");
                            }
                        }
                        else if (DistanceEvaluator.WhyNot(request, Method) is { Length: > 0 } why)
                        {
                            throw new InvalidSpecificationException($"{p}.method", Quote(DistanceMethods.Name(Method)), $"does not apply to {Quote(Samplers[i])} on {target.Description} (at {where}): {why}");
                        }

                        if (method == DistanceMethod.Samples)
                        {
                            try
                            {
                                SampleDistance.CheckMemory(Samples, target.Dimension);
                            }
                            catch (InvalidSpecificationException ex)
                            {
                                throw new InvalidSpecificationException($"{p}.n", ex.Value, $"{ex.Expectation} (at {Quote(Samplers[i])}, {where})");
                            }
                        }
                    }
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
                throw new InvalidSpecificationException($"{p}.target", Quote(t.GetString()!), $"no such file (looked for {file})");
            }

            string text = File.ReadAllText(file);
            string tp = Path.GetFileName(file) + ":$";
            using JsonDocument document = JsonDocuments.Parse(text, tp);
            Targets.TargetJson.Read(document.RootElement, tp);
            return text;
        }

        if (t.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidSpecificationException($"{p}.target", JsonFields.Show(t), "must be a target object or the path of a target file (relative to the config)");
        }

        Targets.TargetJson.Read(t, $"{p}.target");
        return t.GetRawText();
    }

    private static List<string> ReadStrings(JsonElement e, string p, string name)
    {
        JsonElement v = JsonFields.Required(e, p, name);
        if (v.ValueKind != JsonValueKind.Array || v.GetArrayLength() == 0)
        {
            throw new InvalidSpecificationException($"{p}.{name}", JsonFields.Show(v), "must be a non-empty array of strings");
        }

        var list = new List<string>();
        int i = 0;
        foreach (JsonElement item in v.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                throw new InvalidSpecificationException($"{p}.{name}[{i}]", JsonFields.Show(item), "must be a string");
            }

            list.Add(item.GetString()!);
            i++;
        }

        return list;
    }

    private static List<int> ReadIntegers(JsonElement e, string p, string name, int min, int max)
    {
        JsonElement v = JsonFields.Required(e, p, name);
        if (v.ValueKind != JsonValueKind.Array || v.GetArrayLength() == 0)
        {
            throw new InvalidSpecificationException($"{p}.{name}", JsonFields.Show(v), $"must be a non-empty array of integers from {min} to {max}");
        }

        var list = new List<int>();
        int i = 0;
        foreach (JsonElement item in v.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out int x) || x < min || x > max)
            {
                throw new InvalidSpecificationException($"{p}.{name}[{i}]", JsonFields.Show(item), $"must be an integer from {min} to {max}");
            }

            list.Add(x);
            i++;
        }

        RejectRepeats(list, x => x.ToString(CultureInfo.InvariantCulture), $"{p}.{name}");
        return list;
    }

    private static List<ScheduleSpec> ReadSchedules(JsonElement e, string p)
    {
        JsonElement v = JsonFields.Required(e, p, "schedules");
        if (v.ValueKind != JsonValueKind.Array || v.GetArrayLength() == 0)
        {
            throw new InvalidSpecificationException($"{p}.schedules", JsonFields.Show(v), "must be a non-empty array of schedule objects, e.g. [{ \"kind\": \"logsnr\" }]");
        }

        var list = new List<ScheduleSpec>();
        int i = 0;
        foreach (JsonElement item in v.EnumerateArray())
        {
            string sp = $"{p}.schedules[{i}]";
            string kind = JsonFields.String(item, sp, "kind");
            string[] parameters = kind switch
            {
                "li2024" => ["c0", "c1"],
                "logsnr" => ["lambdaMax", "lambdaMin"],
                "linear" or "cosine" => [],
                _ => throw new InvalidSpecificationException($"{sp}.kind", Quote(kind), $"known schedules: {string.Join(", ", ScheduleSpec.Kinds)}"),
            };

            // A parameter of another schedule kind would be ignored without a word, so it is an error.
            JsonFields.AllowOnly(item, sp, ["kind", .. parameters]);
            double Get(string key, double fallback) => JsonFields.Has(item, key) ? JsonFields.Number(item, sp, key) : fallback;
            list.Add(new ScheduleSpec(kind, Get("c0", 2.0), Get("c1", 6.0), Get("lambdaMax", LogSnrSchedule.DefaultLambdaMax), Get("lambdaMin", LogSnrSchedule.DefaultLambdaMin)));
            i++;
        }

        RejectRepeats(list, s => s.Label, $"{p}.schedules");
        return list;
    }

    private static List<ScorePerturbationSpec> ReadPerturbations(JsonElement e, string p)
    {
        JsonElement v = JsonFields.Required(e, p, "perturbations");
        if (v.ValueKind != JsonValueKind.Array || v.GetArrayLength() == 0)
        {
            throw new InvalidSpecificationException($"{p}.perturbations", JsonFields.Show(v), "must be a non-empty array of perturbation objects, e.g. [{ \"kind\": \"scaled\", \"magnitude\": 0.01 }]");
        }

        var list = new List<ScorePerturbationSpec>();
        int i = 0;
        foreach (JsonElement item in v.EnumerateArray())
        {
            string ip = $"{p}.perturbations[{i}]";
            string kind = JsonFields.String(item, ip, "kind");
            string[] fields = kind switch
            {
                "exact" => [],
                "scaled" => ["magnitude"],
                "bias" => ["magnitude", "seed"],
                "oscillatory" => ["magnitude", "omega", "seed"],
                _ => throw new InvalidSpecificationException($"{ip}.kind", Quote(kind), $"known score perturbations: {string.Join(", ", ScorePerturbationSpec.Kinds)}"),
            };
            JsonFields.AllowOnly(item, ip, ["kind", .. fields]);
            foreach (string required in fields.Where(f => f != "seed"))
            {
                JsonFields.Required(item, ip, required);
            }

            list.Add(ScorePerturbationSpec.Read(item, ip));
            i++;
        }

        // The label (not the seed) is part of the row key, so two perturbations with one label would share rows.
        RejectRepeats(list, s => s.Label, $"{p}.perturbations");
        return list;
    }

    private static void RejectRepeats<T>(IReadOnlyList<T> items, Func<T, string> label, string path)
    {
        var first = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < items.Count; i++)
        {
            string key = label(items[i]);
            if (first.TryGetValue(key, out int j))
            {
                throw new InvalidSpecificationException($"{path}[{i}]", key, $"repeats {path}[{j}]; every entry must be distinct");
            }

            first[key] = i;
        }
    }

    private static string Quote(string s) => $"\"{s}\"";
}
