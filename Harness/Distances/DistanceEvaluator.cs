using Diffusion.Verify.Scores;
using Diffusion.Verify.Targets;
using Diffusion.Verify.Distances.Exact;
using Diffusion.Verify.Distances.DensityMonteCarlo;
using Diffusion.Verify.Distances.Quadrature;
using Diffusion.Verify.Distances.Samples;

namespace Diffusion.Verify.Distances;

/// <summary>
/// Picks the most precise applicable method (DESIGN §5) or runs the one the user forced, refusing with a
/// clear message when a forced method does not apply.
/// </summary>
public static class DistanceEvaluator
{
    public static DistanceReport Evaluate(EvaluationRequest request)
    {
        DistanceMethod method = request.Method == DistanceMethod.Auto ? Choose(request) : request.Method;
        string why = WhyNot(request, method);
        if (why.Length > 0)
        {
            throw new InvalidSpecificationException("method", DistanceMethods.Name(method), why);
        }

        // One sample has no spread: its standard error would read 0, as if the estimate were exact, and a
        // point resting on it would count as resolved.
        if (method is DistanceMethod.DensityMonteCarlo or DistanceMethod.Samples && request.Samples < 2)
        {
            throw new InvalidSpecificationException("n", request.Samples.ToString(System.Globalization.CultureInfo.InvariantCulture), $"{DistanceMethods.Name(method)} needs at least 2 samples to estimate its standard error");
        }

        return method switch
        {
            DistanceMethod.Exact => ExactGaussianEvaluator.Evaluate(request.Sampler, request.Schedule, EigenbasisLaw((GaussianTarget)request.Target), request.Start),
            DistanceMethod.Quadrature => Quadrature(request),
            DistanceMethod.DensityMonteCarlo => request.Target is EmbeddedMixture embedded && request.ScoreIsExact
                ? EmbeddedCoreDensityMonteCarlo.Evaluate(request.Sampler, request.Schedule, embedded, request.SamplingOptions)
                : DensityMonteCarloEvaluator.Evaluate(request.Sampler, request.Schedule, request.Score, request.Target, request.SamplingOptions),
            DistanceMethod.Samples => SampleDistance.Evaluate(request.Sampler, request.Schedule, request.Score, request.Target, request.SamplingOptions),
            _ => throw new InvalidSpecificationException("method", DistanceMethods.Name(method), "not available in this build"),
        };
    }

    /// <summary>The data law in the covariance eigenbasis, where every sampler acts coordinate by coordinate.</summary>
    private static GaussianLaw EigenbasisLaw(GaussianTarget target) =>
        new(target.MeanInEigenbasis.ToArray(), target.Eigenvalues.ToArray());

    /// <summary>
    /// Quadrature nodes per refinement level. Reached only where a sampler's map folds the line into
    /// itself (huge steps, TV near 1); the report then carries a warning in its notes.
    /// </summary>
    private const long NodeBudget = 200_000;

    private static string QuadratureApplies(EvaluationRequest request)
    {
        if (request.Target is EmbeddedMixture embedded)
        {
            if (!request.ScoreIsExact)
            {
                return "quadrature on embedded targets needs the exact score (the split relies on it)";
            }

            if (request.Sampler.IsStochastic)
            {
                return embedded.Core is IsotropicMixture { Dimension: 1 } ? "" : "quadrature for stochastic samplers on embedded targets needs a 1-D isotropic-mixture core";
            }

            return embedded.CoreDimension <= 2
                ? ""
                : $"quadrature on embedded targets needs a 1-D or 2-D mixture core (core dimension {embedded.CoreDimension}: use density-mc on the core)";
        }

        if (request.Sampler.IsStochastic)
        {
            return request.Target is IsotropicMixture { Dimension: 1 } ? "" : "quadrature for stochastic samplers needs a 1-D isotropic mixture target";
        }

        return request.Target.Dimension <= 2 && request.Target is IsotropicMixture or GeneralMixture
            ? ""
            : "quadrature for deterministic samplers needs a 1-D or 2-D mixture target (or an embedded one)";
    }

