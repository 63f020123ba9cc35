using Diffusion.Verify.Numerics.Vectorization;

namespace Diffusion.Verify.Experiments.Commands;

/// <summary>
/// Vector operations one acc-ode sample-step issues (one row, two score evaluations of an isotropic mixture
/// with d dimensions and K components), pass by pass as the kernels are written at the width in use (L lanes;
/// B components per dot-product register block and C vectors per combination block: B = C = 2 below 512
/// bits, 4 at 512 (B = 2 there too when K &lt; 4); V = ⌊d/L⌋ whole vectors per row, t = d mod L scalar tail elements). Counted as the source
/// writes them, one per load, store, arithmetic operation, compare, mask, rounding or shuffle — the
/// convention of <see cref="InstructionMixPasses"/>, whose measured rates turn these counts into time.
/// <list type="bullet">
/// <item>dots and norms (per evaluation): per 4-row tile and vector column, B means and 4 rows loaded per
/// block of B components (1 + 4 for a leftover component), one FMA per row and component and one for |x|²
/// (loads of x again when K &lt; B, where the norms take their own pass); the horizontal sums at the end
/// (per sum: 1.5 operations at 256 bits — two horizontal adds, two lane permutes, one add and one store per 4
/// sums, each group of 4 one component's 4 rows, stored as the vector the softmax loads —, 3.5 at 512 bits,
/// 3 at 128); the tail t(K + 1) scalar FMAs and loads;</item>
/// <item>exponential (per evaluation and vector of rows): per component <see cref="InstructionMixPasses.SoftmaxExponentialOperations"/>,
/// and a load of the maximum and a store of the sum (2); at K = 2 one exponential instead
/// (<see cref="InstructionMixPasses.ExponentialOperations"/>) and <see cref="TwoComponentOperations"/> around it;</item>
/// <item>the rest of the softmax (per vector of rows): per component the logit (a load, three
/// broadcasts, multiply, subtract, add, the clamp at 0, multiply, subtract, store, running max: 12) and the
/// weight and coefficient (load, multiply, store, two broadcasts, two multiplies, add, store: 9); per vector of
/// rows a load of |x|², a store of the maximum, a load of the sum, the division and a store of κ (5);</item>
/// <item>combination −κx + Σ c_k μ_k (per 4-row tile and block of C vectors): 4C loads of x, 4C multiplies,
/// per component C loads of μ, 4 broadcasts and 4C FMAs, 4C stores; vectors beyond the last block row by row
/// (a load, a multiply, 3 per component, a store); tail elements 2 + 2K scalar operations;</item>
/// <item>Y⁻ pass: 2 loads, 2 multiplies, an add, a store per vector (6); update: 11 per vector; the finite
/// check of the new state, fused into the update: a subtraction y − y and its running sum per vector
/// (<see cref="InstructionMixPasses.FusedFiniteCheckOperations"/>; the update and check together are
/// <see cref="InstructionMixPasses.UpdateOperations"/>); tails one scalar operation per element and operation.</item>
/// </list>
/// Not counted: loop counters, address arithmetic and branches (the integer side; the probes' loops carry
/// the same kind), the per-block constants, the schedule, calls, and how the JIT schedules or fuses the
/// operations (a load folded into an FMA is still counted as a load: it still takes a load port).
/// <para>
/// Against the machine code (.NET 10 JIT, AVX2, read with DOTNET_JitDisasm): the exponential's clamp is the
/// platform's min and max (one instruction each; the IEEE Min(Max(x, −746), 710) had been 17), some constants
/// are re-broadcast inside the loop and the mask's complement adds 2, which the probe times, so the
/// exponential's share of the roof holds whatever the count; the update is 11 vector instructions for its
/// 13 counted (two loads folded). The stream rate is the update's, so passes with other mixes (the dot
/// products' loads and FMAs, the horizontal sums, the broadcasts of the combination) are timed at a rate
/// measured on a different mix: the instruction roof is an estimate to within that, not a bound.
/// </para>
/// </summary>
public sealed record AccOdeInstructionModel(int Dimension, int Components, double DotsAndNorms, double Exponential, double Softmax, double Combine, double IntermediatePoint, double Update, double FiniteCheck)
{
    /// <summary>All the operations of a sample-step.</summary>
    public double Total => DotsAndNorms + Exponential + Softmax + Combine + IntermediatePoint + Update + FiniteCheck;

