namespace Diffusion.Verify.Fitting;

/// <summary>What the measurements say about one upper-bound claim (DESIGN §7).</summary>
public enum Verdict
{
    /// <summary>The measured decay is at least as fast as the bound's, within the interval.</summary>
    Consistent,

    /// <summary>The measured decay is slower than the bound's beyond the 95 % interval, on the asymptotic points.</summary>
    Contradicted,

    /// <summary>Too few points above the floor to say.</summary>
    Inconclusive,
}