    private static DistanceReport Quadrature(EvaluationRequest request)
    {
        if (request.Target is EmbeddedMixture embedded)
        {
            return request.Sampler.IsStochastic
                ? EmbeddedStochasticCombination.Evaluate(request.Sampler, request.Schedule, embedded, request.Start)
                : EmbeddedCombination.Evaluate(request.Sampler, request.Schedule, embedded.Core, embedded.Dimension, embedded.ComplementVariance, request.Start,
                    new StartingPointQuadratureOptions { Cancellation = request.Cancellation, MaxNodesPerLevel = NodeBudget });
        }

        if (!request.Sampler.IsStochastic)
        {
            return StartingPointQuadrature.Evaluate(request.Sampler, request.Schedule, request.Score, request.Target, request.Start,
                new StartingPointQuadratureOptions { Cancellation = request.Cancellation, MaxNodesPerLevel = NodeBudget });
        }

        IScore? score = request.ScoreIsExact ? null : request.Score;
        DistanceReport marginal = DensityPropagation.Evaluate(request.Sampler, request.Schedule, request.Target, request.Start, new DensityPropagationOptions { Score = score });
        if (!request.IncludePathKl)
        {
            return marginal;
        }

        Estimate path = PathKlQuadrature.Evaluate(request.Sampler, request.Schedule, request.Target, request.Start, new PathKlQuadratureOptions { Score = score });
        return marginal with { PathKl = path };
    }

    /// <summary>The most precise method that applies: exact, then quadrature, then density-mc or samples.</summary>
    public static DistanceMethod Choose(EvaluationRequest request)
    {
        if (UnresolvedEmbedded(request) is { Length: > 0 } unresolved)
        {
            throw new InvalidSpecificationException("method", "auto", unresolved);
        }

        foreach (DistanceMethod m in new[] { DistanceMethod.Exact, DistanceMethod.Quadrature, DistanceMethod.DensityMonteCarlo, DistanceMethod.Samples })
        {
            if (WhyNot(request, m).Length == 0)
            {
                return m;
            }
        }

        throw new InvalidSpecificationException("method", "auto", $"no evaluator applies to {request.Sampler.Name} on {request.Target.Description}");
    }

    /// <summary>
    /// Stochastic samplers on an embedded target whose core the density propagation cannot take (k &gt; 1, or a
    /// non-isotropic core): no exact route exists in this build, and sample-based bounds in the ambient d
    /// (up to 10⁵) are neither affordable nor resolving. auto says so rather than pick a method that would
    /// report a floor; a user may still force <c>samples</c>.
    /// </summary>
    private static string UnresolvedEmbedded(EvaluationRequest request) =>
        request.Target is EmbeddedMixture embedded && request.Sampler.IsStochastic && request.ScoreIsExact && QuadratureApplies(request).Length > 0
            ? $"unresolved: no exact evaluator for the stochastic sampler {request.Sampler.Name} on an embedded target with a {embedded.CoreDimension}-D {(embedded.Core is IsotropicMixture ? "isotropic" : "non-isotropic")} core (the core law needs a density propagation in k dimensions, available for a 1-D isotropic-mixture core only); force --method samples for sample-based lower bounds"
            : "";

    /// <summary>Empty when the method applies; otherwise the reason it does not.</summary>
    public static string WhyNot(EvaluationRequest request, DistanceMethod method) => method switch
    {
        DistanceMethod.Exact => request.Target is GaussianTarget && request.ScoreIsExact ? "" : "exact needs a Gaussian target with its exact score",
        DistanceMethod.Quadrature => QuadratureApplies(request),
        DistanceMethod.DensityMonteCarlo => request.Sampler.IsStochastic ? $"density-mc needs a deterministic sampler; {request.Sampler.Name} is stochastic" : "",
        DistanceMethod.Samples => "",
        _ => "unknown method",
    };
}
