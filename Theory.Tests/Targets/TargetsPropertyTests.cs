using Diffusion.Verify.Numerics;
using Diffusion.Verify.Targets;
using FsCheck.Xunit;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// Closed forms of every target kind checked against each other and against independent numerics, on
/// random mixtures (d ≤ 8, K ≤ 4, ᾱ ∈ (1e−6, 1), isotropic / diagonal / full / embedded / Gaussian)
/// built deterministically from an FsCheck integer. Each check returns an error normalised by the
/// natural scale of the quantity. Worst values seen over seeds −3000..3000 (FsCheck's ints lie well
/// inside): score 5e−11, Jacobian 3e−10, isotropic vs dense 2e−12, ln|det| 1e−14, density 1.5e−14,
/// block 3e−16; the bounds sit ~100× above them, while a wrong term in any formula gives errors of
/// order 1e−3 or more.
/// </summary>
public class TargetsPropertyTests
{
    private const int Cases = 60;

    /// <summary>Central differences with one Richardson step (error O(h⁴)) at h = 1e−3 of the finest length scale.</summary>
    private const double RelativeStep = 1e-3;

    private const double ScoreTolerance = 1e-8;
    private const double JacobianTolerance = 3e-8;
    private const double AgreementTolerance = 2e-10;
    private const double LogDeterminantTolerance = 1e-12;
    private const double DensityTolerance = 1e-12;
    private const double BlockTolerance = 1e-13;

    [Property(MaxTest = Cases)]
    public void ScoreEqualsFiniteDifferenceOfLogDensity(int seed)
    {
        double error = ScoreError(seed, out string what);
        Assert.True(error <= ScoreTolerance, $"{what}: normalised score error {error:E3}");
    }

    [Property(MaxTest = Cases)]
    public void JacobianEqualsFiniteDifferenceOfScore(int seed)
    {
        double error = JacobianError(seed, out string what);
        Assert.True(error <= JacobianTolerance, $"{what}: normalised Jacobian error {error:E3}");
    }

    [Property(MaxTest = Cases)]
    public void IsotropicFastPathEqualsDensePath(int seed)
    {
        double error = IsotropicAgreementError(seed, out string what);
        Assert.True(error <= AgreementTolerance, $"{what}: normalised disagreement {error:E3}");
    }

    [Property(MaxTest = Cases)]
    public void LogDeterminantEqualsDenseLu(int seed)
    {
        double error = LogDeterminantError(seed, out string what);
        Assert.True(error <= LogDeterminantTolerance, $"{what}: ln|det| error {error:E3}");
    }

    [Property(MaxTest = Cases)]
    public void LogDensityEqualsDenseReference(int seed)
    {
        double error = DensityError(seed, out string what);
        Assert.True(error <= DensityTolerance, $"{what}: ln q error {error:E3}");
    }

    [Property(MaxTest = Cases)]
    public void ScoreBlockEqualsRowByRowEvaluation(int seed)
    {
        double error = BlockError(seed, out string what);
        Assert.True(error <= BlockTolerance, $"{what}: block vs single-row disagreement {error:E3}");
    }

    /// <summary>max_j |∂_j ln q (finite difference) − s_j| / (‖s‖∞ + 1/σ_min).</summary>
    internal static double ScoreError(int seed, out string what)
    {
        (TargetCase c, double alphaBar, double[] x) = Setup(seed);
        what = $"{c} at ᾱ = {alphaBar:R}";
        int d = c.Dimension;
        var s = new double[d];
        c.Target.Score(x, alphaBar, s);
        double sigma = Math.Sqrt(c.MinDiffusedVariance(alphaBar));
        double h = RelativeStep * sigma;
        double worst = 0;
        var y = new double[d];
        for (int j = 0; j < d; j++)
        {
            double fd = Derivative(delta =>
            {
                x.CopyTo(y, 0);
                y[j] += delta;
                return c.Target.LogDensity(y, alphaBar);
            }, h);
            worst = Math.Max(worst, Math.Abs(fd - s[j]));
        }

        return worst / (MaxAbs(s) + 1 / sigma);
    }

