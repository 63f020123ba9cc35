using Diffusion.Verify.Fitting;

namespace Diffusion.Verify.Experiments.Reporting;

/// <summary>A claim's d-exponent verdict on one d-sweep at fixed T (DESIGN §7, "Dimension").</summary>
public sealed record DimensionVerdict(RateClaim Claim, string Experiment, string Schedule, int T, bool Transferred, DimensionAssessment Assessment);
