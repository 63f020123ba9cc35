namespace Diffusion.Verify.Samplers;

/// <summary>
/// One reverse-time update rule Y_t → Y_{t−1} (DESIGN §4), applied to a block of rows in place.
/// Runs go t = T, T−1, …, 2 and produce Y_1. Each concrete sampler is a short class whose
/// <see cref="Step"/> reads like the paper's equation, written in a comment above it.
/// </summary>
public abstract class Sampler
{
    /// <param name="name">The CLI name, e.g. "acc-ode".</param>
    /// <param name="order">Local order against the probability-flow ODE; 0 for stochastic samplers.</param>
    /// <param name="evaluationsPerStep">Score evaluations per update.</param>
    /// <param name="isStochastic">Whether a step draws noise.</param>
    protected Sampler(string name, int order, int evaluationsPerStep, bool isStochastic)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfNegative(order);
        ArgumentOutOfRangeException.ThrowIfLessThan(evaluationsPerStep, 1);
        Name = name;
        Order = order;
        EvaluationsPerStep = evaluationsPerStep;
        IsStochastic = isStochastic;
    }

    /// <summary>The CLI name, e.g. "acc-ode".</summary>
    public string Name { get; }

    public bool IsStochastic { get; }

    /// <summary>Score evaluations per update.</summary>
    public int EvaluationsPerStep { get; }

    /// <summary>Local order: the one-step error against the probability-flow ODE is O(β^{Order+1}); 0 for stochastic samplers.</summary>
    public int Order { get; }

    /// <summary>Score evaluations for a whole run of T levels (T − 1 updates).</summary>
    public int FunctionEvaluations(int steps) => EvaluationsPerStep * (steps - 1);

    /// <summary>Deterministic samplers can accumulate ln|det ∂Y_1/∂Y_T| for density-mc.</summary>
    public bool SupportsLogDeterminant => !IsStochastic;

    /// <summary>
    /// d×d matrices each row keeps from step to step when ln|det J| is accumulated on the dense path (a
    /// multistep rule's tangent maps); the automatic block size keeps them within a memory budget.
    /// </summary>
    public virtual int DenseMatricesPerRow => 0;

    /// <summary>
    /// Y_t → Y_{t−1} for every row of <paramref name="block"/>. When <see cref="SamplerBlock.LogDeterminant"/>
    /// is present, a deterministic sampler adds each row's ln|det| of this step's map to it (or, for a
    /// multistep rule, keeps the tangent map it needs and reports the whole run's value at t = 2).
    /// </summary>
    public abstract void Step(SamplerBlock block, int t);

    /// <summary>
    /// For stochastic samplers: the step at level t as a <see cref="StochasticKernel"/> (pre-noise, map,
    /// post-noise). Deterministic samplers have none.
    /// </summary>
    public virtual StochasticKernel Kernel(Schedules.NoiseSchedule schedule, int t) =>
        throw new NotSupportedException($"{Name} is deterministic; it has no stochastic kernel");

    public override string ToString() => Name;
}
