using System.Globalization;

namespace Diffusion.Verify.Fitting;

/// <summary>How the measured strict rate compares with the bound's power of T (DESIGN §7).</summary>
public enum TightnessKind
{
    /// <summary>The strict slope's interval contains −p.</summary>
    AsFast,

    /// <summary>The series decays faster than T^(−p): the bound is loose in T.</summary>
    Faster,

    /// <summary>The series decays slower than T^(−p); only the log allowance (if any) keeps the bound.</summary>
    Slower,
}

/// <summary>
/// Strict slope + p = x: the series decays like T^(−p) · T^x. Where it is slower (x = δ > 0) and the bound
/// allows (ln T)^q, the allowance covers the deficit only up to the crossover T* = exp(q / δ).
/// </summary>
public sealed record Tightness(TightnessKind Kind, SlopeInterval Excess, double? CrossoverT)
{
    public static Tightness Of(SlopeInterval strict, double p, double q)
    {
        SlopeInterval x = strict.Shift(p);
        TightnessKind kind = x.Upper < 0 ? TightnessKind.Faster : x.Lower > 0 ? TightnessKind.Slower : TightnessKind.AsFast;
        double? crossover = kind == TightnessKind.Slower && q > 0 ? Math.Exp(q / x.Slope) : null;
        return new Tightness(kind, x, crossover);
    }

    public string Describe() => Kind switch
    {
        TightnessKind.Faster => $"faster than the bound by T^{SlopeFormat.Plain(-Excess.Slope)} [{SlopeFormat.Plain(-Excess.Upper)}, {SlopeFormat.Plain(-Excess.Lower)}]",
        TightnessKind.Slower => $"slower than the bound by T^{SlopeFormat.Plain(Excess.Slope)} [{SlopeFormat.Plain(Excess.Lower)}, {SlopeFormat.Plain(Excess.Upper)}]"
            + (CrossoverT is double t ? Invariant($"; the log allowance covers it up to T* = {t:0.#e+0}") : ""),
        _ => $"as fast as the bound (T^x, x in [{SlopeFormat.Plain(Excess.Lower)}, {SlopeFormat.Plain(Excess.Upper)}])",
    };

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
