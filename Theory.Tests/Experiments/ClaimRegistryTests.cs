using Diffusion.Verify.Experiments.Reporting;
using Diffusion.Verify.Fitting;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>The claims registry: the shipped file loads, and bad files are refused naming the JSON path.</summary>
public class ClaimRegistryTests
{
    private const string Valid = """
        {
          "claims": [
            {
              "id": "X1",
              "source": { "authors": "A, B", "year": 2024, "arxiv": "0000.00000", "theorem": "Theorem 1" },
              "sampler": "acc-ode", "metric": "tv", "provedFor": ["li2024"],
              "p": { "value": 2, "read": "source" },
              "q": { "value": 6, "read": "quoted", "from": "somewhere" },
              "a": { "read": "unread" },
              "statement": "TV <= C log^6 T / T^2"
            }
          ],
          "pairs": [ { "accelerated": "acc-ode", "vanilla": "ddim-type" } ]
        }
        """;

    [Fact]
    public void TheShippedRegistryLoadsWithThePapersClaims()
    {
        ClaimRegistry registry = ClaimRegistry.LoadDefault();
        RateClaim ode = registry.Claims.Single(c => c.Id == "LHEWCC24-ode");
        Assert.Equal((2.0, 6.0, 6.0), (ode.P.Value, ode.Q.Value, ode.A.Value));
        Assert.Contains("li2024", ode.ProvedFor);
        Assert.Contains(registry.Claims, c => c.Sampler == "acc-sde" && c.Metric == "sqrt_half_path_kl" && c.Q.Value == 4.5);
        Assert.Contains(registry.Claims, c => c.Id == "LY24-thm1" && c.Sampler == "ddpm-type" && c.A.Value == 1);
        Assert.All(registry.Claims.Where(c => c.Source.ArxivId == "2306.09251"), c => Assert.True(c.JudgedOnTExponentAlone));
    }

    [Fact]
    public void AValidFileParses()
    {
        ClaimRegistry registry = ClaimRegistry.Parse(Valid, "claims.json:$");
        Assert.Single(registry.Claims);
        Assert.False(registry.Claims[0].A.IsKnown);
        Assert.Equal("1 / T^2", new RateClaim("x", registry.Claims[0].Source, "acc-ode", "tv", [], new(2, ExponentProvenance.Source), new(0, ExponentProvenance.Source), new(0, ExponentProvenance.Source), null, "").Shape);
    }

    [Theory]
    [InlineData("\"metric\": \"tv\",", "\"metric\": \"tv\", \"colour\": 1,", "claims.json:$.claims[0].colour")]
    [InlineData("\"p\": { \"value\": 2,", "\"p\": { \"value\": -2,", "claims.json:$.claims[0].p.value")]
    [InlineData("\"q\": { \"value\": 6,", "\"q\": { \"value\": -0.5,", "claims.json:$.claims[0].q.value")]
    [InlineData("\"read\": \"quoted\"", "\"read\": \"maybe\"", "claims.json:$.claims[0].q.read")]
    [InlineData("\"sampler\": \"acc-ode\"", "\"sampler\": \"acc-odd\"", "claims.json:$.claims[0].sampler")]
    [InlineData("\"provedFor\": [\"li2024\"]", "\"provedFor\": [\"li2025\"]", "claims.json:$.claims[0].provedFor[0]")]
    [InlineData("\"year\": 2024,", "\"year\": 2024, \"doi\": \"x\",", "claims.json:$.claims[0].source.doi")]
    [InlineData("\"a\": { \"read\": \"unread\" }", "\"a\": { \"read\": \"unread\", \"value\": 3 }", "claims.json:$.claims[0].a.value")]
    [InlineData("\"vanilla\": \"ddim-type\"", "\"vanilla\": \"nope\"", "claims.json:$.pairs[0].vanilla")]
    public void ABadFileIsRefusedNamingTheJsonPath(string find, string replace, string path)
    {
        string json = Valid.Replace(find, replace, StringComparison.Ordinal);
        Assert.NotEqual(Valid, json);
        var e = Assert.Throws<InvalidSpecificationException>(() => ClaimRegistry.Parse(json, "claims.json:$"));
        Assert.Equal(path, e.Field);
    }

    [Fact]
    public void ARepeatedIdIsRefused()
    {
        string claim = Valid[(Valid.IndexOf('[') + 1)..Valid.IndexOf("\"pairs\"", StringComparison.Ordinal)].Trim().TrimEnd(',').TrimEnd(']').Trim();
        string json = Valid.Replace(claim, claim + ",\n" + claim, StringComparison.Ordinal);
        var e = Assert.Throws<InvalidSpecificationException>(() => ClaimRegistry.Parse(json, "claims.json:$"));
        Assert.Equal("claims.json:$.claims[1].id", e.Field);
    }

    [Theory]
    [InlineData("\"metric\": \"tv\",", "\"metric\": \"tv\", \"colour\": 1,", "$.claims[0].colour")]
    [InlineData("\"p\": { \"value\": 2,", "\"p\": { \"value\": -2,", "$.claims[0].p.value")]
    public void ValidateRefusesABadClaimsFileWithExitTwoNamingThePath(string find, string replace, string path)
    {
        string directory = Directory.CreateTempSubdirectory("dv-claims-").FullName;
        try
        {
            string file = Path.Combine(directory, "claims.json");
            File.WriteAllText(file, Valid.Replace(find, replace, StringComparison.Ordinal));
            var output = new StringWriter();
            var error = new StringWriter();
            int code = Diffusion.Verify.Experiments.Cli.Entry.Run(["validate", file], output, error, CancellationToken.None);
            Assert.Equal(2, code);
            Assert.Contains($"claims.json:{path}", error.ToString(), StringComparison.Ordinal);

            File.WriteAllText(file, Valid);
            Assert.Equal(0, Diffusion.Verify.Experiments.Cli.Entry.Run(["validate", file], new StringWriter(), new StringWriter(), CancellationToken.None));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
