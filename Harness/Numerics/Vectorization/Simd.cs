using System.Runtime.Intrinsics;

namespace Diffusion.Verify.Numerics.Vectorization;

/// <summary>
/// Which width the kernels run at, chosen once per process: the widest the CPU accelerates (Vector512 where
/// <see cref="Vector512.IsHardwareAccelerated"/>, else Vector256, else Vector128, else scalar) — never a
/// width the runtime would emulate in software — unless the environment variable
/// <see cref="EnvironmentVariable"/> asks for a narrower one (512, 256, 128 or scalar), so that every path can
/// be tested and benchmarked on one machine.
/// <para>
/// Results do not depend on thread count or block size at any width. Between widths they differ only in
/// the rounding of reductions across lanes (the dot products; the softmax runs lane-wise across rows): whole sampler runs agree to
/// 1e−14 (largest seen; tested to 1e−12 in Theory.Tests/SimdPathTests).
/// </para>
/// </summary>
public static class Simd
{
    /// <summary>The variable read (once, at first use of a kernel) to force a narrower path.</summary>
    public const string EnvironmentVariable = "DIFFUSION_VERIFY_SIMD";

    /// <summary>The widest width the hardware accelerates.</summary>
    public static SimdWidth Widest { get; } =
        Vector512.IsHardwareAccelerated ? SimdWidth.Vector512
        : Vector256.IsHardwareAccelerated ? SimdWidth.Vector256
        : Vector128.IsHardwareAccelerated ? SimdWidth.Vector128
        : SimdWidth.Scalar;

    /// <summary>
    /// The width in use. A static readonly field, so the JIT folds each kernel's dispatch on it to a direct
    /// call. Reading an environment variable is the Harness's only contact with the process environment (it
    /// does no file or console I/O); an unusable value is reported through <see cref="Request"/>.
    /// </summary>
    public static readonly SimdWidth Width = Choose(Environment.GetEnvironmentVariable(EnvironmentVariable), out Request);

    /// <summary>What the environment asked for, and whether it was honoured, for <c>bench</c> to print.</summary>
    public static readonly string Request;

    /// <summary>Doubles per vector at <see cref="Width"/>.</summary>
    public static int Lanes => Width == SimdWidth.Scalar ? 1 : (int)Width / 64;

    /// <summary>
    /// The width for a requested value: the widest accelerated one for null/empty/"auto", the request when
    /// it is no wider than that, else the widest (a wider path would be emulated).
    /// </summary>
    public static SimdWidth Choose(string? requested, out string note)
    {
        string value = requested?.Trim().ToLowerInvariant() ?? string.Empty;
        SimdWidth? asked = value switch
        {
            "" or "auto" => null,
            "512" or "vector512" or "avx512" => SimdWidth.Vector512,
            "256" or "vector256" or "avx2" => SimdWidth.Vector256,
            "128" or "vector128" or "sse" or "neon" => SimdWidth.Vector128,
            "scalar" or "1" or "64" => SimdWidth.Scalar,
            _ => SimdWidth.Scalar - 1,
        };
        if (asked is null)
        {
            note = $"widest accelerated ({Name(Widest)})";
            return Widest;
        }

        if (asked < SimdWidth.Scalar)
        {
            note = $"{EnvironmentVariable}={requested} not understood (use 512, 256, 128 or scalar); using the widest accelerated ({Name(Widest)})";
            return Widest;
        }

        if (asked > Widest)
        {
            note = $"{EnvironmentVariable}={requested} is wider than this CPU accelerates; using {Name(Widest)}";
            return Widest;
        }

        note = asked == Widest ? $"widest accelerated ({Name(Widest)}), as {EnvironmentVariable} asks" : $"forced by {EnvironmentVariable}={requested} (widest accelerated: {Name(Widest)})";
        return asked.Value;
    }

    public static string Name(SimdWidth width) => width == SimdWidth.Scalar ? "scalar" : width.ToString();
}
