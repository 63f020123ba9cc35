namespace Diffusion.Verify.Distances;

/// <summary>Running mean and standard error (Welford), added to in a fixed order so results are reproducible.</summary>
public sealed class MeanAccumulator
{
    private long _count;
    private double _mean;
    private double _m2;

    public long Count => _count;

    public void Add(double x)
    {
        _count++;
        double delta = x - _mean;
        _mean += delta / _count;
        _m2 += delta * (x - _mean);
    }

    /// <summary>The mean with its standard error √(s²/n).</summary>
    public Estimate Estimate()
    {
        double variance = _count > 1 ? _m2 / (_count - 1) : 0.0;
        return new Estimate(_mean, Math.Sqrt(variance / Math.Max(_count, 1)));
    }
}