    /// <summary>The operations timed at the stream rate (everything but the exponential).</summary>
    public double StreamOperations => Total - Exponential;

    /// <summary>The passes and their counts, in the order the step runs them.</summary>
    public IReadOnlyList<(string Pass, double Operations)> Passes =>
    [
        ("dots+norms", DotsAndNorms), ("exp", Exponential), ("softmax", Softmax), ("combine", Combine),
        ("Y⁻", IntermediatePoint), ("update", Update), ("finite", FiniteCheck),
    ];

    /// <summary>
    /// Around K = 2's one exponential per vector of rows: loads of the maximum and the two logits, two subtractions
    /// and their sum, the constant 1, two compares, two selects, two stores, the sum 1 + e and its store.
    /// </summary>
    public const int TwoComponentOperations = 16;

    public static AccOdeInstructionModel For(int d, int k) => For(d, k, Simd.Width);

    public static AccOdeInstructionModel For(int d, int k, SimdWidth width)
    {
        int lanes = width == SimdWidth.Scalar ? 1 : (int)width / 64;
        int block = width == SimdWidth.Vector512 ? 4 : 2;
        double perSum = width switch
        {
            SimdWidth.Vector512 => 3.5,
            SimdWidth.Vector256 => 1.5,
            SimdWidth.Vector128 => 3.0,
            _ => 0.0,
        };
        int vectors = d / lanes;
        int tail = d - (vectors * lanes);

        // Per row and evaluation.
        int dotBlock = k < 4 ? 2 : block;
        int blocks = k / dotBlock;
        int leftover = k % dotBlock;
        double dotLoads = vectors * ((blocks * (dotBlock + 4.0)) + (leftover * 5.0)) / 4.0;
        double normLoads = k < dotBlock ? vectors : 0;
        double dotFmas = vectors * (k + 1.0);
        double sums = (k + 1.0) * perSum;
        double dots = dotLoads + normLoads + dotFmas + sums + (2.0 * tail * (k + 1));

        double exponential = (k == 2 ? InstructionMixPasses.ExponentialOperations + TwoComponentOperations : (InstructionMixPasses.SoftmaxExponentialOperations * (double)k) + 2.0) / lanes;
        double softmax = ((21.0 * k) + 5.0) / lanes;

        int columnBlocks = vectors / block;
        int rest = vectors - (columnBlocks * block);
        double combine = (columnBlocks * ((12.0 * block) + (k * ((5.0 * block) + 4.0))) / 4.0) + (rest * (3.0 + (3.0 * k))) + (tail * (2.0 + (2.0 * k)));

        return new AccOdeInstructionModel(
            d,
            k,
            DotsAndNorms: 2 * dots,
            Exponential: 2 * exponential,
            Softmax: 2 * softmax,
            Combine: 2 * combine,
            IntermediatePoint: (6.0 * vectors) + (6.0 * tail),
            Update: ((InstructionMixPasses.UpdateOperations - InstructionMixPasses.FusedFiniteCheckOperations) * (double)vectors) + (11.0 * tail),
            FiniteCheck: InstructionMixPasses.FusedFiniteCheckOperations * (double)(vectors + tail));
    }

    /// <summary>
    /// The instruction roof in GFLOP/s: <paramref name="flops"/> per sample-step over the time its operations
    /// take at the measured issue rates (the exponential's at its own rate, the rest at the stream rate;
    /// rates in 10⁹ operations per second).
    /// </summary>
    public double Gflops(double flops, double exponentialRate, double streamRate) =>
        flops / ((Exponential / exponentialRate) + (StreamOperations / streamRate));
}
