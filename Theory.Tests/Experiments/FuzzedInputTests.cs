using System.Text;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Xunit;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// No input may end in an unhandled exception. FsCheck draws a seed per case; the seed picks a valid
/// target, config or command line and mutates it (keys renamed or dropped, values replaced by other JSON
/// types, numbers at double's edges, huge arrays, deep nesting, truncated text, invalid UTF-8, random
/// flags and values). Every run through the in-process CLI entry must end with exit 0, 2 or 3 (1 only
/// from verify) and, when it fails, exactly one one-line "error:" / "numerical failure:" message and no
/// stack trace. Inputs never start expensive work: targets go through <c>sample</c> on the logsnr grid with T = 3 and
/// N = 1, configs through <c>validate</c>, command lines never name <c>run</c> or <c>bench</c> and sizes
/// stay tiny; a 20 s cancellation guards each case all the same (exit 130 then counts as a failure of
/// that guarantee only if it fires).
/// </summary>
public sealed class FuzzedInputTests : IDisposable
{
    private const int TargetCases = 150;
    private const int ConfigCases = 100;
    private const int CommandCases = 150;

    private static readonly string[] Targets =
    [
        """{ "kind": "gmm", "weights": [0.3, 0.7], "means": [[-2.0], [1.5]], "variances": [0.09, 0.36] }""",
        """{ "kind": "gmm", "weights": [0.5, 0.5], "means": [[-1.0, 0.5], [1.0, 0.0]], "diagonals": [[0.2, 0.4], [0.3, 0.1]] }""",
        """{ "kind": "gmm", "weights": [0.4, 0.6], "means": [[0, 1], [1, 0]], "covariances": [[[1, 0.2], [0.2, 0.5]], [[0.3, 0], [0, 0.3]]] }""",
        """{ "kind": "gaussian", "dimension": 3, "variance": 2.0, "mean": [1, 0, -1] }""",
        """{ "kind": "gaussian", "dimension": 3, "spectrum": [0.5, 1, 2], "seed": 3 }""",
        """{ "kind": "random-gmm", "dimension": 4, "components": 3, "meanScale": 2.0, "covariance": "full", "seed": 7 }""",
        """{ "kind": "embedded", "dimension": 12, "complementVariance": 1.0, "seed": 0, "core": { "kind": "gmm", "weights": [0.5, 0.5], "means": [[-2.0], [2.0]], "variances": [0.25, 0.25] } }""",
    ];

    /// <summary>Numbers at and around double's edges, and the integer edges; no mid-size sizes (they would be valid and slow).</summary>
    private static readonly string[] EdgeNumbers =
    [
        "0", "-0", "1", "-1", "0.5", "2", "3", "1e-300", "5e-324", "-5e-324", "1e50", "-1e50", "1e51", "1e154", "1e308", "-1e308",
        "1.7976931348623157e308", "1e309", "-1e400", "2147483647", "2147483648", "-2147483649", "9007199254740993", "1e9", "1E+3",
        "0.1e1", "123456789012345678901234567890",
    ];

    private static readonly string[] Keys =
    [
        "kind", "weights", "means", "variances", "diagonals", "covariances", "dimension", "variance", "spectrum", "mean", "seed",
        "components", "meanScale", "covariance", "core", "complementVariance", "name", "target", "samplers", "schedules", "steps",
        "start", "method", "n", "quick", "perturbations", "dimensions", "c0", "c1", "lambdaMax", "lambdaMin", "", "Kind", "kind ",
        "\u00e9\u00e8", "\u0000",
    ];

    private const string DeepMarker = "@@deep-nesting-";

    private readonly PipelineScratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    [Property(MaxTest = TargetCases)]
    public void MutatedTargetsEndCleanly(DoNotSize<int> seed)
    {
        var random = new Random(seed.Item);
        string path = _scratch["target-" + (uint)seed.Item + ".json"];
        File.WriteAllBytes(path, MutatedDocument(Targets[random.Next(Targets.Length)], random));
        AssertCleanEnd(
            ["sample", "--target", path, "--sampler", "ddim-type", "--schedule", "logsnr", "--steps", "3", "--n", "1"],
            $"target {Describe(path)}");
    }

