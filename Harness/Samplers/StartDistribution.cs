namespace Diffusion.Verify.Samplers;

/// <summary>Where Y_T comes from (DESIGN §2).</summary>
public enum StartDistribution
{
    /// <summary>Y_T ~ N(0, I), as the paper's samplers do; adds a start error of order √ᾱ_T ‖μ‖.</summary>
    Gaussian,

    /// <summary>Y_T ~ q_T exactly, which isolates the discretisation error.</summary>
    Exact,
}
