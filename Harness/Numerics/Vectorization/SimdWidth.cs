namespace Diffusion.Verify.Numerics.Vectorization;

/// <summary>The vector width the hand-vectorised kernels run at (<see cref="Simd.Width"/>).</summary>
public enum SimdWidth
{
    /// <summary>One double at a time, with the same fused multiply-adds as the vector paths.</summary>
    Scalar = 1,

    /// <summary>Vector128 (SSE, ARM NEON): 2 doubles.</summary>
    Vector128 = 128,

    /// <summary>Vector256 (AVX2): 4 doubles.</summary>
    Vector256 = 256,

    /// <summary>Vector512 (AVX-512): 8 doubles.</summary>
    Vector512 = 512,
}
