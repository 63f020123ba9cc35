namespace Diffusion.Verify.Experiments.Pipeline;

/// <summary>
/// Samplers run blocks with Parallel.For, which wraps what the blocks throw in an
/// <see cref="AggregateException"/>; the exit code and the message are decided by one of them.
/// </summary>
public static class Failures
{
    /// <summary>
    /// The exception that decides the outcome: a numerical failure first (the earliest in sampling order:
    /// the largest step t, then the smallest sample index), then bad input, then cancellation.
    /// </summary>
    public static Exception Primary(Exception e)
    {
        if (e is not AggregateException aggregate)
        {
            return e;
        }

        var inner = aggregate.Flatten().InnerExceptions.Select(Primary).ToList();
        if (inner.Count == 0)
        {
            return e;
        }

        return inner.OfType<NumericalFailureException>().OrderByDescending(f => f.Step).ThenBy(f => f.SampleIndex).FirstOrDefault()
            ?? (Exception?)inner.OfType<InvalidSpecificationException>().FirstOrDefault()
            ?? inner.FirstOrDefault(x => x is not OperationCanceledException)
            ?? inner[0];
    }

    /// <summary>The same failure (sampler, T, step, sample index kept) with where in the run it happened appended.</summary>
    public static NumericalFailureException WithContext(NumericalFailureException failure, string context)
    {
        string prefix = new NumericalFailureException(failure.Sampler, failure.Steps, failure.Step, failure.SampleIndex, "").Message;
        string detail = failure.Message.StartsWith(prefix, StringComparison.Ordinal) ? failure.Message[prefix.Length..] : failure.Message;
        return new NumericalFailureException(failure.Sampler, failure.Steps, failure.Step, failure.SampleIndex, $"{detail}; {context}");
    }
}
