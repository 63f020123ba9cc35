using Diffusion.Verify.Fitting;

namespace Diffusion.Verify.Experiments.Reporting;

/// <summary>A claim's T-rate verdict on one series; <see cref="Transferred"/> when the series' schedule is not one the claim is proved for.</summary>
public sealed record ClaimVerdict(RateClaim Claim, Series Series, bool Transferred, RateAssessment Assessment)
{
    /// <summary>A contradiction of the theorem as stated: on a schedule it is proved for, with its log power known.</summary>
    public bool ContradictsTheorem => Assessment.Verdict == Verdict.Contradicted && !Transferred && !Claim.JudgedOnTExponentAlone;
}
