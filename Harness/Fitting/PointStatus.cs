namespace Diffusion.Verify.Fitting;

/// <summary>Whether a measured point can enter a rate fit, and if not, why.</summary>
public enum PointStatus
{
    Resolved,

    /// <summary>At or below its floor (3 σ, the method's tolerance, a sample estimator's floor, or 3× the start error).</summary>
    BelowFloor,

    /// <summary>At or above the ceiling of a bounded metric (TV ≥ 0.5 says nothing about a rate).</summary>
    Saturated,

    /// <summary>Not a finite positive number.</summary>
    Invalid,
}
