using System.Numerics.Tensors;
using Diffusion.Verify.Numerics;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Numerics.LinearAlgebra;

namespace Diffusion.Verify.Samplers;

/// <summary>
/// The accelerated ODE sampler as the authors' public code runs it: a DDIM step plus a correction from the
/// previous step's ε, i.e. ε extrapolated linearly in ᾱ and integrated exactly; 1 score evaluation per step,
/// second order once the history exists (the first step is plain DDIM).
/// </summary>
public sealed class AccOdeMultistepSampler() : Sampler("acc-ode-ms", order: 2, evaluationsPerStep: 1, isStochastic: false)
{
    /// <summary>The dense tangent map and the previous step's product (<see cref="TangentMaps"/>).</summary>
    public override int DenseMatricesPerRow => 2;

    /// <summary>
    /// √ᾱ_{t−1} K_t / (ᾱ_t − ᾱ_{t+1}), the weight of ε_{t+1} − ε_t, with
    /// K_t = ᾱ_t √(1−ᾱ_{t−1})/√ᾱ_{t−1} + arcsin √ᾱ_{t−1} − ᾱ_t √(1−ᾱ_t)/√ᾱ_t − arcsin √ᾱ_t.
    /// </summary>
    /// <remarks>
    /// K_t is O(β²) but a sum of O(1) terms. With ρ = √((1−ᾱ)/ᾱ), ᾱ = 1/(1+ρ²) and arcsin √ᾱ = π/2 − arctan ρ, it is
    /// K_t = arctan z − ᾱ_t Δρ, z = Δρ/(1 + ρ_t ρ_{t−1}), Δρ = ρ_t − ρ_{t−1} = β_t / (ᾱ_t (ρ_t + ρ_{t−1})),
    /// which rearranges to K_t = ᾱ_t ρ_t Δρ² / (1 + ρ_t ρ_{t−1}) + (arctan z − z): no cancellation left.
    /// ᾱ_t − ᾱ_{t+1} = ᾱ_t β_{t+1}.
    /// </remarks>
    public static double CorrectionCoefficient(NoiseSchedule schedule, int t)
    {
        double alphaBar = schedule.AlphaBar(t);
        double rho = Math.Sqrt(schedule.OneMinusAlphaBar(t) / alphaBar);
        double rhoPrevious = Math.Sqrt(schedule.OneMinusAlphaBar(t - 1) / schedule.AlphaBar(t - 1));
        double deltaRho = schedule.Beta(t) / (alphaBar * (rho + rhoPrevious));
        double denominator = 1 + rho * rhoPrevious;
        double z = deltaRho / denominator;
        double k = alphaBar * rho * deltaRho * deltaRho / denominator + ArctanMinusIdentity(z);
        return Math.Sqrt(schedule.AlphaBar(t - 1)) * k / (alphaBar * schedule.Beta(t + 1));
    }

    public override void Step(SamplerBlock block, int t)
    {
        NoiseSchedule schedule = block.Schedule;
        double sigma = Math.Sqrt(schedule.OneMinusAlphaBar(t));
        double rootAlpha = Math.Sqrt(schedule.Alpha(t));
        double ddim = DdimSampler.EpsilonCoefficient(schedule, t);
        double correction = block.HasHistory ? CorrectionCoefficient(schedule, t) : 0.0;
        Span<double> y = block.Active(block.State);
        Span<double> epsilon = block.Active(block.ScoreAtState);
        Span<double> history = block.Active(block.History);

        // ε_t(Y_t) = −√(1−ᾱ_t) s_t(Y_t)
        block.EvaluateScore(block.State, schedule.AlphaBar(t), block.ScoreAtState);
        TensorPrimitives.Multiply(epsilon, -sigma, epsilon);

        if (block.LogDeterminant is { } logDet
            && !AccOdeMultistepLogDeterminant.TryPropagate(block, t, logDet, sigma, rootAlpha, ddim, correction))
        {
            PropagateTangents(block, t, logDet, sigma, rootAlpha, ddim, correction);
        }

        // ddim(Y_t) = Y_t/√α_t + ( √(1−ᾱ_{t−1}) − √(1−ᾱ_t)/√α_t ) ε_t(Y_t)
        TensorPrimitives.Multiply(y, 1 / rootAlpha, y);
        TensorPrimitives.MultiplyAdd(epsilon, ddim, y, y);

        // Y_{t−1} = ddim(Y_t) + √ᾱ_{t−1} / (ᾱ_t − ᾱ_{t+1}) · K_t · ( ε_{t+1}(Y_{t+1}) − ε_t(Y_t) )   (first step: ddim only)
        if (block.HasHistory)
        {
            TensorPrimitives.Subtract(history, epsilon, history);
            TensorPrimitives.MultiplyAdd(history, correction, y, y);
        }

        epsilon.CopyTo(history);
        block.HasHistory = true;
    }

