using Diffusion.Verify.Targets;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>TargetJson: every kind parses to the right type and parameters; every error names its JSON path and value.</summary>
public class TargetsJsonTests
{
    [Theory]
    [InlineData("""{ "kind": "gmm", "weights": [0.5, 0.6], "means": [[0], [1]], "variances": [1, 1] }""", "$.weights", "1.1")]
    [InlineData("""{ "kind": "gmm", "weights": [0.5, 0.5], "means": [[0], [1]], "diagonals": [[1], [1]], "colour": "red" }""", "$.colour", "\"red\"")]
    [InlineData("""{ "kind": "gmmm", "weights": [1], "means": [[0]], "variances": [1] }""", "$.kind", "gmmm")]
    [InlineData("""{ "kind": "gmm", "weights": [1.5, -0.5], "means": [[0], [1]], "variances": [1, 1] }""", "$.weights[1]", "-0.5")]
    [InlineData("""{ "kind": "gmm", "weights": [0.5, 0.5], "means": [[0, 0], [1]], "variances": [1, 1] }""", "$.means[1]", "1 coordinates")]
    [InlineData("""{ "kind": "gmm", "weights": [1], "means": [[0, 0]], "diagonals": [[1, 2, 3]] }""", "$.diagonals[0]", "3 values")]
    [InlineData("""{ "kind": "gmm", "weights": [1], "means": [[0, 0]], "diagonals": [[1, 0]] }""", "$.diagonals[0][1]", "0")]
    [InlineData("""{ "kind": "gmm", "weights": [1], "means": [[0, 0]], "covariances": [[[1, 0, 0], [0, 1, 0], [0, 0, 1]]] }""", "$.covariances[0]", "3 rows")]
    [InlineData("""{ "kind": "gmm", "weights": [1], "means": [[0, 0]], "covariances": [[[1, 0], [0]]] }""", "$.covariances[0][1]", "1 entries")]
    [InlineData("""{ "kind": "gmm", "weights": [0.5, 0.5], "means": [[0, 0], [1, 1]], "covariances": [[[1, 0], [0, 1]], [[1, 2], [2, 1]]] }""", "$.covariances[1]", "smallest eigenvalue -1")]
    [InlineData("""{ "kind": "gmm", "weights": [1], "means": [[0, 0]], "covariances": [[[1, 1], [1, 1]]] }""", "$.covariances[0]", "smallest eigenvalue")]
    [InlineData("""{ "kind": "gmm", "weights": [1], "means": [[0, 0]], "covariances": [[[1, 0.5], [0.4, 1]]] }""", "$.covariances[0][0][1]", "0.5")]
    [InlineData("""{ "kind": "gmm", "weights": [1], "means": [[0, 0]], "covariances": [[[-1, 0], [0, 1]]] }""", "$.covariances[0][0][0]", "-1")]
    [InlineData("""{ "kind": "gmm", "weights": [1], "means": [[0]], "variances": [1], "diagonals": [[1]] }""", "$.diagonals", "variances, diagonals")]
    [InlineData("""{ "kind": "gmm", "weights": [1], "means": [[0]] }""", "$.variances", "(missing)")]
    [InlineData("""{ "kind": "gmm", "weights": [1], "means": [[0]], "variances": ["one"] }""", "$.variances[0]", "\"one\"")]
    [InlineData("""{ "kind": "gaussian", "dimension": 3, "spectrum": [1, 2] }""", "$.spectrum", "2 values")]
    [InlineData("""{ "kind": "gaussian", "dimension": 3, "spectrum": [1, 2, -3] }""", "$.spectrum[2]", "-3")]
    [InlineData("""{ "kind": "gaussian", "dimension": 3, "variance": 1, "mean": [0, 0] }""", "$.mean", "2 values")]
    [InlineData("""{ "kind": "gaussian", "dimension": 3, "variance": 0 }""", "$.variance", "0")]
    [InlineData("""{ "kind": "gaussian", "dimension": 3, "variance": 1, "seed": 4 }""", "$.seed", "4")]
    [InlineData("""{ "kind": "gaussian", "dimension": 0, "variance": 1 }""", "$.dimension", "0")]
    [InlineData("""{ "kind": "embedded", "dimension": 10, "complementVariance": 1, "core": { "kind": "gmm", "weights": [0.5, 0.5], "means": [[0], [1]], "variances": [1, -1] } }""", "$.core.variances[1]", "-1")]
    [InlineData("""{ "kind": "embedded", "dimension": 10, "complementVariance": 1, "core": { "kind": "gmm", "weights": [1.5, -0.5], "means": [[0], [1]], "variances": [1, 1] } }""", "$.core.weights[1]", "-0.5")]
    [InlineData("""{ "kind": "embedded", "dimension": 100, "complementVariance": 1, "core": { "kind": "gaussian", "dimension": 65, "variance": 1 } }""", "$.core", "dimension 65")]
    [InlineData("""{ "kind": "embedded", "dimension": 8, "complementVariance": 0, "core": { "kind": "gaussian", "dimension": 9, "variance": 1 } }""", "$.dimension", "8")]
    [InlineData("""{ "kind": "embedded", "dimension": 10, "complementVariance": -1e-300, "core": { "kind": "gaussian", "dimension": 4, "variance": 1 } }""", "$.complementVariance", "-1E-300")]
    [InlineData("""{ "kind": "embedded", "dimension": 10, "complementVariance": 0, "core": { "kind": "gmm", "weights": [1], "means": [[0, 0, 0, 0]], "diagonals": [[1, 1, 0, 1]] } }""", "$.core.diagonals[0][2]", "0")]
    [InlineData("""{ "kind": "embedded", "dimension": 1, "complementVariance": 1, "core": { "kind": "gaussian", "dimension": 2, "variance": 1 } }""", "$.dimension", "1")]
    [InlineData("""{ "kind": "embedded", "dimension": 10, "complementVariance": -2, "core": { "kind": "gaussian", "dimension": 2, "variance": 1 } }""", "$.complementVariance", "-2")]
    [InlineData("""{ "kind": "embedded", "dimension": 10, "complementVariance": 1, "core": { "kind": "gaussian", "dimension": 2, "variance": 1, "extra": 1 } }""", "$.core.extra", "1")]
    [InlineData("""{ "kind": "embedded", "dimension": 10, "complementVariance": 1, "core": { "kind": "embedded", "dimension": 2, "complementVariance": 1, "core": {} } }""", "$.core.kind", "embedded")]
    [InlineData("""{ "kind": "random-gmm", "dimension": 4, "components": 2, "meanScale": 1, "covariance": "spherical" }""", "$.covariance", "spherical")]
    [InlineData("""{ "kind": "random-gmm", "dimension": 4, "components": 0, "meanScale": 1, "covariance": "full" }""", "$.components", "0")]
    [InlineData("""{ "kind": "random-gmm", "dimension": 4, "components": 2, "meanScale": 1, "covariance": "full", "variance": -1 }""", "$.variance", "-1")]
    [InlineData("""{ "kind": "random-gmm", "dimension": 4, "components": 2, "covariance": "full" }""", "$.meanScale", "(missing)")]
    public void Errors_name_the_json_path_and_the_value(string json, string field, string valueFragment)
    {
        var error = Assert.Throws<InvalidSpecificationException>(() => TargetJson.Parse(json));
        Assert.Equal(field, error.Field);
        Assert.Contains(valueFragment, error.Value);
        Assert.StartsWith($"{field} = ", error.Message);
    }

