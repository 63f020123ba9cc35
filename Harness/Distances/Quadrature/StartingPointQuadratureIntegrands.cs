namespace Diffusion.Verify.Distances.Quadrature;

/// <summary>
/// What the starting-point quadrature integrates: functions of (ln φ(x), l(x)) at each node, added with
/// the node's weight. The first <see cref="Count"/> − 2 are the caller's integrals; the last two are the
/// masses ∫φ and ∫φ r over the box, kept as a check that the box holds both laws and that F is onto.
/// </summary>
internal abstract class StartingPointQuadratureIntegrands
{
    /// <summary>Number of integrals, the two masses included.</summary>
    public abstract int Count { get; }

    /// <summary>
    /// Values of the log-ratio l at which an integrand is not smooth (l = 0 for (1 − r)_+); the quadrature
    /// locates these level crossings and puts panel edges on them.
    /// </summary>
    public virtual IReadOnlyList<double> KinkLevels { get; } = [0.0];

    /// <summary>Adds weight × integrand_i(ln φ, l) to sums[i] for every i.</summary>
    public abstract void Accumulate(double logStart, double logRatio, double weight, Span<double> sums);

    /// <summary>φ and φ r into the last two sums.</summary>
    protected static void AccumulateMasses(double logStart, double logRatio, double weight, Span<double> sums)
    {
        sums[^2] += weight * Math.Exp(logStart);
        sums[^1] += weight * Math.Exp(logStart + logRatio);
    }
}
