namespace Diffusion.Verify.Targets;

/// <summary>
/// The step coordinate of <see cref="Randomness.RandomStream.TargetConstruction"/> keys: each random
/// ingredient of a target draws from its own counter space, so a nested target (an embedded core built
/// from the same seed) never reuses another ingredient's numbers.
/// </summary>
internal enum ConstructionDraw
{
    /// <summary>Directions of random means (sample = component).</summary>
    MeanDirection = 0,

    /// <summary>Random eigenbases Q_k (sample = component).</summary>
    Eigenvectors = 1,

    /// <summary>Random eigenvalue factors (sample = component).</summary>
    Eigenvalues = 2,

    /// <summary>The embedded subspace U.</summary>
    EmbeddingBasis = 3,
}
