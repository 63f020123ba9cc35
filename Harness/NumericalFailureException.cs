namespace Diffusion.Verify;

/// <summary>A NaN or infinity appeared; says where, so that the failing configuration can be replayed.</summary>
public sealed class NumericalFailureException : Exception
{
    public NumericalFailureException(string sampler, int steps, int step, long sampleIndex, string detail)
        : base($"non-finite value in sampler {sampler} (T = {steps}) at step t = {step}, sample {sampleIndex}: {detail}")
    {
        Sampler = sampler;
        Steps = steps;
        Step = step;
        SampleIndex = sampleIndex;
    }

    public string Sampler { get; }

    public int Steps { get; }

    public int Step { get; }

    public long SampleIndex { get; }
}
