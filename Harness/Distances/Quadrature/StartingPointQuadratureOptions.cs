namespace Diffusion.Verify.Distances.Quadrature;

/// <summary>
/// Grid for <see cref="StartingPointQuadrature"/>: composite Gauss–Legendre over starting points. In 1-D the
/// reported value is computed with base panels of half <see cref="PanelWidth"/> and half <see cref="OutputSpan"/>,
/// and the value with the full ones is its error estimate (Tolerance = |difference|); in 2-D the outer axis is
/// adaptive and the estimate compares each outer panel with its two halves.
/// </summary>
public sealed record StartingPointQuadratureOptions
{
    /// <summary>Coarse base panel width in start space (units of the N(0, I) start's standard deviation); null: 0.5 in 1-D, 1 in 2-D.</summary>
    public double? PanelWidth { get; init; }

    /// <summary>Gauss–Legendre points per panel and axis; null: 12 in 1-D, 8 in 2-D.</summary>
    public int? NodesPerPanel { get; init; }

    /// <summary>
    /// Coarse output span: a panel is halved while the sampler outputs at its first and last node are further
    /// apart than this (in the units of the data). Keep it well below the smallest structure of q_1, e.g. a
    /// quarter of the narrowest mixture component's standard deviation.
    /// </summary>
    public double OutputSpan { get; init; } = 0.2;

    /// <summary>Half-width of the initial box; it grows until the densities on its edges are below <see cref="TailDensity"/>.</summary>
    public double InitialHalfWidth { get; init; } = 8.0;

    /// <summary>Both the start density φ and the pulled-back target density q_1(F)|det J| must be below this on the box edges.</summary>
    public double TailDensity { get; init; } = 1e-18;

    /// <summary>How far an edge moves out per growth step.</summary>
    public double GrowthStep { get; init; } = 1.0;

    /// <summary>The box never grows beyond this half-width; when it would, the report says so.</summary>
    public double MaxHalfWidth { get; init; } = 64.0;

    /// <summary>
    /// Split panels where the log-ratio ln r crosses 0, so that the kink of (1 − r)_+ lies on a panel edge
    /// (1-D lines; in 2-D along the inner axis of every line). Off only to show what it buys.
    /// </summary>
    public bool SplitAtCrossings { get; init; } = true;

    /// <summary>
    /// 2-D only: an outer panel is split while its whole and halved Gauss–Legendre values differ by more than
    /// this fraction of the total (times the panel's share of the box) in any integral.
    /// </summary>
    public double OuterRelativeTolerance { get; init; } = 1e-7;

    /// <summary>
    /// Budget of sampler runs (nodes) per level: adaptive refinement stops at it and the report warns. Guards
    /// against maps that blow up (tiny T with huge steps), where refinement would chase outputs to infinity.
    /// </summary>
    public long MaxNodesPerLevel { get; init; } = 2_000_000;

    /// <summary>Worker threads for the sampler runs; −1 for all cores. Changes speed, never the result.</summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;

    public CancellationToken Cancellation { get; init; }

    internal double PanelWidthFor(int dimension) => PanelWidth ?? (dimension == 1 ? 0.5 : 1.0);

    internal int NodesFor(int dimension) => NodesPerPanel ?? (dimension == 1 ? 12 : 8);

    internal void Validate(int dimension)
    {
        double h = PanelWidthFor(dimension);
        if (!double.IsFinite(h) || h <= 0)
        {
            throw new InvalidSpecificationException("quadrature.panelWidth", h.ToString("R"), "must be finite and positive");
        }

        int n = NodesFor(dimension);
        if (n < 2 || n > 64)
        {
            throw new InvalidSpecificationException("quadrature.nodesPerPanel", n.ToString(), "must be in 2..64");
        }

        if (!double.IsFinite(OutputSpan) || OutputSpan <= 0)
        {
            throw new InvalidSpecificationException("quadrature.outputSpan", OutputSpan.ToString("R"), "must be finite and positive");
        }

        if (!(InitialHalfWidth > 0) || !(MaxHalfWidth >= InitialHalfWidth) || !(GrowthStep > 0))
        {
            throw new InvalidSpecificationException("quadrature.box", $"{InitialHalfWidth}/{MaxHalfWidth}/{GrowthStep}", "need 0 < initial half-width ≤ max half-width and a positive growth step");
        }

        if (!(OuterRelativeTolerance > 0) || OuterRelativeTolerance >= 1)
        {
            throw new InvalidSpecificationException("quadrature.outerRelativeTolerance", OuterRelativeTolerance.ToString("R"), "must be in (0, 1)");
        }

        if (MaxNodesPerLevel < 1000)
        {
            throw new InvalidSpecificationException("quadrature.maxNodesPerLevel", MaxNodesPerLevel.ToString(), "must be at least 1000");
        }

        if (!(TailDensity > 0) || TailDensity >= 1e-6)
        {
            throw new InvalidSpecificationException("quadrature.tailDensity", TailDensity.ToString("R"), "must be in (0, 1e-6)");
        }
    }
}
