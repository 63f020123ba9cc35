namespace Diffusion.Verify.Fitting;

/// <summary>One exponent of a bound C · d^a · (ln T)^q · T^(−p), with where it comes from.</summary>
public readonly record struct BoundExponent(double Value, ExponentProvenance Provenance)
{
    public bool IsKnown => Provenance != ExponentProvenance.Unread;

    public static BoundExponent Unread { get; } = new(double.NaN, ExponentProvenance.Unread);
}
