using System.Text.Json.Nodes;
using Diffusion.Verify.Experiments.Configuration;
using Diffusion.Verify.Experiments.Pipeline;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// Bad configs are refused before any work, with a message naming the JSON path, the bad value and what
/// is allowed. Each case mutates one field of a config that is checked to load, so a case can only pass
/// because of its own mutation.
/// </summary>
public sealed class ConfigValidationTests : IDisposable
{
    private readonly PipelineScratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private static string Mutate(Action<JsonObject> change)
    {
        var node = JsonNode.Parse(PipelineTestFiles.SmallConfig())!.AsObject();
        change(node);
        return node.ToJsonString();
    }

    private static JsonNode Json(string text) => JsonNode.Parse(text)!;

    public static TheoryData<string, string, string, string, string> BadConfigs => new()
    {
        // case, config text, field (after "x.json:"), value, fragment of what is allowed
        { "duplicate key", PipelineTestFiles.SmallConfig().Replace("\"n\": 400", "\"n\": 400, \"n\": 600"), "$.n", "600", "duplicate key" },
        { "unknown key", Mutate(c => c["bogus"] = 1), "$.bogus", "1", "unknown key; allowed here: name, title" },
        { "title not a string", Mutate(c => c["title"] = 5), "$.title", "5", "must be a string" },
        { "empty steps", Mutate(c => c["steps"] = new JsonArray()), "$.steps", "[]", "non-empty array of integers from 2" },
        { "string step", Mutate(c => c["steps"] = Json("""[32, "64"]""")), "$.steps[1]", "\"64\"", "integer from 2 to 10000000" },
        { "fractional step", Mutate(c => c["steps"] = Json("[32, 64.5]")), "$.steps[1]", "64.5", "integer from 2 to 10000000" },
        { "repeated step", Mutate(c => c["steps"] = Json("[32, 64, 32]")), "$.steps[2]", "32", "repeats x.json:$.steps[0]" },
        { "empty samplers", Mutate(c => c["samplers"] = new JsonArray()), "$.samplers", "[]", "non-empty array of strings" },
        { "unknown sampler", Mutate(c => c["samplers"] = Json("""["ddim-type", "euler"]""")), "$.samplers[1]", "\"euler\"", "known samplers: " },
        { "repeated sampler", Mutate(c => c["samplers"] = Json("""["acc-ode", "acc-ode"]""")), "$.samplers[1]", "acc-ode", "repeats" },
        { "schedules not an array", Mutate(c => c["schedules"] = Json("""{ "kind": "logsnr" }""")), "$.schedules", "{\"kind\":\"logsnr\"}", "non-empty array of schedule objects" },
        { "unknown schedule", Mutate(c => c["schedules"] = Json("""[{ "kind": "sigmoid" }]""")), "$.schedules[0].kind", "\"sigmoid\"", "known schedules: li2024, logsnr" },
        { "parameter of another schedule", Mutate(c => c["schedules"] = Json("""[{ "kind": "linear", "c0": 3 }]""")), "$.schedules[0].c0", "3", "unknown key; allowed here: kind" },
        { "repeated schedule", Mutate(c => c["schedules"] = Json("""[{ "kind": "logsnr" }, { "kind": "logsnr", "lambdaMax": 9 }]""")), "$.schedules[1]", "logsnr(9,-40)", "repeats x.json:$.schedules[0]" },
        { "li2024 beta above 1 at every T", Mutate(c => { c["schedules"] = Json("""[{ "kind": "li2024" }]"""); c["steps"] = Json("[8, 12]"); }), "$.schedules[0].c1", "6", "c1·ln T / T < 1" },
        { "linear schedule needs T >= 21", Mutate(c => { c["schedules"] = Json("""[{ "kind": "linear" }]"""); c["steps"] = Json("[10, 12]"); }), "$.steps[0]", "10", "use T ≥ 21" },
        { "logsnr range upside down", Mutate(c => c["schedules"] = Json("""[{ "kind": "logsnr", "lambdaMin": 20 }]""")), "$.schedules[0].lambdaMin", "20", "below lambdaMax" },
        { "perturbation without magnitude", Mutate(c => c["perturbations"] = Json("""[{ "kind": "scaled" }]""")), "$.perturbations[0].magnitude", "(missing)", "required" },
        { "perturbation field of another kind", Mutate(c => c["perturbations"] = Json("""[{ "kind": "scaled", "magnitude": 0.1, "omega": 3 }]""")), "$.perturbations[0].omega", "3", "allowed here: kind, magnitude" },
        { "negative frequency", Mutate(c => c["perturbations"] = Json("""[{ "kind": "oscillatory", "magnitude": 0.1, "omega": -3 }]""")), "$.perturbations[0].omega", "-3", "ω > 0" },
        { "scale at or below -1", Mutate(c => c["perturbations"] = Json("""[{ "kind": "scaled", "magnitude": -1 }]""")), "$.perturbations[0].magnitude", "-1", "δ > −1" },
        { "repeated perturbation", Mutate(c => c["perturbations"] = Json("""[{ "kind": "bias", "magnitude": 0.1 }, { "kind": "bias", "magnitude": 0.1, "seed": 2 }]""")), "$.perturbations[1]", "bias(ε=0.1)", "repeats" },
        { "d-sweep of a fixed-d target", Mutate(c => c["dimensions"] = Json("[2, 4]")), "$.dimensions", "[2, 4]", "needs a target with a \"dimension\" field" },
        { "d-sweep below the core's dimension", Mutate(c => { c["target"] = Json("""{ "kind": "embedded", "dimension": 3, "complementVariance": 1, "core": { "kind": "gmm", "weights": [1], "means": [[0, 0]], "variances": [1] } }"""); c["dimensions"] = Json("[3, 1]"); }), "$.dimensions[1]", "1", "the target at this d fails" },
        { "forced method that does not apply", Mutate(c => c["method"] = "exact"), "$.method", "\"exact\"", "exact needs a Gaussian target" },
        { "density-mc for a stochastic sampler", Mutate(c => { c["method"] = "density-mc"; c["samplers"] = Json("""["ddim-type", "ddpm-type"]"""); }), "$.method", "\"density-mc\"", "needs a deterministic sampler" },
        { "unknown method", Mutate(c => c["method"] = "magic"), "$.method", "magic", "allowed: auto, exact, quadrature, density-mc, samples" },
        { "unknown start", Mutate(c => c["start"] = "later"), "$.start", "\"later\"", "allowed: gaussian, exact" },
        { "n one", Mutate(c => c["n"] = 1), "$.n", "1", "integer from 2 to 100000000" },
        { "negative seed", Mutate(c => c["seed"] = -1), "$.seed", "-1", "integer from 0 to" },
        { "bad name", Mutate(c => c["name"] = "a b"), "$.name", "\"a b\"", "letters, digits" },
        { "name that collides with fits files", Mutate(c => c["name"] = "tv-fits"), "$.name", "\"tv-fits\"", "must not end in '-fits'" },
        { "bad inline target", Mutate(c => c["target"] = Json("""{ "kind": "gmm", "weights": [0.5, 0.5], "means": [[-2.0], [2.0]], "variances": [0.25, -0.25] }""")), "$.target.variances[1]", "-0.25", "positive" },
        { "unknown target key", Mutate(c => c["target"] = Json("""{ "kind": "gaussian", "dimension": 2, "variance": 1, "colour": "red" }""")), "$.target.colour", "\"red\"", "unknown key" },
        { "target neither object nor file", Mutate(c => c["target"] = 3), "$.target", "3", "target object or the path of a target file" },
        { "missing target file", Mutate(c => c["target"] = "nope.json"), "$.target", "\"nope.json\"", "no such file" },
        { "bad quick override", Mutate(c => c["quick"] = Json("""{ "steps": [0] }""")), "$.quick.steps[0]", "0", "integer from 2" },
        { "unknown quick key", Mutate(c => c["quick"] = Json("""{ "seed": 3 }""")), "$.quick.seed", "3", "allowed here: samplers, schedules, steps" },
        { "not an object", "[1, 2]", "$", "[1, 2]", "must be a JSON object" },
        { "not JSON", PipelineTestFiles.SmallConfig().Replace("\"n\": 400", "\"n\": 400,,"), "$", "(not JSON)", "line " },
    };