    /// <summary>max_ij |∂_j s_i (finite difference) − J_ij| / (‖J‖max + 1/σ_min²).</summary>
    internal static double JacobianError(int seed, out string what)
    {
        (TargetCase c, double alphaBar, double[] x) = Setup(seed);
        what = $"{c} at ᾱ = {alphaBar:R}";
        int d = c.Dimension;
        var jacobian = new double[d * d];
        c.Target.Jacobian(x, alphaBar, jacobian);
        double variance = c.MinDiffusedVariance(alphaBar);
        double h = RelativeStep * Math.Sqrt(variance);
        double worst = 0;
        var y = new double[d];
        var s = new double[d];
        for (int j = 0; j < d; j++)
        {
            for (int i = 0; i < d; i++)
            {
                double fd = Derivative(delta =>
                {
                    x.CopyTo(y, 0);
                    y[j] += delta;
                    c.Target.Score(y, alphaBar, s);
                    return s[i];
                }, h);
                worst = Math.Max(worst, Math.Abs(fd - jacobian[i * d + j]));
            }
        }

        return worst / (MaxAbs(jacobian) + 1 / variance);
    }

    /// <summary>
    /// IsotropicMixture vs the same mixture given as full covariances σ_k² I (eigendecomposed) and as
    /// Q diag(σ_k²) Qᵀ with a random Q (the full code path with a non-trivial rotation): log density,
    /// score, Jacobian and ln|det(I + c∇s)|, each relative to its scale.
    /// </summary>
    internal static double IsotropicAgreementError(int seed, out string what)
    {
        var draws = new Draws(seed, 2);
        TargetCase iso = RandomTargetCases.Mixture(draws, "isotropic", draws.Integer(1, 8), seed);
        var fast = (IsotropicMixture)iso.Target;
        int d = iso.Dimension;
        int k = fast.Components;
        double[][] means = Enumerable.Range(0, k).Select(c => fast.Mean(c).ToArray()).ToArray();
        var dense = GeneralMixture.FromCovariances(fast.Weights, means, iso.Covariances.Select(m => TargetCase.Rows(m, d)).ToArray());
        double[] q = RandomOrthonormal.Columns(d, d, Randomness.CounterRandom.Key(seed, Randomness.RandomStream.Evaluation, 3, 0));
        var rotated = GeneralMixture.FromEigen(
            fast.Weights,
            means,
            fast.Variances.Select(v => Enumerable.Repeat(v, d).ToArray()).ToArray(),
            Enumerable.Repeat<double[]?>(q, k).ToArray());
        double alphaBar = RandomTargetCases.AlphaBar(draws);
        double[] x = RandomTargetCases.Point(iso, alphaBar, draws, seed);
        double scale = draws.Uniform(0, 0.9) * iso.MinDiffusedVariance(alphaBar);
        what = $"{iso} at ᾱ = {alphaBar:R}, c = {scale:R}";

        double worst = 0;
        foreach (IDiffusedTarget other in new IDiffusedTarget[] { dense, rotated })
        {
            double lq = fast.LogDensity(x, alphaBar);
            worst = Math.Max(worst, Math.Abs(lq - other.LogDensity(x, alphaBar)) / (1 + Math.Abs(lq)));
            var s1 = new double[d];
            var s2 = new double[d];
            fast.Score(x, alphaBar, s1);
            other.Score(x, alphaBar, s2);
            worst = Math.Max(worst, MaxAbsDifference(s1, s2) / (MaxAbs(s1) + 1 / Math.Sqrt(iso.MinDiffusedVariance(alphaBar))));
            var j1 = new double[d * d];
            var j2 = new double[d * d];
            fast.Jacobian(x, alphaBar, j1);
            other.Jacobian(x, alphaBar, j2);
            worst = Math.Max(worst, MaxAbsDifference(j1, j2) / (MaxAbs(j1) + 1 / iso.MinDiffusedVariance(alphaBar)));
            double l1 = fast.LogAbsDetIdentityPlusScaledJacobian(x, alphaBar, scale);
            double l2 = other.LogAbsDetIdentityPlusScaledJacobian(x, alphaBar, scale);
            worst = Math.Max(worst, Math.Abs(l1 - l2) / (1 + Math.Abs(l1)));
        }

        return worst;
    }

