using System.Text.Json;
using Diffusion.Verify.Experiments.Configuration;
using Diffusion.Verify.Experiments.Pipeline;
using Diffusion.Verify.Fitting;
using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Targets;

namespace Diffusion.Verify.Experiments.Reporting;

/// <summary>
/// The claims registry (DESIGN §7): every claim the verdicts test, and the accelerated/vanilla pairs whose
/// error ratios are reported, read from a JSON file (default Experiments/claims.json). Validated like the
/// configs: unknown keys, wrong types, unknown samplers, metrics or schedules, negative or missing
/// exponents and repeated ids are refused with the JSON path, the value and what is allowed. Adding a
/// claim is an edit of the file alone.
/// </summary>
public sealed record ClaimRegistry(IReadOnlyList<RateClaim> Claims, IReadOnlyList<(string Accelerated, string Vanilla)> Pairs)
{
    public const string DefaultPath = "Experiments/claims.json";

    /// <summary>Metrics a claim may be about (rate-bearing quantities of the result CSVs).</summary>
    public static IReadOnlyList<string> ClaimMetrics { get; } = [Metrics.Tv, Metrics.KlSamplerToTarget, Metrics.KlTargetToSampler, Metrics.PinskerPathKl];

    private static readonly string[] RootKeys = ["description", "claims", "pairs"];
    private static readonly string[] ClaimKeys = ["id", "source", "sampler", "metric", "provedFor", "p", "q", "a", "k", "statement", "description"];
    private static readonly string[] SourceKeys = ["authors", "year", "arxiv", "theorem"];
    private static readonly string[] ExponentKeys = ["value", "read", "from"];
    private static readonly string[] PairKeys = ["accelerated", "vanilla"];

    /// <summary>The registry in the working directory (run from the repository root), else the copy beside the executable.</summary>
    public static ClaimRegistry LoadDefault()
    {
        string path = File.Exists(DefaultPath) ? DefaultPath : Path.Combine(AppContext.BaseDirectory, "claims.json");
        return Load(path);
    }

