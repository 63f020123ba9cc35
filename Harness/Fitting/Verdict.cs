namespace Diffusion.Verify.Fitting;

/// <summary>What the measurements say about one upper-bound claim on one series (DESIGN §7).</summary>
public enum Verdict
{
    /// <summary>The slope of g(T) = ln e + p ln T − q ln ln T is ≤ 0 within its interval: the bound holds as stated over the measured T.</summary>
    Consistent,

    /// <summary>The slope of g is > 0 beyond its interval and the local slopes have settled.</summary>
    Contradicted,

    /// <summary>The local slopes still drift at the largest T measured (the report says which way and by how much per doubling).</summary>
    PreAsymptotic,

    /// <summary>Fewer than 3 points above their floor and below the ceiling; <see cref="UnresolvedReason"/> says why.</summary>
    Unresolved,
}
