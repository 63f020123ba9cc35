namespace Diffusion.Verify.Scores;

/// <summary>
/// A score perturbation named in a config (DESIGN §6), not yet tied to a target:
/// <c>exact</c>; <c>scaled</c> (Magnitude = δ); <c>bias</c> (Magnitude = ε); <c>oscillatory</c>
/// (Magnitude = ε, Omega = ω). Random directions and phases come from <see cref="Seed"/>.
/// </summary>
public sealed record ScorePerturbationSpec(string Kind, double Magnitude = 0, double Omega = 0, long Seed = 1)
{
    public static IReadOnlyList<string> Kinds { get; } = ["exact", "scaled", "bias", "oscillatory"];

    public static ScorePerturbationSpec Exact { get; } = new("exact");

    /// <summary>Wraps <paramref name="inner"/> (usually an <see cref="ExactScore"/>) in this perturbation.</summary>
    public IScore Apply(IScore inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        Validate();
        return Kind switch
        {
            "exact" => inner,
            "scaled" => new ScaledScore(inner, Magnitude),
            "bias" => new BiasScore(inner, Magnitude, Seed),
            "oscillatory" => new OscillatoryScore(inner, Magnitude, Omega, Seed),
            _ => throw new InvalidOperationException("unreachable: Validate accepts only known kinds"),
        };
    }

    /// <summary>Checks the fields without building anything; messages name the field.</summary>
    public void Validate()
    {
        if (!Kinds.Contains(Kind))
        {
            throw new InvalidSpecificationException("score.kind", Kind ?? "(null)", $"known score perturbations: {string.Join(", ", Kinds)}");
        }

        switch (Kind)
        {
            case "scaled" when !double.IsFinite(Magnitude) || Magnitude <= -1:
                throw new InvalidSpecificationException("score.magnitude", Magnitude.ToString("R"), "scaled needs a finite δ > −1 (s ← (1 + δ) s)");
            case "bias" or "oscillatory" when !double.IsFinite(Magnitude) || Magnitude < 0:
                throw new InvalidSpecificationException("score.magnitude", Magnitude.ToString("R"), $"{Kind} needs a finite ε ≥ 0");
            case "oscillatory" when !double.IsFinite(Omega) || Omega <= 0:
                throw new InvalidSpecificationException("score.omega", Omega.ToString("R"), "oscillatory needs a finite frequency ω > 0");
        }
    }

    /// <summary>Short label for tables and file names, e.g. "oscillatory(ε=0.1,ω=20)".</summary>
    public string Label => Kind switch
    {
        "scaled" => $"scaled(δ={Magnitude:G6})",
        "bias" => $"bias(ε={Magnitude:G6})",
        "oscillatory" => $"oscillatory(ε={Magnitude:G6},ω={Omega:G6})",
        _ => Kind,
    };
}
