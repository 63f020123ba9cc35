using MathNet.Numerics;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>
/// The hand-written eˣ − 1 and ln(1 + x) against 25-digit values (mpmath), and the reason they exist: .NET's
/// double.ExpM1 / double.LogP1 lose relative precision for small x, and MathNet's Expm1 is off
/// by ~1e−7 near x = −0.06. Should a library version become accurate, the last test fails and the
/// hand-written routine can give way to it.
/// </summary>
public sealed class ElementaryTests
{
    [Theory]
    [InlineData(1e-12, 1.0000000000005e-12, 9.999999999995000000000003e-13)]
    [InlineData(-6.1e-8, -6.099999813950003783016609e-8, -6.100000186050007566033679e-8)]
    [InlineData(2.5e-4, 0.0002500312526043294352216933, 0.0002499687552073569661051519)]
    [InlineData(-0.061, -0.059176760223990270303235, -0.06293979977387414397996382)]
    [InlineData(0.1, 0.1051709180756476248117078, 0.09531017980432486004395212)]
    [InlineData(0.45, 0.5683121854901688111795998, 0.3715635564324830337480485)]
    [InlineData(-0.3, -0.2591817793182821339331262, -0.3566749439387323789126387)]
    public void ExpM1AndLog1PKeepFullRelativePrecision(double x, double expM1, double log1P)
    {
        Assert.InRange(Math.Abs(Elementary.ExpM1(x) / expM1 - 1), 0, 1e-15);
        Assert.InRange(Math.Abs(Elementary.Log1P(x) / log1P - 1), 0, 1e-15);
    }

    [Fact]
    public void TheLibraryVersionsAreLessAccurateWhereTheHandWrittenOnesAreUsed()
    {
        const double x = -0.061;
        const double expM1 = -0.059176760223990270303235;
        Assert.True(Math.Abs(SpecialFunctions.Expm1(x) / expM1 - 1) > 1e-9, "MathNet's Expm1 is now accurate: use it");
        Assert.True(Math.Abs(double.ExpM1(1e-12) / 1.0000000000005e-12 - 1) > 1e-9, ".NET's double.ExpM1 is now accurate: use it");
        Assert.True(Math.Abs(double.LogP1(1e-12) / 9.999999999995000000000003e-13 - 1) > 1e-9, ".NET's double.LogP1 is now accurate: use it");
    }
}
