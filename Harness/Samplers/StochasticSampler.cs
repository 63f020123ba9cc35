using System.Numerics.Tensors;
using Diffusion.Verify.Randomness;
using Diffusion.Verify.Schedules;

namespace Diffusion.Verify.Samplers;

/// <summary>
/// A stochastic sampler defined by its <see cref="StochasticKernel"/> alone: <see cref="Step"/> applies the
/// kernel, so the step sampling takes and the kernel the quadratures propagate densities through cannot
/// disagree. One score evaluation per step, order 0.
/// </summary>
public abstract class StochasticSampler : Sampler
{
    /// <param name="name">The CLI name.</param>
    /// <param name="preNoise">
    /// Whether the step randomises Y_t before the score evaluation (acc-sde); the pre-noise then uses the
    /// stream <see cref="RandomStream.StepNoise"/> and the post-noise <see cref="RandomStream.StepNoiseSecond"/>,
    /// otherwise the post-noise uses <see cref="RandomStream.StepNoise"/>.
    /// </param>
    protected StochasticSampler(string name, bool preNoise)
        : base(name, order: 0, evaluationsPerStep: 1, isStochastic: true)
    {
        HasPreNoise = preNoise;
    }

    /// <summary>Whether the kernel's <see cref="StochasticKernel.PreNoise"/> is used.</summary>
    public bool HasPreNoise { get; }

    /// <summary>The step at level t: pre-noise, scale, score coefficient, post-noise and the score's level.</summary>
    public abstract override StochasticKernel Kernel(NoiseSchedule schedule, int t);

    public sealed override void Step(SamplerBlock block, int t)
    {
        StochasticKernel kernel = Kernel(block.Schedule, t);
        Span<double> y = block.Active(block.State);
        Span<double> z = block.Active(block.Noise);

        // Y⁺ = Y_t + PreNoise · Z   (in place: State then holds Y⁺)
        if (HasPreNoise)
        {
            block.DrawNoise(RandomStream.StepNoise, t, block.Noise);
            TensorPrimitives.MultiplyAdd(z, kernel.PreNoise, y, y);
        }

        // Y_{t−1} = Scale · ( Y⁺ + ScoreCoefficient · s(Y⁺, ᾱ) ) + PostNoise · Z⁺
        block.EvaluateScore(block.State, kernel.AlphaBar, block.ScoreAtState);
        block.DrawNoise(HasPreNoise ? RandomStream.StepNoiseSecond : RandomStream.StepNoise, t, block.Noise);
        TensorPrimitives.MultiplyAdd(block.Active(block.ScoreAtState), kernel.ScoreCoefficient, y, y);
        TensorPrimitives.Multiply(y, kernel.Scale, y);
        TensorPrimitives.MultiplyAdd(z, kernel.PostNoise, y, y);
    }
}