    [Fact]
    public void TheBaseConfigLoads()
    {
        string path = _scratch.Write("x.json", PipelineTestFiles.SmallConfig());
        ExperimentConfig config = ExperimentConfig.Load(path, quick: false);
        Assert.Equal(8, SweepPoint.Enumerate(config).Count);
        Assert.Equal(400, config.Samples);
    }

    [Theory]
    [MemberData(nameof(BadConfigs))]
    public void BadConfigIsRefusedWithPathValueAndWhatIsAllowed(string description, string json, string field, string value, string allowed)
    {
        string path = _scratch.Write("x.json", json);
        var error = Assert.Throws<InvalidSpecificationException>(() => ExperimentConfig.Load(path, quick: false));
        Assert.True(error.Field == "x.json:" + field, $"{description}: field {error.Field}");
        Assert.True(error.Value == value, $"{description}: value {error.Value}");
        Assert.Contains(allowed, error.Expectation);
        Assert.StartsWith($"x.json:{field} = {value}: ", error.Message);
    }

    [Fact]
    public void AScheduleValidAtSomeStepsSkipsTheOthersWithAWarning()
    {
        string path = _scratch.Write("partial.json", PipelineTestFiles.SmallConfig("partial", steps: "[16, 32, 64]", extra: ""","schedules": [ { "kind": "li2024" }, { "kind": "logsnr" } ]""").Replace("""  "schedules": [ { "kind": "logsnr" } ],""", ""));
        var (code, output, error) = PipelineTestFiles.Cli("validate", path);
        Assert.True(code == 0, error);
        Assert.Contains("is not valid at T = 16 and skips those points", error);
        var config = Diffusion.Verify.Experiments.Configuration.ExperimentConfig.Load(path, quick: false);
        var points = Diffusion.Verify.Experiments.Pipeline.SweepPoint.Enumerate(config);
        Assert.Equal(2 * (2 + 3), points.Count); // 2 samplers × (li2024 at 32, 64 + logsnr at 16, 32, 64)
        Assert.DoesNotContain(points, p => p.Schedule.Kind == "li2024" && p.Steps == 16);
        Assert.Contains("ok", output);
    }