    /// <summary>
    /// The dense fallback of <see cref="AccOdeMultistepLogDeterminant"/> (scores without a low-rank Jacobian, such as
    /// full-covariance mixtures, and d ≤ 2); its O(d³) per row and step is one register-blocked
    /// <see cref="SquareMatrix.Multiply"/>.
    /// Per-step determinants of a multistep rule do not multiply, so each row carries M_t = ∂Y_t/∂Y_T densely:
    /// M_{t−1} = (I/√α_t + (c − C) ∇ε_t(Y_t)) M_t + C ∇ε_{t+1}(Y_{t+1}) M_{t+1}, with c the DDIM weight and C the
    /// correction weight; G = ∇ε(Y) M is kept from one step to the next. ln|det M_1| is written at t = 2.
    /// </summary>
    private static void PropagateTangents(SamplerBlock block, int t, double[] logDet, double sigma, double rootAlpha, double ddim, double correction)
    {
        int d = block.Dimension;
        int dd = d * d;
        TangentMaps maps = block.HasHistory
            ? block.SamplerState as TangentMaps ?? throw new InvalidOperationException("acc-ode-ms has history but no tangent maps")
            : TangentMaps.Start(block);
        Span<double> scratch = block.JacobianScratch;
        Span<double> epsilonJacobian = scratch[..dd];
        Span<double> product = scratch.Slice(dd, dd);
        double alphaBar = block.Schedule.AlphaBar(t);
        for (int i = 0; i < block.Rows; i++)
        {
            Span<double> tangent = maps.Tangent.AsSpan(i * dd, dd);
            Span<double> previous = maps.PreviousProduct.AsSpan(i * dd, dd);

            // ∇ε_t = −√(1−ᾱ_t) ∇s_t
            block.Score.Jacobian(block.Row(block.State, i), alphaBar, epsilonJacobian);
            TensorPrimitives.Multiply(epsilonJacobian, -sigma, epsilonJacobian);
            SquareMatrix.Multiply(epsilonJacobian, tangent, product, d);

            TensorPrimitives.Multiply(tangent, 1 / rootAlpha, tangent);
            TensorPrimitives.MultiplyAdd(product, ddim - correction, tangent, tangent);
            TensorPrimitives.MultiplyAdd(previous, correction, tangent, tangent);
            product.CopyTo(previous);

            if (t == 2)
            {
                tangent.CopyTo(product);
                logDet[i] = DenseLu.LogAbsDeterminant(product, d);
            }
        }
    }

    /// <summary>arctan z − z, by its series where the subtraction would cancel.</summary>
    private static double ArctanMinusIdentity(double z)
    {
        if (Math.Abs(z) >= 0.1)
        {
            return Math.Atan(z) - z;
        }

        // −z³/3 + z⁵/5 − … − z¹⁵/15; the first omitted term is below 1e−15 relative for |z| < 0.1.
        double z2 = z * z;
        double sum = 0;
        for (int n = 15; n >= 3; n -= 2)
        {
            sum = (((n - 1) / 2 % 2 == 0 ? 1.0 : -1.0) / n) + z2 * sum;
        }

        return z * z2 * sum;
    }

    /// <summary>Per-row M_t and ∇ε_{t+1}(Y_{t+1}) M_{t+1}, allocated once per block at its first step.</summary>
    private sealed class TangentMaps
    {
        private TangentMaps(int rows, int d)
        {
            Tangent = new double[rows * d * d];
            PreviousProduct = new double[rows * d * d];
        }

        public double[] Tangent { get; }

        public double[] PreviousProduct { get; }

        public static TangentMaps Start(SamplerBlock block)
        {
            int d = block.Dimension;
            var maps = new TangentMaps(block.Rows, d);
            for (int i = 0; i < block.Rows; i++)
            {
                SquareMatrix.SetIdentity(maps.Tangent.AsSpan(i * d * d, d * d), d);
            }

            block.SamplerState = maps;
            return maps;
        }
    }
}
