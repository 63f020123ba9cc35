namespace Diffusion.Verify.Scores;

/// <summary>
/// Realised score errors (DESIGN §6) with Monte Carlo standard errors:
/// ε_score² = (1/T) Σ_t E‖s_t(X_t) − s⋆_t(X_t)‖², ε_Jacobi = (1/T) Σ_t E‖∇s_t(X_t) − ∇s⋆_t(X_t)‖₂, X_t ~ q_t,
/// the average over t taken over <see cref="Levels"/>.
/// </summary>
public sealed record ScoreErrorEstimate(
    double ScoreErrorSquared,
    double ScoreErrorSquaredStandardError,
    double JacobianError,
    double JacobianErrorStandardError,
    int SamplesPerLevel,
    IReadOnlyList<int> Levels)
{
    /// <summary>ε_score = √(ε_score²).</summary>
    public double ScoreError => Math.Sqrt(ScoreErrorSquared);

    /// <summary>Standard error of ε_score by the delta method, se(ε²) / (2ε).</summary>
    public double ScoreErrorStandardError
        => ScoreErrorSquared > 0 ? ScoreErrorSquaredStandardError / (2 * ScoreError) : Math.Sqrt(ScoreErrorSquaredStandardError);

    /// <summary>False when the Jacobian error was not requested (then it and its error are NaN).</summary>
    public bool HasJacobianError => !double.IsNaN(JacobianError);
}
