using Diffusion.Verify.Targets;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// The probability-flow ODE in τ = −ln ᾱ, dx/dτ = −½ ( x + s(x, e^{−τ}) ) (DESIGN §4), integrated by classical
/// RK4 with many substeps: the exact one-step map the local-order tests compare against.
/// </summary>
internal static class SamplerReferenceFlow
{
    /// <summary>Moves x (in place) along the flow from level ᾱ = e^{−τFrom} to e^{−τTo} (either direction).</summary>
    public static void Integrate(IDiffusedTarget target, Span<double> x, double tauFrom, double tauTo, int substeps)
    {
        int d = x.Length;
        var k1 = new double[d];
        var k2 = new double[d];
        var k3 = new double[d];
        var k4 = new double[d];
        var stage = new double[d];
        double h = (tauTo - tauFrom) / substeps;
        for (int n = 0; n < substeps; n++)
        {
            double tau = tauFrom + n * h;
            Velocity(target, x, tau, k1);
            Stage(x, k1, h / 2, stage);
            Velocity(target, stage, tau + h / 2, k2);
            Stage(x, k2, h / 2, stage);
            Velocity(target, stage, tau + h / 2, k3);
            Stage(x, k3, h, stage);
            Velocity(target, stage, tau + h, k4);
            for (int j = 0; j < d; j++)
            {
                x[j] += h / 6 * (k1[j] + 2 * k2[j] + 2 * k3[j] + k4[j]);
            }
        }
    }

    private static void Stage(ReadOnlySpan<double> x, ReadOnlySpan<double> k, double h, Span<double> stage)
    {
        for (int j = 0; j < x.Length; j++)
        {
            stage[j] = x[j] + h * k[j];
        }
    }

    // dx/dτ = −½ ( x + s(x, e^{−τ}) )
    private static void Velocity(IDiffusedTarget target, ReadOnlySpan<double> x, double tau, Span<double> velocity)
    {
        target.Score(x, Math.Exp(-tau), velocity);
        for (int j = 0; j < x.Length; j++)
        {
            velocity[j] = -0.5 * (x[j] + velocity[j]);
        }
    }
}
