using System.Globalization;

namespace Diffusion.Verify.Fitting;

/// <summary>
/// The d-exponent verdict of DESIGN §7: on a d-sweep at fixed T, the measured exponent b of e against d
/// (resolved points only: above the floor, below the TV ceiling), with the model-error interval of
/// <see cref="SlopeIntervals"/>; consistent if b ≤ a within the interval, contradicted if b > a beyond it.
/// The report gives "loose by d^(a−b)" where the bound's exponent a exceeds the measured one.
/// </summary>
public sealed record DimensionAssessment(Verdict Verdict, UnresolvedReason Reason, SlopeInterval? Exponent, double BoundExponent, int PointsUsed, string Detail)
{
    public static DimensionAssessment Assess(IReadOnlyList<SeriesPoint> points, double a, long seed = 1)
    {
        var all = points.Where(s => s.X > 0).OrderBy(s => s.X).ToList();
        var resolved = all.Where(s => s.IsResolved).ToList();
        if (resolved.Count < 3)
        {
            int saturated = all.Count(s => s.Status == PointStatus.Saturated);
            int floor = all.Count - resolved.Count - saturated;
            UnresolvedReason reason = all.Select(s => s.X).Distinct().Count() < 3 ? UnresolvedReason.TooFewSteps
                : saturated > 0 && saturated >= floor ? UnresolvedReason.Saturation : UnresolvedReason.Floor;
            return new DimensionAssessment(Verdict.Unresolved, reason, null, a, 0, $"{resolved.Count} of {all.Count} dimensions resolved: {saturated} saturated, {floor} at or below their floor");
        }

        var local = SlopeIntervals.Local(resolved, s => Math.Log(s.Value));
        SlopeInterval b = SlopeIntervals.Fit(resolved, _ => 0, local, null, seed)!.Value;
        Verdict verdict = b.Lower > a ? Verdict.Contradicted : Verdict.Consistent;
        string detail = b.Upper < a
            ? Invariant($"exponent {SlopeFormat.Plain(b.Slope)} [{SlopeFormat.Plain(b.Lower)}, {SlopeFormat.Plain(b.Upper)}] on d = {resolved[0].X:0}…{resolved[^1].X:0}: loose by d^{SlopeFormat.Plain(a - b.Slope)}")
            : b.Lower > a
                ? Invariant($"exponent {SlopeFormat.Plain(b.Slope)} [{SlopeFormat.Plain(b.Lower)}, {SlopeFormat.Plain(b.Upper)}] on d = {resolved[0].X:0}…{resolved[^1].X:0}: grows faster than d^{a:0.##}")
                : Invariant($"exponent {SlopeFormat.Plain(b.Slope)} [{SlopeFormat.Plain(b.Lower)}, {SlopeFormat.Plain(b.Upper)}] on d = {resolved[0].X:0}…{resolved[^1].X:0}: as the bound's d^{a:0.##}");
        return new DimensionAssessment(verdict, UnresolvedReason.None, b, a, resolved.Count, detail);
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