    [Property(MaxTest = ConfigCases)]
    public void MutatedConfigsEndCleanly(DoNotSize<int> seed)
    {
        var random = new Random(seed.Item);
        string target = Targets[random.Next(Targets.Length)];
        string config = PipelineTestFiles.SmallConfig("fuzz").Replace(PipelineTestFiles.BimodalTarget, target);
        string path = _scratch["config-" + (uint)seed.Item + ".json"];
        File.WriteAllBytes(path, MutatedDocument(config, random));
        AssertCleanEnd(["validate", path], $"config {Describe(path)}");
    }

    [Property(MaxTest = CommandCases)]
    public void RandomCommandLinesEndCleanly(DoNotSize<int> seed)
    {
        var random = new Random(seed.Item);
        string target = _scratch.Write("ok-target.json", Targets[0]);
        string config = _scratch.Write("ok-config.json", PipelineTestFiles.SmallConfig("ok", steps: "[32]", samplers: """["ddim-type"]"""));
        // No "run", "bench" or leading flag (an implicit run): those start the experiment suite or the benchmark.
        string[] commands = ["sample", "eval", "validate", "merge", "plot", "verify", "list", "help", "frobnicate", "-h", "ddim-type", "\u00e9"];
        string[] flags =
        [
            "--target", "--sampler", "--steps", "--schedule", "--c0", "--c1", "--n", "--seed", "--start", "--method", "--json",
            "--with-start", "--out", "--quick", "--resume", "--shard", "--memory", "--frob", "-n", "--", "---", "--n=3", "--steps=2",
        ];
        string[] values =
        [
            target, config, _scratch["missing.json"], _scratch.Root, _scratch["no-such-dir/x.csv"], "ddim-type", "acc-ode", "ddpm-type", "dpm-solver-2",
            "logsnr", "li2024", "cosine", "linear", "exact", "gaussian", "samples", "quadrature", "density-mc", "auto", "0/1", "1/0", "-1/2", "3/2",
            "1", "2", "3", "0", "-1", "-2147483648", "2147483647", "2147483648", "1e308", "NaN", "Infinity", "-0", "0x10", "", " ", "abc", "\u00e9",
            new string('x', 5000), "--n", "\0",
        ];
        var args = new List<string>();
        string command = commands[random.Next(commands.Length)];
        args.Add(command);

        int count = random.Next(9);
        for (int i = 0; i < count; i++)
        {
            args.Add(random.Next(3) == 0 ? values[random.Next(values.Length)] : flags[random.Next(flags.Length)]);
            if (random.Next(4) != 0)
            {
                args.Add(values[random.Next(values.Length)]);
            }
        }

        // Work stays tiny: T ≤ 3 and N ≤ 3 unless the value is invalid anyway; outputs only into the scratch directory.
        if (command is "sample" or "eval")
        {
            ForceSmall(args, "--steps", random.Next(2) == 0 ? "2" : "3");
            ForceSmall(args, "--n", (1 + random.Next(3)).ToString());
            if (!args.Contains("--target") && random.Next(3) != 0)
            {
                args.AddRange(["--target", target]);
            }
        }

        ForceScratchOutput(args);
        AssertCleanEnd(args.ToArray(), "command line [" + string.Join(" ", args.Select(a => a.Length > 40 ? a[..40] + "…" : a)) + "]");
    }

    /// <summary>
    /// Found while fuzzing: ddpm-type at T = 3 on the logsnr grid spreads the propagated density over a grid
    /// of 2^30 cells; that used to escape as an unhandled InvalidOperationException (exit 134).
    /// </summary>
    [Fact]
    public void AGridTooWideForDensityPropagationIsBadInput()
    {
        string target = _scratch.Write("bimodal.json", Targets[0]);
        var (code, _, error) = PipelineTestFiles.Cli("eval", "--target", target, "--sampler", "ddpm-type", "--schedule", "logsnr", "--steps", "3", "--n", "2");
        Assert.Equal(2, code);
        Assert.Contains("error: grid = ", error);
        Assert.Contains("use --method samples", error);
    }

    /// <summary>Replaces valid sizes after --steps / --n by small ones (invalid values stay: they are refused before work).</summary>
    private static void ForceSmall(List<string> args, string flag, string small)
    {
        bool seen = false;
        for (int i = 0; i < args.Count; i++)
        {
            if (args[i] == flag && i + 1 < args.Count)
            {
                seen = true;
                if (int.TryParse(args[i + 1], out int value) && value > 3)
                {
                    args[i + 1] = small;
                }
            }
        }

        if (!seen)
        {
            args.AddRange([flag, small]);
        }
    }

