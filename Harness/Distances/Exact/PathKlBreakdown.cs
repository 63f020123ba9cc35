namespace Diffusion.Verify.Distances.Exact;

/// <summary>
/// Path KL and its parts: <see cref="Start"/> = KL(q_T‖p_T), <see cref="StepTerms"/>[t] =
/// E_{q_t} KL(q(·|x_t)‖p(·|x_t)) for t = 2..T (entries 0 and 1 unused), and an absolute rounding bound.
/// </summary>
public sealed record PathKlBreakdown(double Total, double Start, IReadOnlyList<double> StepTerms, double Tolerance)
{
    public Estimate AsEstimate() => Estimate.Exact(Total, Tolerance);
}
