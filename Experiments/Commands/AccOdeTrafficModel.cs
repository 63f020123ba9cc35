using Diffusion.Verify.Numerics.Vectorization;
using Diffusion.Verify.Samplers;

namespace Diffusion.Verify.Experiments.Commands;

/// <summary>
/// Flops and bytes of one acc-ode sample-step (one row, two score evaluations of an isotropic mixture with
/// d dimensions and K components), pass by pass as the kernels are written at the width in use (L lanes,
/// B components per dot-product register block and C vectors per combination block: B = C = 2 below 512
/// bits, 4 at 512):
/// <list type="bullet">
/// <item>dot products x·μ_k with |x|² riding along: x is loaded once per component pass, P = ⌊K/B⌋ + K mod B
/// passes (8dP bytes); each μ vector once per 4-row tile (2Kd per row);</item>
/// <item>softmax, a vector of rows at a time: per component and row the dot product loaded and the logit
/// stored, the logit loaded and e stored, e loaded and the weight and coefficient stored (56K), five
/// per-level constants broadcast per component and vector of rows (40K/L), |x|² loaded and κ and the
/// maximum stored (32);</item>
/// <item>combination −κx + Σ c_k μ_k: x once (8d), μ once per 4-row tile (2Kd), one broadcast coefficient per
/// component and column block (8K⌈d/(CL)⌉), the score stored (8d);</item>
/// <item>Y_t⁻ (reads Y and s, writes Y⁻: 24d), the update (reads Y, s, s⁻, writes Y: 32d), the finite check (8d).</item>
/// </list>
/// <see cref="L1Bytes"/> is all of that: every load and store the kernels issue, which the L1 must serve.
/// <see cref="BlockBytes"/> is the part that must come from where the block lives when it does not fit in
/// L1: each pass reads or writes each of the row's d-vectors once (x twice per evaluation, s once, then
/// the two update passes and the check: 112d), plus the means from L2 when they do not fit in L1 (8Kd).
/// Not counted: the per-level constants (K per evaluation per block), the schedule, write-allocate reads.
/// Flops are those of <c>bench</c>'s count (16d + 8Kd + 90K), each FMA 2.
/// </summary>
public sealed record AccOdeTrafficModel(int Dimension, int Components, double Flops, double L1Bytes, double BlockBytes, double WorkingSetBytes)
{
    public static AccOdeTrafficModel For(int d, int k, double flops, long l1Bytes)
    {
        int lanes = Simd.Lanes;
        int block = Simd.Width == SimdWidth.Vector512 ? 4 : 2;
        int passes = (k / block) + (k % block);
        double columnBlocks = Math.Ceiling(d / (double)(block * lanes));
        double evaluation = (8.0 * d * passes) + (2.0 * k * d) + (56.0 * k) + (40.0 * k / lanes) + 32.0 + (8.0 * d) + (2.0 * k * d) + (8.0 * k * columnBlocks) + (8.0 * d);
        double l1 = (2 * evaluation) + (24.0 * d) + (32.0 * d) + (8.0 * d);
        double means = 8.0 * k * d;
        int rows = SamplingOptions.AutomaticBlockSize(d);
        double workingSet = (4.0 * rows * d * 8) + means;
        double blockBytes = (112.0 * d) + (means > l1Bytes ? 8.0 * k * d : 0);
        return new AccOdeTrafficModel(d, k, flops, l1, blockBytes, workingSet);
    }

    /// <summary>
    /// min(FMA ceiling, flops/L1 bytes × L1 bandwidth, flops/block bytes × bandwidth of the level the block
    /// lives in), in GFLOP/s, and which of the three binds.
    /// </summary>
    public (double Gflops, string Bound, string Level) Attainable(RooflineProbes.Ceilings ceilings)
    {
        (string level, double bandwidth) = ceilings.LevelFor(WorkingSetBytes);
        double fma = ceilings.FmaGflops;
        double l1 = Flops / L1Bytes * ceilings.L1Bandwidth;
        double block = Flops / BlockBytes * bandwidth;
        if (fma <= l1 && fma <= block)
        {
            return (fma, "FMA", level);
        }

        return l1 <= block ? (l1, "L1 bandwidth", level) : (block, $"{level} bandwidth", level);
    }

    /// <summary>
    /// The lowest of the three roofs above and the instruction roof of <paramref name="instructions"/> (its
    /// operations at the measured issue rates), and which of the four binds.
    /// </summary>
    public (double Gflops, string Bound, string Level) Attainable(RooflineProbes.Ceilings ceilings, AccOdeInstructionModel instructions)
    {
        (double memory, string bound, string level) = Attainable(ceilings);
        double issue = instructions.Gflops(Flops, ceilings.ExponentialIssue, ceilings.StreamIssue);
        return issue < memory ? (issue, "instructions", level) : (memory, bound, level);
    }
}