    [Fact]
    public void AnErrorInATargetFileNamesTheTargetFile()
    {
        _scratch.Write("targets/t.json", """{ "kind": "gmm", "weights": [0.5, 0.5], "means": [[-2.0], [2.0]], "variances": [0.25, 0.25], "variances": [1, 1] }""");
        string path = _scratch.Write("configs/x.json", Mutate(c => c["target"] = "../targets/t.json"));
        var error = Assert.Throws<InvalidSpecificationException>(() => ExperimentConfig.Load(path, quick: false));
        Assert.Equal("t.json:$.variances", error.Field);
        Assert.Contains("duplicate key", error.Expectation);
    }

    [Fact]
    public void TheQuickBlockIsCheckedByAFullRunToo()
    {
        string path = _scratch.Write("x.json", Mutate(c => c["quick"] = Json("""{ "samplers": ["nope"] }""")));
        var error = Assert.Throws<InvalidSpecificationException>(() => ExperimentConfig.Load(path, quick: false));
        Assert.Equal("x.json:$.quick.samplers[0]", error.Field);
    }

    [Fact]
    public void ValidateChecksEveryFileAndReportsEachError()
    {
        string good = _scratch.Write("good.json", PipelineTestFiles.SmallConfig("good"));
        string bad = _scratch.Write("bad.json", Mutate(c => c["steps"] = Json("[1]")));
        string target = _scratch.Write("t.json", PipelineTestFiles.BimodalTarget);
        var (code, output, error) = PipelineTestFiles.Cli("validate", bad, good, target);
        Assert.Equal(2, code);
        Assert.Contains($"ok  {good}: good, 8 points", output);
        Assert.Contains($"ok  {target}: target gmm(K=2,d=1,isotropic)", output);
        Assert.Contains("error: bad.json:$.steps[0] = 1: must be an integer from 2 to 10000000", error);
        Assert.Empty(Directory.GetFiles(_scratch.Root, "*.csv", SearchOption.AllDirectories));

        var (okCode, okOutput, _) = PipelineTestFiles.Cli("validate", good);
        Assert.Equal(0, okCode);
        Assert.Contains("good, 8 points (8 with --quick)", okOutput);
    }

    [Fact]
    public void TwoConfigsWithOneNameAreRefused()
    {
        string a = _scratch.Write("a.json", PipelineTestFiles.SmallConfig("same"));
        string b = _scratch.Write("b.json", PipelineTestFiles.SmallConfig("same", n: 500));
        var (validateCode, _, validateError) = PipelineTestFiles.Cli("validate", a, b);
        Assert.Equal(2, validateCode);
        Assert.Contains("b.json:$.name = same: another config uses the same experiment name", validateError);

        var (runCode, _, runError) = PipelineTestFiles.Cli("run", a, b, "--out", _scratch["out"]);
        Assert.Equal(2, runCode);
        Assert.Contains("same experiment name", runError);
        Assert.False(Directory.Exists(_scratch["out"]), "nothing may be written when the input is bad");
    }
}