    private void ForceScratchOutput(List<string> args)
    {
        for (int i = 0; i < args.Count - 1; i++)
        {
            if (args[i] == "--out" && !args[i + 1].StartsWith(_scratch.Root, StringComparison.Ordinal))
            {
                args[i + 1] = _scratch["out-" + i];
            }
        }

        // plot / merge / verify take directories: keep them inside the scratch directory too.
        if (args.Count > 1 && args[0] is "plot" or "merge" && !args[1].StartsWith(_scratch.Root, StringComparison.Ordinal) && !args[1].StartsWith('-'))
        {
            args[1] = _scratch.Root;
        }
    }

    private static void AssertCleanEnd(string[] args, string what)
    {
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        int code;
        string output;
        string error;
        try
        {
            (code, output, error) = PipelineTestFiles.Cli(guard.Token, args);
        }
        catch (Exception e)
        {
            Assert.Fail($"{what}: unhandled {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
            return;
        }

        Assert.False(guard.IsCancellationRequested, $"{what}: still running after 20 s (exit {code}); the fuzz inputs must stay cheap");
        bool verify = args.Length > 0 && args[0] == "verify";
        Assert.True(code is 0 or 2 or 3 || (verify && code == 1), $"{what}: exit {code}\n{error}");
        Assert.DoesNotContain("   at ", error);
        Assert.DoesNotContain("Exception", error);
        if (code is 2 or 3)
        {
            string[] messages = error.Split('\n').Where(line => line.StartsWith("error: ", StringComparison.Ordinal) || line.StartsWith("numerical failure: ", StringComparison.Ordinal)).ToArray();
            Assert.True(messages.Length == 1, $"{what}: exit {code} with {messages.Length} messages:\n{error}");
            int index = error.IndexOf(messages[0], StringComparison.Ordinal);
            string rest = error[(index + messages[0].Length)..].Trim();
            Assert.True(rest.Length == 0, $"{what}: the message continues over more lines:\n{error}");
        }

        _ = output;
    }

    private static string Describe(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        string text = Encoding.UTF8.GetString(bytes, 0, Math.Min(bytes.Length, 300));
        return text.Replace('\n', ' ');
    }

    /// <summary>One to three mutations of a valid JSON document, as bytes (some mutations break UTF-8 or the syntax).</summary>
    private static byte[] MutatedDocument(string json, Random random)
    {
        JsonNode root = JsonNode.Parse(json)!;
        int mutations = 1 + random.Next(2);
        for (int m = 0; m < mutations; m++)
        {
            root = MutateTree(root, random);
        }

        string text = root.ToJsonString();
        foreach (int depth in new[] { 40, 300 })
        {
            string nested = string.Concat(Enumerable.Range(0, depth).Select(i => i % 2 == 0 ? "[" : "{\"a\":")) + "1"
                + string.Concat(Enumerable.Range(0, depth).Reverse().Select(i => i % 2 == 0 ? "]" : "}"));
            text = text.Replace($"\"{DeepMarker}{depth}\"", nested);
        }

        return random.Next(12) switch
        {
            0 => Encoding.UTF8.GetBytes(text[..random.Next(text.Length + 1)]),
            1 => InsertBytes(Encoding.UTF8.GetBytes(text), random, [0xC3, 0x28, 0xFF, 0xFE, 0x80]),
            2 => Encoding.UTF8.GetBytes(ReplaceRandomNumberText(text, random)),
            _ => Encoding.UTF8.GetBytes(text),
        };
    }

    private static byte[] InsertBytes(byte[] bytes, Random random, byte[] bad)
    {
        int at = random.Next(bytes.Length + 1);
        int length = 1 + random.Next(bad.Length);
        return [.. bytes[..at], .. bad[..length], .. bytes[at..]];
    }

    /// <summary>Writes a number literal JSON cannot carry (NaN, a leading +, 1e99999) over one digit run.</summary>
    private static string ReplaceRandomNumberText(string text, Random random)
    {
        string[] literals = ["NaN", "+1", "1e99999", "-Infinity", ".5", "01", "1..2", "0x1F", "1e", "\"1\""];
        int at = text.IndexOfAny("0123456789".ToCharArray(), random.Next(text.Length));
        if (at < 0)
        {
            return text;
        }

        int end = at;
        while (end < text.Length && (char.IsDigit(text[end]) || text[end] is '.' or 'e' or 'E' or '-' or '+'))
        {
            end++;
        }

        return text[..at] + literals[random.Next(literals.Length)] + text[end..];
    }

    /// <summary>Picks a random node of the tree and mutates it (or its key in its parent object).</summary>
    private static JsonNode MutateTree(JsonNode root, Random random)
    {
        var nodes = new List<JsonNode>();
        Collect(root, nodes);

        // Half of the mutations keep the structure and put a number at double's edges into a numeric leaf,
        // so that valid-looking inputs reach the arithmetic, not only the parser.
        JsonNode[] numbers = nodes.Where(n => n is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number).ToArray();
        bool numeric = numbers.Length > 0 && random.Next(2) == 0;
        JsonNode victim = numeric ? numbers[random.Next(numbers.Length)] : nodes[random.Next(nodes.Count)];
        JsonNode? parent = victim.Parent;
        JsonNode replacement = numeric ? JsonNode.Parse(EdgeNumbers[random.Next(EdgeNumbers.Length)])! : RandomValue(random, victim);
        if (numeric && parent is JsonObject numberParent)
        {
            numberParent[victim.GetPropertyName()] = replacement;
            return root;
        }

        if (numeric && parent is JsonArray numberArray)
        {
            numberArray[victim.GetElementIndex()] = replacement;
            return root;
        }

        if (parent is null)
        {
            return random.Next(3) == 0 ? replacement : root;
        }

        if (parent is JsonObject obj)
        {
            string key = victim.GetPropertyName();
            switch (random.Next(4))
            {
                case 0:
                    obj.Remove(key);
                    break;
                case 1:
                    obj.Remove(key);
                    obj[Keys[random.Next(Keys.Length)]] = replacement;
                    break;
                default:
                    obj[key] = replacement;
                    break;
            }
        }
        else if (parent is JsonArray array)
        {
            int index = victim.GetElementIndex();
            if (random.Next(4) == 0)
            {
                array.RemoveAt(index);
            }
            else
            {
                array[index] = replacement;
            }
        }

        return root;
    }

    private static void Collect(JsonNode? node, List<JsonNode> nodes)
    {
        if (node is null)
        {
            return;
        }

        nodes.Add(node);
        if (node is JsonObject obj)
        {
            foreach (KeyValuePair<string, JsonNode?> property in obj.ToList())
            {
                Collect(property.Value, nodes);
            }
        }
        else if (node is JsonArray array)
        {
            foreach (JsonNode? item in array.ToList())
            {
                Collect(item, nodes);
            }
        }
    }

    /// <summary>A value of a random JSON type: edge numbers, strings, literals, empty and huge arrays, deep nesting, or the old value's copy.</summary>
    private static JsonNode RandomValue(Random random, JsonNode old)
    {
        JsonNode Number() => JsonNode.Parse(EdgeNumbers[random.Next(EdgeNumbers.Length)])!;
        switch (random.Next(11))
        {
            case 0:
                return JsonValue.Create(random.Next(2) == 0 ? "" : Keys[random.Next(Keys.Length)] + new string('z', random.Next(3)))!;
            case 1:
                return JsonValue.Create(random.Next(2) == 0);
            case 2:
                return new JsonObject();
            case 3:
                return new JsonArray();
            case 4:
            {
                // a huge array: 100000 numbers (or nested one level)
                var huge = new JsonArray();
                int length = random.Next(2) == 0 ? 100_000 : 3000;
                for (int i = 0; i < length; i++)
                {
                    huge.Add(JsonValue.Create(i % 7 == 0 ? 1e308 : 0.5));
                }

                return random.Next(2) == 0 ? huge : new JsonArray(huge);
            }

            case 5:
                // deep nesting, written as text after serialisation (the writer itself stops at depth 64)
                return JsonValue.Create(random.Next(2) == 0 ? DeepMarker + "40" : DeepMarker + "300")!;

            case 6:
                return new JsonArray(Number(), Number());
            case 7:
                return new JsonArray(new JsonArray(Number()), new JsonArray(Number(), Number()));
            case 8:
                return JsonNode.Parse(old.ToJsonString())!;
            default:
                return Number();
        }
    }
}
