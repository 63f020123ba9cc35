using Diffusion.Verify.Numerics;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>The dense reference the structured ln|det| paths are checked against.</summary>
internal static class DenseIdentityPlusScaled
{
    /// <summary>ln|det(I + c J)| by an LU: overwrites <paramref name="jacobian"/> (d×d, row-major) with I + c J.</summary>
    public static double LogAbsDeterminant(double[] jacobian, int d, double scale)
    {
        for (int i = 0; i < d * d; i++)
        {
            jacobian[i] *= scale;
        }

        for (int i = 0; i < d; i++)
        {
            jacobian[(i * d) + i] += 1;
        }

        return DenseLu.LogAbsDeterminant(jacobian, d);
    }
}
