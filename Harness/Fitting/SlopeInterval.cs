namespace Diffusion.Verify.Fitting;

/// <summary>A fitted slope with its 95 % interval, which includes the model error (never of zero width).</summary>
public readonly record struct SlopeInterval(double Slope, double Lower, double Upper)
{
    public bool Contains(double value) => Lower <= value && value <= Upper;

    public SlopeInterval Shift(double by) => new(Slope + by, Lower + by, Upper + by);
}
