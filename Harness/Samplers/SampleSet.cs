namespace Diffusion.Verify.Samplers;

/// <summary>N samples of Y_1 (N × d row-major), optionally with Y_T and ln|det J| per sample.</summary>
public sealed class SampleSet
{
    public SampleSet(int count, int dimension, double[] output, double[]? start, double[]? logDeterminant, long functionEvaluations)
    {
        Count = count;
        Dimension = dimension;
        Output = output;
        Start = start;
        LogDeterminant = logDeterminant;
        FunctionEvaluations = functionEvaluations;
    }

    public int Count { get; }

    public int Dimension { get; }

    public double[] Output { get; }

    public double[]? Start { get; }

    public double[]? LogDeterminant { get; }

    /// <summary>Score evaluations per sample (NFE).</summary>
    public long FunctionEvaluations { get; }

    public ReadOnlySpan<double> Sample(int i) => Output.AsSpan(i * Dimension, Dimension);
}