    /// <summary>|ln|det(I + c∇s)| − LU of the dense I + c·Jacobian| / (1 + |value|), c ∈ (0, 0.9 σ_min²) so I + c∇s ⪰ 0.1 I.</summary>
    internal static double LogDeterminantError(int seed, out string what)
    {
        (TargetCase c, double alphaBar, double[] x) = Setup(seed);
        var draws = new Draws(seed, 4);
        double scale = draws.Uniform(0, 0.9) * c.MinDiffusedVariance(alphaBar);
        what = $"{c} at ᾱ = {alphaBar:R}, c = {scale:R}";
        int d = c.Dimension;
        var m = new double[d * d];
        c.Target.Jacobian(x, alphaBar, m);
        for (int i = 0; i < d * d; i++)
        {
            m[i] *= scale;
        }

        for (int i = 0; i < d; i++)
        {
            m[i * d + i] += 1;
        }

        double expected = DenseLu.LogAbsDeterminant(m, d);
        double actual = c.Target.LogAbsDetIdentityPlusScaledJacobian(x, alphaBar, scale);
        return Math.Abs(actual - expected) / (1 + Math.Abs(expected));
    }

    /// <summary>|ln q_t(x) − Cholesky reference| / (1 + |ln q_t(x)|).</summary>
    internal static double DensityError(int seed, out string what)
    {
        (TargetCase c, double alphaBar, double[] x) = Setup(seed);
        what = $"{c} at ᾱ = {alphaBar:R}";
        double expected = c.ReferenceLogDensity(x, alphaBar);
        return Math.Abs(c.Target.LogDensity(x, alphaBar) - expected) / (1 + Math.Abs(expected));
    }

    /// <summary>ScoreBlock over 5 rows (one scratch, per-call cache) vs Score and LogDensity row by row.</summary>
    internal static double BlockError(int seed, out string what)
    {
        (TargetCase c, double alphaBar, double[] _) = Setup(seed);
        what = $"{c} at ᾱ = {alphaBar:R}";
        int d = c.Dimension;
        const int rows = 5;
        var x = new double[rows * d];
        for (int r = 0; r < rows; r++)
        {
            c.Target.SampleDiffused(seed, 100 + r, alphaBar, x.AsSpan(r * d, d));
        }

        var score = new double[rows * d];
        var logDensity = new double[rows];
        var scratch = new double[c.Target.ScratchLength(rows)];
        Array.Fill(scratch, double.NaN);
        c.Target.ScoreBlock(x, rows, alphaBar, score, scratch, logDensity);
        double worst = 0;
        var single = new double[d];
        for (int r = 0; r < rows; r++)
        {
            double[] xr = x.AsSpan(r * d, d).ToArray();
            c.Target.Score(xr, alphaBar, single);
            worst = Math.Max(worst, MaxAbsDifference(single, score.AsSpan(r * d, d).ToArray()) / (1 + MaxAbs(single)));
            double lq = c.Target.LogDensity(xr, alphaBar);
            worst = Math.Max(worst, Math.Abs(lq - logDensity[r]) / (1 + Math.Abs(lq)));
        }

        return worst;
    }

    private static (TargetCase Case, double AlphaBar, double[] X) Setup(int seed)
    {
        TargetCase c = RandomTargetCases.Create(seed);
        var draws = new Draws(seed, 5);
        double alphaBar = RandomTargetCases.AlphaBar(draws);
        return (c, alphaBar, RandomTargetCases.Point(c, alphaBar, draws, seed));
    }

    /// <summary>f′(0) by central differences at h and h/2 combined by Richardson: (4 D(h/2) − D(h)) / 3.</summary>
    private static double Derivative(Func<double, double> f, double h)
    {
        double wide = (f(h) - f(-h)) / (2 * h);
        double narrow = (f(h / 2) - f(-h / 2)) / h;
        return (4 * narrow - wide) / 3;
    }

    private static double MaxAbs(double[] v) => v.Max(Math.Abs);

    private static double MaxAbsDifference(double[] a, double[] b) => a.Zip(b, (p, q) => Math.Abs(p - q)).Max();
}
