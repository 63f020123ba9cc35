using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Scores;
using Diffusion.Verify.Targets;
using Diffusion.Verify.Numerics;

namespace Diffusion.Verify.Distances.Quadrature;

/// <summary>
/// The complement of an embedded target (DESIGN §3, §5): every coordinate orthogonal to the core evolves
/// as the sampler on the scalar Gaussian N(0, σ⊥²), an affine map Y_1 = A Y_T + B. Found by running the real
/// sampler code on that 1-D target from starts 0 and 1. Sampler output N(B + A·m_T, V⊥) with
/// V⊥ = A² s_T (s_T = 1 for the Gaussian start, v⊥(T) for the exact start); target N(0, v⊥(1)),
/// v⊥(t) = ᾱ_t σ⊥² + 1 − ᾱ_t.
/// </summary>
public sealed record EmbeddedCombinationComplement(
    double ComplementVariance,
    double Slope,
    double Offset,
    double SamplerVariance,
    double TargetVariance)
{
    /// <summary>η = V⊥/v⊥(1) − 1, from logarithms so that its relative precision is that of A.</summary>
    public double RelativeExcess { get; init; }

    /// <summary>KL(N(0, V⊥) ‖ N(0, v⊥)) per complement coordinate: ½(η − ln(1 + η)).</summary>
    public double KlSamplerToTargetPerCoordinate => -0.5 * Remainders.Log1PMinusX(RelativeExcess);

    /// <summary>KL(N(0, v⊥) ‖ N(0, V⊥)) per complement coordinate: ½(η' − ln(1 + η')), η' = v⊥/V⊥ − 1.</summary>
    public double KlTargetToSamplerPerCoordinate => -0.5 * Remainders.Log1PMinusX(-RelativeExcess / (1 + RelativeExcess));

    public static EmbeddedCombinationComplement Compute(Sampler sampler, NoiseSchedule schedule, double complementVariance, StartDistribution start)
    {
        if (!double.IsFinite(complementVariance) || complementVariance < 0)
        {
            throw new InvalidSpecificationException("complementVariance", complementVariance.ToString("R"), "σ⊥² must be finite and ≥ 0");
        }

        // The exact score of N(0, σ⊥²): −x/v⊥(ᾱ); σ⊥² = 0 (data on the subspace) is fine at every level ᾱ < 1.
        var gaussian = new DiagonalGaussianScore([0.0], [complementVariance], allowZeroEigenvalues: true);
        SampleSet run = SamplerRunner.RunFrom(sampler, schedule, gaussian, [0.0, 1.0], accumulateLogDeterminant: false, maxDegreeOfParallelism: 1);
        double offset = run.Output[0];
        double slope = run.Output[1] - run.Output[0];
        int steps = schedule.Steps;
        double startVariance = start == StartDistribution.Gaussian
            ? 1.0
            : schedule.AlphaBar(steps) * complementVariance + schedule.OneMinusAlphaBar(steps);
        double targetVariance = schedule.AlphaBar(1) * complementVariance + schedule.OneMinusAlphaBar(1);
        double logRatio = 2 * Math.Log(Math.Abs(slope)) + Math.Log(startVariance) - Math.Log(targetVariance);
        return new EmbeddedCombinationComplement(complementVariance, slope, offset, slope * slope * startVariance, targetVariance)
        {
            RelativeExcess = Elementary.ExpM1(logRatio),
        };
    }
}
