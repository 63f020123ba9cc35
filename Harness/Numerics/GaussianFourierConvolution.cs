using System.Numerics;
using MathNet.Numerics.IntegralTransforms;

namespace Diffusion.Verify.Numerics;

/// <summary>
/// Convolution of uniformly sampled values with the N(0, σ²) density by its exact Fourier multiplier
/// exp(−σ²k²/2). For a function resolved on the grid (negligible spectrum near Nyquist) and negligible
/// near both ends (the convolution is periodic), this is exact to round-off for any σ: a kernel much
/// wider than the grid spacing costs no more than one narrower than a cell, where a sampled kernel
/// would fail and the multiplier reduces to the second-order moment correction 1 − σ²k²/2 plus its
/// higher-order terms.
/// </summary>
public static class GaussianFourierConvolution
{
    public static void Apply(Span<double> values, double spacing, double sigma)
    {
        if (!(sigma >= 0) || !double.IsFinite(sigma))
        {
            throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "a standard deviation must be finite and ≥ 0");
        }

        if (sigma == 0)
        {
            return;
        }

        int n = values.Length;
        var buffer = new Complex[n];
        for (int i = 0; i < n; i++)
        {
            buffer[i] = new Complex(values[i], 0);
        }

        Fourier.Forward(buffer, FourierOptions.NoScaling);
        double dk = 2 * Math.PI / (n * spacing);
        double half = 0.5 * sigma * sigma * dk * dk;
        for (int j = 0; j < n; j++)
        {
            int m = j <= n / 2 ? j : j - n;
            buffer[j] *= Math.Exp(-half * m * m);
        }

        Fourier.Inverse(buffer, FourierOptions.NoScaling);
        double scale = 1.0 / n;
        for (int i = 0; i < n; i++)
        {
            values[i] = buffer[i].Real * scale;
        }
    }
}
