using Diffusion.Verify.Distances;
using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// Kernel sequences for the propagation tests, in order of application (t = T..2). Besides ddpm-type
/// (through the sampler), hand-made kernels with pre-noise in the shapes DESIGN §4 gives acc-sde
/// (noise outside the 1/√α) and acc-sde-inside, so that the evaluators are tested whichever samplers exist.
/// </summary>
internal static class DensityPropagationKernels
{
    public static IReadOnlyList<StochasticKernel> Of(string kind, NoiseSchedule schedule)
    {
        if (kind == "ddpm-type")
        {
            return DensityPropagation.KernelsOf(new DdpmTypeSampler(), schedule);
        }

        var kernels = new StochasticKernel[schedule.Steps - 1];
        for (int i = 0; i < kernels.Length; i++)
        {
            int t = schedule.Steps - i;
            double alpha = schedule.Alpha(t);
            double beta = schedule.Beta(t);
            double half = Math.Sqrt(beta / 2);
            kernels[i] = kind switch
            {
                // Y⁺ = Y + √(β/2) Z;  Y_{t−1} = (Y⁺ + β s(Y⁺))/√α + √(β/2) Z⁺
                "acc-sde-like" => new StochasticKernel(half, 1 / Math.Sqrt(alpha), beta, half, schedule.AlphaBar(t)),

                // Y_{t−1} = (Y⁺ + β s(Y⁺) + √(β/2) Z⁺)/√α
                "acc-sde-inside-like" => new StochasticKernel(half, 1 / Math.Sqrt(alpha), beta, half / Math.Sqrt(alpha), schedule.AlphaBar(t)),
                _ => throw new ArgumentException(kind),
            };
        }

        return kernels;
    }
}
