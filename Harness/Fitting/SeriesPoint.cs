namespace Diffusion.Verify.Fitting;

/// <summary>
/// One measured point of a series e(x): x is T, NFE or h = max β; <see cref="Floor"/> is the level below
/// which the value is not resolved (3 standard errors, the method's tolerance, or a sample estimator's
/// floor, whichever is largest); <see cref="Ceiling"/> the level above which it is saturated (a TV near 1
/// says nothing about a rate), so that neither end enters a fit.
/// </summary>
public readonly record struct SeriesPoint(double X, double Value, double StandardError, double Floor, double Ceiling = double.PositiveInfinity)
{
    public bool IsResolved => double.IsFinite(Value) && Value > 0 && Value > Floor && Value < Ceiling;
}