    [Fact]
    public void GmmFormsParseToTheirClassesWithTheGivenParameters()
    {
        var iso = Assert.IsType<IsotropicMixture>(TargetJson.Parse("""{ "kind": "gmm", "weights": [0.25, 0.75], "means": [[0, 1], [2, 3]], "variances": [0.5, 2] }"""));
        Assert.Equal([0.5, 2.0], iso.Variances);

        var diagonal = Assert.IsType<GeneralMixture>(TargetJson.Parse("""{ "kind": "gmm", "weights": [0.25, 0.75], "means": [[0, 1], [2, 3]], "diagonals": [[0.5, 1], [2, 3]] }"""));
        Assert.Equal(CovarianceForm.Diagonal, diagonal.Form);
        Assert.Equal([2.0, 0, 0, 3.0], diagonal.Covariance(1));

        double[][][] covariances = [[[1, 0.3, 0], [0.3, 2, -0.4], [0, -0.4, 0.5]], [[0.2, 0, 0], [0, 0.3, 0.1], [0, 0.1, 4]]];
        var full = Assert.IsType<GeneralMixture>(TargetJson.Parse("""{ "kind": "gmm", "weights": [0.5, 0.5], "means": [[0, 1, 2], [2, 3, 4]], "covariances": [[[1, 0.3, 0], [0.3, 2, -0.4], [0, -0.4, 0.5]], [[0.2, 0, 0], [0, 0.3, 0.1], [0, 0.1, 4]]] }"""));
        Assert.Equal(CovarianceForm.Full, full.Form);
        for (int k = 0; k < 2; k++)
        {
            double[] reconstructed = full.Covariance(k);
            for (int i = 0; i < 3; i++)
            {
                for (int j = 0; j < 3; j++)
                {
                    Assert.Equal(covariances[k][i][j], reconstructed[i * 3 + j], 1e-13);
                }
            }

            Assert.Equal([2.0 * k, 1 + 2.0 * k, 2 + 2.0 * k], full.Mean(k).ToArray());
        }
    }

