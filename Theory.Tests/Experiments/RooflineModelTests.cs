using Diffusion.Verify.Experiments.Commands;
using Diffusion.Verify.Numerics.Vectorization;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// The roofline of <c>bench --roofline</c>: the pass-by-pass byte model and the choice of the binding roof
/// (no timing here: the probes' figures are given).
/// </summary>
public sealed class RooflineModelTests
{
    private static readonly RooflineProbes.CacheSizes Caches = new(48 * 1024, 1024 * 1024, 32 * 1024 * 1024);

    [Theory]
    [InlineData(16, 2)]
    [InlineData(64, 8)]
    [InlineData(1024, 32)]
    public void BlockBytesAreTheStreamedArraysPlusTheMeansWhenTheyLeaveL1(int d, int k)
    {
        AccOdeTrafficModel model = AccOdeTrafficModel.For(d, k, flops: 1000, Caches.L1);
        double means = 8.0 * k * d;
        Assert.Equal(112.0 * d + (means > Caches.L1 ? 8.0 * k * d : 0), model.BlockBytes);

        // Every byte the block must stream is also a load or store the L1 serves, and the dot products
        // alone load x once per component pass.
        Assert.True(model.L1Bytes > model.BlockBytes);
        Assert.True(model.L1Bytes >= 2 * 8.0 * d * Math.Ceiling(k / 4.0));
    }

    [Fact]
    public void TheAttainableIsTheLowestRoofAndNamesIt()
    {
        AccOdeTrafficModel model = AccOdeTrafficModel.For(1024, 2, flops: 32948, Caches.L1);
        Assert.Equal("L2", model.Attainable(Ceilings(fma: 1000, l1: 1000, l2: 1000)).Level);

        var (fmaBound, fmaName, _) = model.Attainable(Ceilings(fma: 1, l1: 1000, l2: 1000));
        Assert.Equal((1.0, "FMA"), (fmaBound, fmaName));

        var (l2Bound, l2Name, _) = model.Attainable(Ceilings(fma: 1000, l1: 1e6, l2: 10));
        Assert.Equal("L2 bandwidth", l2Name);
        Assert.Equal(model.Flops / model.BlockBytes * 10, l2Bound, 12);

        var (l1Bound, l1Name, _) = model.Attainable(Ceilings(fma: 1000, l1: 10, l2: 1e6));
        Assert.Equal("L1 bandwidth", l1Name);
        Assert.Equal(model.Flops / model.L1Bytes * 10, l1Bound, 12);
    }

    [Theory]
    [InlineData(16, 2, SimdWidth.Vector256)]
    [InlineData(16, 8, SimdWidth.Vector256)]
    [InlineData(64, 8, SimdWidth.Vector512)]
    [InlineData(30, 3, SimdWidth.Vector256)]
    [InlineData(1024, 32, SimdWidth.Vector128)]
    public void InstructionCountsPerPassSumToTheTotal(int d, int k, SimdWidth width)
    {
        AccOdeInstructionModel model = AccOdeInstructionModel.For(d, k, width);
        Assert.Equal(model.Total, model.Passes.Sum(p => p.Operations), 9);
        Assert.All(model.Passes, p => Assert.True(p.Operations > 0, p.Pass));
        Assert.Equal(model.Total - model.Exponential, model.StreamOperations, 9);
    }

    [Fact]
    public void InstructionCountsFollowTheKernelsAtD16K2()
    {
        // 256 bits: 4 vectors per row. Y⁻ 6, update 11, the fused check 2 operations per vector.
        AccOdeInstructionModel model = AccOdeInstructionModel.For(16, 2, SimdWidth.Vector256);
        Assert.Equal(24, model.IntermediatePoint);
        Assert.Equal(44, model.Update);
        Assert.Equal(8, model.FiniteCheck);

        // Two evaluations × one exponential (K = 2: the larger logit's is 1) and the operations around it / 4 rows per vector.
        Assert.Equal(2 * (InstructionMixPasses.ExponentialOperations + AccOdeInstructionModel.TwoComponentOperations) / 4.0, model.Exponential, 12);

        // One 4×2 block: per vector column (6 loads + 12 FMAs) / 4 rows, then 3 horizontal sums of 1.5 operations per row.
        Assert.Equal(2 * ((4 * 6 / 4.0) + (4 * 3.0) + (3 * 1.5)), model.DotsAndNorms, 12);
    }

    [Fact]
    public void InstructionOperationsGrowWithTheWork()
    {
        double small = AccOdeInstructionModel.For(16, 2, SimdWidth.Vector256).Total;
        Assert.True(AccOdeInstructionModel.For(16, 8, SimdWidth.Vector256).Total > small);
        Assert.True(AccOdeInstructionModel.For(64, 2, SimdWidth.Vector256).Total > small);

        // Wider vectors issue fewer operations for the same row.
        Assert.True(AccOdeInstructionModel.For(64, 8, SimdWidth.Vector512).Total < AccOdeInstructionModel.For(64, 8, SimdWidth.Vector256).Total);
    }

    [Fact]
    public void TheInstructionRoofBindsWhenItIsTheLowest()
    {
        AccOdeTrafficModel model = AccOdeTrafficModel.For(16, 2, flops: 1000, Caches.L1);
        AccOdeInstructionModel instructions = AccOdeInstructionModel.For(16, 2, SimdWidth.Vector256);

        // Issue rates so high the memory roofs decide: the answer is the three-roof one.
        RooflineProbes.Ceilings fast = Ceilings(fma: 50, l1: 1000, l2: 1000, exponentialIssue: 1e9, streamIssue: 1e9);
        Assert.Equal(model.Attainable(fast), model.Attainable(fast, instructions));

        // Slow issue: the instruction roof is the lowest, and it is flops over the time the operations take.
        RooflineProbes.Ceilings slow = Ceilings(fma: 50, l1: 1000, l2: 1000, exponentialIssue: 2, streamIssue: 4);
        var (bound, name, _) = model.Attainable(slow, instructions);
        double expected = 1000 / ((instructions.Exponential / 2) + (instructions.StreamOperations / 4));
        Assert.Equal("instructions", name);
        Assert.Equal(expected, bound, 12);
        Assert.True(bound < 50);
        Assert.True(bound <= model.Attainable(slow).Gflops);
    }

    private static RooflineProbes.Ceilings Ceilings(double fma, double l1, double l2, double exponentialIssue = double.PositiveInfinity, double streamIssue = double.PositiveInfinity) =>
        new(2, fma, l1, l2, l2 / 2, Caches, exponentialIssue, streamIssue);
}
