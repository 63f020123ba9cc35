namespace Diffusion.Verify.Experiments.Pipeline;

/// <summary>Metric names used in the CSV, figures and claims; the KL direction is in the name.</summary>
public static class Metrics
{
    public const string Tv = "tv";
    public const string KlSamplerToTarget = "kl_p1_q1";
    public const string KlTargetToSampler = "kl_q1_p1";
    public const string PathKl = "path_kl";
    public const string PinskerPathKl = "sqrt_half_path_kl";
    public const string StartError = "start_error_bound";
    public const string EpsilonScore = "eps_score";
    public const string EpsilonJacobi = "eps_jacobi";

    /// <summary>
    /// Metrics bounded by 1 saturate (see <see cref="Fitting.ResolutionPolicy"/>): TV only. √(path KL / 2)
    /// bounds TV but is itself unbounded, so a large value still carries a rate (whether it is the
    /// asymptotic one is what the settling test decides).
    /// </summary>
    public static bool IsBounded(string metric) => metric is Tv;

    public static string Label(string metric) => metric switch
    {
        Tv => "TV(p₁, q₁)",
        KlSamplerToTarget => "KL(p₁‖q₁)",
        KlTargetToSampler => "KL(q₁‖p₁)",
        PathKl => "path KL",
        PinskerPathKl => "√(path KL / 2)",
        StartError => "start error bound TV(q_T, N(0,I))",
        EpsilonScore => "realised ε_score",
        EpsilonJacobi => "realised ε_Jacobi",
        _ => metric,
    };
}
