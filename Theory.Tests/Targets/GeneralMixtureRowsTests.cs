using Diffusion.Verify.Targets;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// A full-covariance mixture evaluates a score block by matrix products and keeps the evaluation (per thread)
/// for the single-point calls that follow at the same rows. Bit for bit: a row scored in a block has the
/// values a lone evaluation of that point gives on a thread that never saw the block, and nothing kept is
/// handed out for another point, level or mixture (each checked against a fresh thread, with values that
/// differ from the kept ones, so a false reuse would fail).
/// </summary>
public sealed class GeneralMixtureRowsTests
{
    private const int D = 19; // not a multiple of any vector width: the products' edges are exercised

    private static GeneralMixture Mixture(int seed)
    {
        var draws = new Draws(seed, 71);
        const int k = 3;
        double[][] means = Enumerable.Range(0, k).Select(_ => draws.Normals(D).Select(v => 2.0 * v).ToArray()).ToArray();
        var covariances = new double[k][][];
        for (int c = 0; c < k; c++)
        {
            double[][] a = Enumerable.Range(0, D).Select(_ => draws.Normals(D)).ToArray();
            covariances[c] = Enumerable.Range(0, D).Select(i => Enumerable.Range(0, D).Select(j =>
                (0.2 * (i == j ? 1 : 0)) + (Enumerable.Range(0, D).Sum(l => a[i][l] * a[j][l]) / D)).ToArray()).ToArray();
        }

        return GeneralMixture.FromCovariances([0.3, 0.3, 0.4], means, covariances);
    }

    private static T OnFreshThread<T>(Func<T> evaluate)
    {
        T result = default!;
        var thread = new Thread(() => result = evaluate());
        thread.Start();
        thread.Join();
        return result;
    }

    private static double[] Points(int rows) => new Draws(5, 73).Normals(rows * D).Select(v => 1.5 * v).ToArray();

    [Fact]
    public void BlockRowsGiveTheBitsOfLonePoints()
    {
        GeneralMixture mixture = Mixture(1);
        const int rows = 7;
        const double alphaBar = 0.6;
        double[] x = Points(rows);
        var score = new double[rows * D];
        var logDensity = new double[rows];
        mixture.ScoreBlock(x, rows, alphaBar, score, [], logDensity);
        for (int r = 0; r < rows; r++)
        {
            double[] point = x.AsSpan(r * D, D).ToArray();
            var jacobian = new double[D * D];
            mixture.Jacobian(point, alphaBar, jacobian); // from the kept block
            (double[] loneScore, double loneLogDensity, double[] loneJacobian) = OnFreshThread(() =>
            {
                // The Jacobian first, while this thread has kept nothing; then the point as a block of one.
                var j = new double[D * D];
                mixture.Jacobian(point, alphaBar, j);
                var s = new double[D];
                var l = new double[1];
                mixture.ScoreBlock(point, 1, alphaBar, s, [], l);
                return (s, l[0], j);
            });
            Assert.True(loneScore.AsSpan().SequenceEqual(score.AsSpan(r * D, D)), $"row {r}: score differs from the lone point's");
            Assert.Equal(BitConverter.DoubleToInt64Bits(loneLogDensity), BitConverter.DoubleToInt64Bits(logDensity[r]));
            Assert.Equal(BitConverter.DoubleToInt64Bits(loneLogDensity), BitConverter.DoubleToInt64Bits(mixture.LogDensity(point, alphaBar)));
            Assert.True(loneJacobian.AsSpan().SequenceEqual(jacobian), $"row {r}: Jacobian differs from the lone point's");
        }
    }

    [Fact]
    public void NothingKeptIsReusedForAnotherPointLevelOrMixture()
    {
        GeneralMixture mixture = Mixture(1);
        GeneralMixture other = Mixture(2);
        const int rows = 5;
        const double alphaBar = 0.6;
        double[] x = Points(rows);
        var logDensity = new double[rows];
        mixture.ScoreBlock(x, rows, alphaBar, new double[rows * D], [], logDensity);
        double[] first = x.AsSpan(0, D).ToArray();
        double[] moved = (double[])first.Clone();
        moved[D - 1] += 1e-3;

        (string Case, Func<double> Here, double Kept)[] cases =
        [
            ("another level", () => mixture.LogDensity(first, 0.5), logDensity[0]),
            ("another mixture", () => other.LogDensity(first, alphaBar), logDensity[0]),
            ("another point", () => mixture.LogDensity(moved, alphaBar), logDensity[0]),
        ];
        foreach ((string name, Func<double> here, double kept) in cases)
        {
            mixture.ScoreBlock(x, rows, alphaBar, new double[rows * D], [], logDensity);
            double value = here();
            double fresh = OnFreshThread(here);
            Assert.True(fresh != kept, $"{name}: the case cannot tell a reuse from a fresh evaluation");
            Assert.Equal(BitConverter.DoubleToInt64Bits(fresh), BitConverter.DoubleToInt64Bits(value));
        }
    }
}
