namespace Diffusion.Verify.Experiments.Reporting;

/// <summary>One row of a fits CSV: a fitted slope of one series against one abscissa (T, NFE or h).</summary>
[CsvHelper.CsvRecord]
public sealed partial record FitRow
{
    public string Experiment { get; init; } = "";

    public string Target { get; init; } = "";

    public int D { get; init; }

    public string Schedule { get; init; } = "";

    public string Sampler { get; init; } = "";

    public string Perturbation { get; init; } = "";

    public string Metric { get; init; } = "";

    public string Against { get; init; } = "";

    public double Slope { get; init; }

    public double Lower95 { get; init; }

    public double Upper95 { get; init; }

    public double BootstrapLower95 { get; init; }

    public double BootstrapUpper95 { get; init; }

    public int PointsUsed { get; init; }

    public int PointsExcluded { get; init; }

    /// <summary>Local slopes between neighbouring points, "x:slope" separated by ';'.</summary>
    public string LocalSlopes { get; init; } = "";
}
