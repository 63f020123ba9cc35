namespace Diffusion.Verify.Experiments.Pipeline;

/// <summary>
/// One tidy CSV row: one metric of one point of one experiment (DESIGN §8). <see cref="Floor"/> is the
/// resolution limit (3 σ, the method's tolerance, or a sample estimator's floor); <see cref="H"/> is the
/// largest step size max β_t, the abscissa li2024 slopes are judged against.
/// </summary>
[CsvHelper.CsvRecord]
public sealed partial record ResultRow
{
    public string Experiment { get; init; } = "";

    public string Target { get; init; } = "";

    public int D { get; init; }

    /// <summary>The intrinsic dimension of the data (<see cref="Targets.IDiffusedTarget.IntrinsicDimension"/>): D, or k for data on a k-dimensional subspace.</summary>
    public int K { get; init; }

    public string Schedule { get; init; } = "";

    public string Sampler { get; init; } = "";

    public string Perturbation { get; init; } = "";

    public int T { get; init; }

    public long Nfe { get; init; }

    public double H { get; init; }

    public string Metric { get; init; } = "";

    public double Value { get; init; }

    public double Stderr { get; init; }

    public double Floor { get; init; }

    public string Method { get; init; } = "";

    public long N { get; init; }

    public long Seed { get; init; }

    public double Seconds { get; init; }

    /// <summary>Identifies the point a row belongs to (resume and merge key).</summary>
    [CsvHelper.CsvIgnore]
    public string PointKey => $"{Experiment}|{Target}|{D}|{Schedule}|{Sampler}|{Perturbation}|{T}";
}
