namespace Diffusion.Verify.Samplers;

/// <summary>
/// A finished block handed to a streaming consumer: rows [FirstSampleIndex, FirstSampleIndex + Rows)
/// of Y_1, and optionally their Y_T and ln|det J|. The spans are only valid during the callback.
/// </summary>
public readonly ref struct FinishedBlock
{
    public FinishedBlock(long firstSampleIndex, int rows, int dimension, ReadOnlySpan<double> output, ReadOnlySpan<double> start, ReadOnlySpan<double> logDeterminant)
    {
        FirstSampleIndex = firstSampleIndex;
        Rows = rows;
        Dimension = dimension;
        Output = output;
        Start = start;
        LogDeterminant = logDeterminant;
    }

    public long FirstSampleIndex { get; }

    public int Rows { get; }

    public int Dimension { get; }

    public ReadOnlySpan<double> Output { get; }

    /// <summary>Y_T, empty unless requested.</summary>
    public ReadOnlySpan<double> Start { get; }

    /// <summary>ln|det ∂Y_1/∂Y_T|, empty unless requested.</summary>
    public ReadOnlySpan<double> LogDeterminant { get; }
}
