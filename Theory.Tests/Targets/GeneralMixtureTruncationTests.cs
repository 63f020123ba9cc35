using Diffusion.Verify.Targets;
using Xunit.Abstractions;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// Dropping components of tiny but non-zero posterior weight (<see cref="GeneralMixture.TryEigenbasisJacobian"/>'s
/// residual δ ≥ ‖∇s + P_k‖_*, and the bound of <see cref="PerturbedLogDeterminant"/>): at points between two
/// components' means, where the second weight runs from O(1) down to far below rounding, for
/// ln|det(I + c∇s)| against dense LU of I + c∇s:
/// (1) the dominant component's value Σ_j ln|1 + cλ_j| is within the bound β/(1 − β), β = |c| δ / min_j |1 + cλ_j|,
/// wherever that bound is finite — a δ that missed part of ∇s would fail here where the bound is moderate;
/// (2) what the target returns is within <see cref="PerturbedLogDeterminant.StepTolerance"/> plus rounding
/// (1e−12 relative) everywhere; (3) the truncated path ran (δ &gt; 0 accepted) at some points.
/// </summary>
public sealed class GeneralMixtureTruncationTests(ITestOutputHelper output)
{
    [Fact]
    public void DroppedComponentsMoveLogDeterminantWithinTheBound()
    {
        var mixture = (GeneralMixture)RandomGaussianMixture.Create(30, 4, 4.0, CovarianceForm.Full, seed: 11);
        int d = mixture.Dimension;
        var draws = new Draws(31, 61);
        var eigenbasis = new EigenbasisJacobian(d);
        var jacobian = new double[d * d];
        int accepted = 0;
        int bounded = 0;
        double worstReturned = 0;
        double tightest = 0;
        foreach (double alphaBar in new[] { 0.3, 0.7, 0.95 })
        {
            double root = Math.Sqrt(alphaBar);
            for (int p = 0; p <= 40; p++)
            {
                double theta = 0.6 * p / 40;
                double[] noise = draws.Normals(d);
                double[] x = Enumerable.Range(0, d).Select(j => root * (((1 - theta) * mixture.Mean(0)[j]) + (theta * mixture.Mean(1)[j])) + (0.3 * noise[j])).ToArray();
                Assert.True(mixture.TryEigenbasisJacobian(x, alphaBar, eigenbasis));
                foreach (double scale in new[] { 0.01, 0.3, -0.2 })
                {
                    mixture.Jacobian(x, alphaBar, jacobian);
                    double dense = DenseIdentityPlusScaled.LogAbsDeterminant(jacobian, d, scale);
                    double rounding = 1e-12 * (1 + Math.Abs(dense));
                    double truncated = 0;
                    double smallest = double.PositiveInfinity;
                    foreach (double lambda in eigenbasis.Eigenvalues)
                    {
                        truncated += Math.Log(Math.Abs(1 + scale * lambda));
                        smallest = Math.Min(smallest, Math.Abs(1 + scale * lambda));
                    }

                    double bound = PerturbedLogDeterminant.Bound(Math.Abs(scale) * eigenbasis.Residual / smallest);
                    if (double.IsFinite(bound))
                    {
                        bounded++;
                        double change = Math.Abs(truncated - dense);
                        Assert.True(change <= bound + rounding, $"ᾱ = {alphaBar}, θ = {theta}, c = {scale}: dropped part moved ln|det| by {change:E3}, bound {bound:E3}");
                        if (bound > 1e-6)
                        {
                            tightest = Math.Max(tightest, change / bound);
                        }
                    }

                    accepted += eigenbasis.Residual > 0 && bound <= PerturbedLogDeterminant.StepTolerance ? 1 : 0;
                    double returned = mixture.LogAbsDetIdentityPlusScaledJacobian(x, alphaBar, scale);
                    worstReturned = Math.Max(worstReturned, Math.Abs(returned - dense) - rounding);
                }
            }
        }

        output.WriteLine($"finite bounds {bounded}, truncations accepted {accepted}, largest change/bound where bound > 1e−6: {tightest:E2}, worst returned − dense beyond rounding {worstReturned:E2}");
        Assert.True(accepted > 0, "no point exercised the truncated path");
        Assert.True(bounded > accepted, "no point had a finite bound too large to accept");
        Assert.True(worstReturned <= PerturbedLogDeterminant.StepTolerance, $"{worstReturned:E3}");
    }
}
