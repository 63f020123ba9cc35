namespace Diffusion.Verify.Randomness;

/// <summary>
/// Independent purposes for random numbers. Each draws from its own counter space, so adding a draw
/// for one purpose never shifts the numbers of another.
/// </summary>
public enum RandomStream
{
    /// <summary>The sampler's starting point Y_T.</summary>
    Start = 1,

    /// <summary>Z_t: a stochastic sampler's (first) Gaussian draw at step t.</summary>
    StepNoise = 2,

    /// <summary>Z_t⁺: acc-sde's second draw at step t.</summary>
    StepNoiseSecond = 3,

    /// <summary>Exact draws of X_0 (component choice and Gaussian part).</summary>
    Data = 4,

    /// <summary>Diffusion noise W when drawing X_t = √ᾱ X_0 + √(1−ᾱ) W.</summary>
    Diffusion = 5,

    /// <summary>Random parameters of a target (random means, eigenvectors, subspaces).</summary>
    TargetConstruction = 6,

    /// <summary>Random directions and phases of perturbed scores.</summary>
    ScorePerturbation = 7,

    /// <summary>Evaluators' own Monte Carlo (reference samples, projections).</summary>
    Evaluation = 8,
}
