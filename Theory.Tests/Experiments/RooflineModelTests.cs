using Diffusion.Verify.Experiments.Commands;

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

    private static RooflineProbes.Ceilings Ceilings(double fma, double l1, double l2) => new(2, fma, l1, l2, l2 / 2, Caches);
}
