using System.Globalization;

namespace Diffusion.Verify.Fitting;

/// <summary>How slopes and exponents are printed in verdict texts: two decimals, invariant culture, never "-0.00".</summary>
public static class SlopeFormat
{
    /// <summary>With a sign: "+0.12", "-0.12", "+0.00".</summary>
    public static string Signed(double x) => Rounded(x).ToString("+0.00;-0.00;+0.00", CultureInfo.InvariantCulture);

    /// <summary>Without a plus sign: "0.12", "-0.12", "0.00".</summary>
    public static string Plain(double x) => Rounded(x).ToString("0.00", CultureInfo.InvariantCulture);

    private static double Rounded(double x) => Math.Round(x, 2) + 0.0;
}