    public static ClaimRegistry Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidSpecificationException("CLAIMS", path, "no such file");
        }

        return Parse(File.ReadAllText(path), Path.GetFileName(path) + ":$");
    }

    public static ClaimRegistry Parse(string json, string p)
    {
        using JsonDocument document = JsonDocuments.Parse(json, p);
        JsonElement root = document.RootElement;
        JsonFields.AllowOnly(root, p, RootKeys);
        if (JsonFields.Has(root, "description"))
        {
            JsonFields.String(root, p, "description");
        }

        var claims = new List<RateClaim>();
        int i = 0;
        foreach (JsonElement c in Array(root, p, "claims"))
        {
            claims.Add(ReadClaim(c, $"{p}.claims[{i++}]"));
        }

        var repeated = claims.Select((c, index) => (c.Id, index)).GroupBy(x => x.Id).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null)
        {
            throw new InvalidSpecificationException($"{p}.claims[{repeated.Last().index}].id", Quote(repeated.Key), "another claim has the same id; ids must be unique");
        }

        var pairs = new List<(string, string)>();
        if (JsonFields.Has(root, "pairs"))
        {
            i = 0;
            foreach (JsonElement e in Array(root, p, "pairs"))
            {
                string ep = $"{p}.pairs[{i++}]";
                JsonFields.AllowOnly(e, ep, PairKeys);
                pairs.Add((SamplerName(e, ep, "accelerated"), SamplerName(e, ep, "vanilla")));
            }
        }

        return new ClaimRegistry(claims, pairs);
    }

    private static RateClaim ReadClaim(JsonElement c, string p)
    {
        JsonFields.AllowOnly(c, p, ClaimKeys);
        string id = JsonFields.String(c, p, "id");
        if (id.Length == 0 || id.Any(ch => !(char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or '.')))
        {
            throw new InvalidSpecificationException($"{p}.id", Quote(id), "use letters, digits, '-', '_' and '.' only (it names figure files)");
        }

        if (JsonFields.Has(c, "description"))
        {
            JsonFields.String(c, p, "description");
        }

        JsonElement s = JsonFields.Required(c, p, "source");
        string sp = $"{p}.source";
        JsonFields.AllowOnly(s, sp, SourceKeys);
        var source = new ClaimSource(
            NonEmpty(s, sp, "authors"), JsonFields.Integer(s, sp, "year", 1900, 2100), NonEmpty(s, sp, "arxiv"), NonEmpty(s, sp, "theorem"));

        string sampler = SamplerName(c, p, "sampler");
        string metric = JsonFields.String(c, p, "metric");
        if (!ClaimMetrics.Contains(metric))
        {
            throw new InvalidSpecificationException($"{p}.metric", Quote(metric), $"allowed: {string.Join(", ", ClaimMetrics)}");
        }

        var provedFor = new List<string>();
        int j = 0;
        foreach (JsonElement kind in Array(c, p, "provedFor"))
        {
            string kp = $"{p}.provedFor[{j++}]";
            if (kind.ValueKind != JsonValueKind.String || !ScheduleSpec.Kinds.Contains(kind.GetString()!))
            {
                throw new InvalidSpecificationException(kp, JsonFields.Show(kind), $"a schedule kind: {string.Join(", ", ScheduleSpec.Kinds)}");
            }

            provedFor.Add(kind.GetString()!);
        }

        BoundExponent pe = Exponent(c, p, "p");
        if (!pe.IsKnown)
        {
            throw new InvalidSpecificationException($"{p}.p.read", "\"unread\"", "a claim needs its T exponent: without it there is nothing to test");
        }

        if (pe.Value <= 0)
        {
            throw new InvalidSpecificationException($"{p}.p.value", JsonFields.Show(JsonFields.Required(JsonFields.Required(c, p, "p"), $"{p}.p", "value")), "the T exponent of a decaying bound must be > 0");
        }

        BoundExponent? k = JsonFields.Has(c, "k") ? Exponent(c, p, "k") : null;
        return new RateClaim(id, source, sampler, metric, provedFor, pe, Exponent(c, p, "q"), Exponent(c, p, "a"), k, NonEmpty(c, p, "statement"));
    }

    private static BoundExponent Exponent(JsonElement c, string p, string name)
    {
        string ep = $"{p}.{name}";
        JsonElement e = JsonFields.Required(c, p, name);
        JsonFields.AllowOnly(e, ep, ExponentKeys);
        string read = JsonFields.String(e, ep, "read");
        if (JsonFields.Has(e, "from"))
        {
            JsonFields.String(e, ep, "from");
        }

        ExponentProvenance provenance = read switch
        {
            "source" => ExponentProvenance.Source,
            "quoted" => ExponentProvenance.Quoted,
            "unread" => ExponentProvenance.Unread,
            _ => throw new InvalidSpecificationException($"{ep}.read", Quote(read), "allowed: source (read in the source), quoted (from a named quotation of it), unread"),
        };

        if (provenance == ExponentProvenance.Unread)
        {
            if (JsonFields.Has(e, "value"))
            {
                throw new InvalidSpecificationException($"{ep}.value", JsonFields.Show(e.GetProperty("value")), "an unread exponent has no value (say \"read\": \"quoted\" and name where it comes from)");
            }

            return BoundExponent.Unread;
        }

        double value = JsonFields.Number(e, ep, "value");
        if (value < 0)
        {
            throw new InvalidSpecificationException($"{ep}.value", JsonFields.Show(e.GetProperty("value")), "exponents of a bound C d^a (ln T)^q T^-p are >= 0");
        }

        return new BoundExponent(value, provenance);
    }

    private static string SamplerName(JsonElement e, string p, string name)
    {
        string sampler = JsonFields.String(e, p, name);
        if (!SamplerCatalog.Names.Contains(sampler))
        {
            throw new InvalidSpecificationException($"{p}.{name}", Quote(sampler), $"known samplers: {string.Join(", ", SamplerCatalog.Names)}");
        }

        return sampler;
    }

    private static JsonElement.ArrayEnumerator Array(JsonElement e, string p, string name)
    {
        JsonElement v = JsonFields.Required(e, p, name);
        if (v.ValueKind != JsonValueKind.Array || v.GetArrayLength() == 0)
        {
            throw new InvalidSpecificationException($"{p}.{name}", JsonFields.Show(v), "must be a non-empty array");
        }

        return v.EnumerateArray();
    }

    private static string NonEmpty(JsonElement e, string p, string name)
    {
        string s = JsonFields.String(e, p, name);
        if (string.IsNullOrWhiteSpace(s))
        {
            throw new InvalidSpecificationException($"{p}.{name}", Quote(s), "must not be empty");
        }

        return s;
    }

    private static string Quote(string s) => $"\"{s}\"";
}