    [Fact]
    public void GaussianExposesMeanEigenvaluesEigenvectorsAndRotatedMean()
    {
        var iso = Assert.IsType<GaussianTarget>(TargetJson.Parse("""{ "kind": "gaussian", "dimension": 1000, "variance": 4.0 }"""));
        Assert.True(iso.IsIsotropic);
        Assert.Null(iso.Eigenvectors);
        Assert.Equal(1000, iso.Dimension);
        Assert.All(iso.Eigenvalues.ToArray(), v => Assert.Equal(4.0, v));
        Assert.All(iso.Mean.ToArray(), v => Assert.Equal(0.0, v));

        var rotated = Assert.IsType<GaussianTarget>(TargetJson.Parse("""{ "kind": "gaussian", "dimension": 3, "spectrum": [0.5, 1, 2], "mean": [1, 2, 3], "seed": 4 }"""));
        Assert.False(rotated.IsIsotropic);
        double[] q = rotated.Eigenvectors!.Value.ToArray();
        double[] mean = rotated.Mean.ToArray();
        double[] rotatedMean = rotated.MeanInEigenbasis.ToArray();
        for (int a = 0; a < 3; a++)
        {
            double qtMu = 0;
            for (int i = 0; i < 3; i++)
            {
                qtMu += q[i * 3 + a] * mean[i];
            }

            Assert.Equal(qtMu, rotatedMean[a], 1e-14);
            for (int b = 0; b < 3; b++)
            {
                double dot = 0;
                for (int i = 0; i < 3; i++)
                {
                    dot += q[i * 3 + a] * q[i * 3 + b];
                }

                Assert.Equal(a == b ? 1.0 : 0.0, dot, 1e-14);
            }
        }

        // Same seed, same eigenvectors; another seed, other eigenvectors.
        var again = (GaussianTarget)TargetJson.Parse("""{ "kind": "gaussian", "dimension": 3, "spectrum": [0.5, 1, 2], "mean": [1, 2, 3], "seed": 4 }""");
        var other = (GaussianTarget)TargetJson.Parse("""{ "kind": "gaussian", "dimension": 3, "spectrum": [0.5, 1, 2], "mean": [1, 2, 3], "seed": 5 }""");
        Assert.Equal(q, again.Eigenvectors!.Value.ToArray());
        Assert.NotEqual(q, other.Eigenvectors!.Value.ToArray());
    }

    [Fact]
    public void EmbeddedExposesCoreBasisAndComplementVariance()
    {
        var embedded = Assert.IsType<EmbeddedMixture>(TargetJson.Parse("""{ "kind": "embedded", "dimension": 1000, "complementVariance": 0.7, "seed": 2, "core": { "kind": "gmm", "weights": [0.5, 0.5], "means": [[-1, 0], [1, 0]], "variances": [0.1, 0.1] } }"""));
        Assert.Equal(1000, embedded.Dimension);
        Assert.Equal(2, embedded.CoreDimension);
        Assert.Equal(0.7, embedded.ComplementVariance);
        Assert.IsType<IsotropicMixture>(embedded.Core);
        double[] u = embedded.Basis.ToArray();
        Assert.Equal(2000, u.Length);
        for (int a = 0; a < 2; a++)
        {
            for (int b = 0; b < 2; b++)
            {
                double dot = 0;
                for (int i = 0; i < 1000; i++)
                {
                    dot += u[i * 2 + a] * u[i * 2 + b];
                }

                Assert.Equal(a == b ? 1.0 : 0.0, dot, 1e-13);
            }
        }
    }

    [Fact]
    public void RandomGmmIsReproducibleFromItsSeedAndHasTheStatedShape()
    {
        const string json = """{ "kind": "random-gmm", "dimension": 32, "components": 8, "meanScale": 2.0, "covariance": "full", "seed": 7 }""";
        var a = Assert.IsType<GeneralMixture>(TargetJson.Parse(json));
        var b = Assert.IsType<GeneralMixture>(TargetJson.Parse(json));
        var other = Assert.IsType<GeneralMixture>(TargetJson.Parse(json.Replace("\"seed\": 7", "\"seed\": 8")));
        Assert.Equal(8, a.Components);
        Assert.Equal(32, a.Dimension);
        for (int k = 0; k < 8; k++)
        {
            Assert.Equal(0.125, a.Weights[k]);
            Assert.Equal(a.Mean(k).ToArray(), b.Mean(k).ToArray());
            Assert.Equal(a.Covariance(k), b.Covariance(k));
            Assert.NotEqual(a.Mean(k).ToArray(), other.Mean(k).ToArray());
            double norm = Math.Sqrt(a.Mean(k).ToArray().Sum(v => v * v));
            Assert.Equal(2.0, norm, 1e-12);

            // λ = variance · exp(U(−ln 2, ln 2)) with the default variance 0.25.
            Assert.All(a.Eigenvalues(k).ToArray(), l => Assert.InRange(l, 0.125, 0.5));
            Assert.False(a.IsDiagonal(k));
        }

        var iso = Assert.IsType<IsotropicMixture>(TargetJson.Parse("""{ "kind": "random-gmm", "dimension": 32, "components": 8, "meanScale": 2.0, "covariance": "isotropic", "seed": 7, "variance": 0.5 }"""));
        Assert.All(iso.Variances, v => Assert.Equal(0.5, v));
        for (int k = 0; k < 8; k++)
        {
            // The mean directions come from the same draws whatever the covariance form.
            Assert.Equal(a.Mean(k).ToArray(), iso.Mean(k).ToArray());
        }
    }
}
