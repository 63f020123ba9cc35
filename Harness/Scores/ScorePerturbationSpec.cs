using System.Text.Json;
using Diffusion.Verify.Targets;

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

    public bool IsExact => Kind == "exact";

    /// <summary>Reads <c>{ "kind": …, "magnitude": …, "omega": …, "seed": … }</c>; errors name the JSON path.</summary>
    public static ScorePerturbationSpec Read(JsonElement e, string path)
    {
        JsonFields.AllowOnly(e, path, "kind", "magnitude", "omega", "seed");
        var spec = new ScorePerturbationSpec(
            JsonFields.String(e, path, "kind"),
            JsonFields.Has(e, "magnitude") ? JsonFields.Number(e, path, "magnitude") : 0,
            JsonFields.Has(e, "omega") ? JsonFields.Number(e, path, "omega") : 0,
            JsonFields.Has(e, "seed") ? JsonFields.Integer(e, path, "seed", 0, int.MaxValue) : 1);
        try
        {
            spec.Validate();
        }
        catch (InvalidSpecificationException ex)
        {
            throw new InvalidSpecificationException($"{path}.{ex.Field.Replace("score.", "")}", ex.Value, ex.Expectation);
        }

        return spec;
    }

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
