using Diffusion.Verify.Fitting;

namespace Diffusion.Verify.Experiments.Reporting;

/// <summary>A claim's verdict on one series, with what it rests on.</summary>
public sealed record ClaimResult(Claim Claim, Series Series, string Against, ClaimAssessment Assessment, ClaimAssessment? OtherAbscissa);
