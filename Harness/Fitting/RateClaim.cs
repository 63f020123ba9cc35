namespace Diffusion.Verify.Fitting;

/// <summary>
/// One upper-bound claim (DESIGN §7), as data: <see cref="Sampler"/>'s <see cref="Metric"/> obeys
/// e(T, d) ≤ C · d^A · (ln T)^Q · T^(−P) (plus error terms that vanish with the exact score) on the
/// schedule kinds in <see cref="ProvedFor"/>; on other schedules it is tested as a transferred claim.
/// <see cref="IntrinsicDimension"/> is the exponent of an intrinsic dimension k where the source states one.
/// </summary>
public sealed record RateClaim(
    string Id,
    ClaimSource Source,
    string Sampler,
    string Metric,
    IReadOnlyList<string> ProvedFor,
    BoundExponent P,
    BoundExponent Q,
    BoundExponent A,
    BoundExponent? IntrinsicDimension,
    string Statement)
{
    /// <summary>The log power the verdict allows: the stated one, or 0 when it was not read (the claim is then judged on its T exponent alone).</summary>
    public double LogPower => Q.IsKnown ? Q.Value : 0;

    /// <summary>True when the log power is unknown, so the verdict tests T^(−P) alone (labelled in reports).</summary>
    public bool JudgedOnTExponentAlone => !Q.IsKnown;

    public bool IsProvedFor(string scheduleKind) => ProvedFor.Contains(scheduleKind, StringComparer.Ordinal);

    /// <summary>The bound's shape as text, e.g. "d^6 (ln T)^6 / T^2", with unread exponents shown as "?".</summary>
    public string Shape
    {
        get
        {
            static string Power(string b, BoundExponent e) => !e.IsKnown ? $"{b}^?" : e.Value == 0 ? "" : e.Value == 1 ? b : $"{b}^{e.Value:0.##}";
            string d = Power("d", A);
            string k = IntrinsicDimension is { } ki ? Power("k", ki) : "";
            string log = Power("(ln T)", Q);
            string t = Power("T", P);
            string numerator = string.Join(" ", new[] { d, k, log }.Where(s => s.Length > 0));
            return $"{(numerator.Length == 0 ? "1" : numerator)} / {t}";
        }
    }
}
