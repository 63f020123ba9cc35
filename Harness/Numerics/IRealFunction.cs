namespace Diffusion.Verify.Numerics;

/// <summary>A real function of one variable, as a struct so quadrature loops inline it.</summary>
internal interface IRealFunction
{
    double Evaluate(double x);
}
