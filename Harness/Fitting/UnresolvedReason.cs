namespace Diffusion.Verify.Fitting;

/// <summary>Why a series has fewer than 3 resolved points.</summary>
public enum UnresolvedReason
{
    None,

    /// <summary>Most unresolved points lie at or below their floor (estimator precision, start error).</summary>
    Floor,

    /// <summary>Most unresolved points lie at or above the saturation ceiling (TV ≥ 0.5).</summary>
    Saturation,

    /// <summary>The series has fewer than 3 distinct T values.</summary>
    TooFewSteps,
}
