using System.Diagnostics;
using System.Globalization;
using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Scores;
using Diffusion.Verify.Targets;

namespace Diffusion.Verify.Distances.Quadrature;

/// <summary>
/// Exact-law distances for deterministic samplers on 1-D and 2-D targets (DESIGN §5 "quadrature"): the
/// integrals are taken over starting points x = Y_T, where nothing is interpolated. With F the sampler map,
/// J its Jacobian, φ the start density and r(x) = q_1(F(x)) |det J(x)| / φ(x),
/// <code>
/// TV = ∫ φ (1 − r)_+ dx,   KL(p_1‖q_1) = ∫ φ (r − 1 − ln r) dx,   KL(q_1‖p_1) = ∫ φ (r ln r − r + 1) dx,
/// </code>
/// all with non-negative integrands evaluated from ln r, so a TV of 1e−8 keeps its relative precision.
/// Works for any deterministic <see cref="Sampler"/> that accumulates ln|det J| in <see cref="SamplerRunner.RunFrom"/>.
/// <para>
/// Grid: composite Gauss–Legendre on a box grown until φ and φ r are negligible on its edges; panels adapt
/// to the sampler map (output span) and are split where l crosses 0 (<see cref="StartingPointQuadratureLines"/>);
/// in 2-D the outer axis is adaptive (<see cref="StartingPointQuadratureOuter"/>). The report's Notes give the
/// box, node counts, crossings, the mass checks ∫φ − 1 and ∫φ r − 1 (both ~1e−15 when the box holds both laws
/// and F is onto) and warnings (box capped, refinement budget hit, non-monotone 1-D map).
/// </para>
/// </summary>
public static class StartingPointQuadrature
{
    /// <summary>The sampler driven by the target's exact score.</summary>
    public static DistanceReport Evaluate(Sampler sampler, NoiseSchedule schedule, IDiffusedTarget target, StartDistribution start, StartingPointQuadratureOptions? options = null)
        => Evaluate(sampler, schedule, new ExactScore(target), target, start, options);

    /// <summary>
    /// The sampler driven by <paramref name="score"/> (exact or perturbed); q_1 and, for the exact start, q_T
    /// come from <paramref name="target"/>. The value is the fine level's (1-D: panel width and output span
    /// halved; 2-D: every outer panel halved); its Tolerance is |fine − coarse| plus a rounding floor.
    /// </summary>
    public static DistanceReport Evaluate(Sampler sampler, NoiseSchedule schedule, IScore score, IDiffusedTarget target, StartDistribution start, StartingPointQuadratureOptions? options = null)
    {
        options ??= new StartingPointQuadratureOptions();
        var map = new StartingPointQuadratureMap(sampler, schedule, score, target, start, options.MaxDegreeOfParallelism, options.Cancellation);
        StartingPointQuadratureRun run = Run(map, StartingPointQuadratureDivergenceIntegrands.Instance, options);
        return new DistanceReport(
            run.TotalVariationEstimate(StartingPointQuadratureDivergenceIntegrands.TotalVariation),
            run.Estimate(StartingPointQuadratureDivergenceIntegrands.KlSamplerToTarget),
            run.Estimate(StartingPointQuadratureDivergenceIntegrands.KlTargetToSampler),
            null,
            DistanceMethod.Quadrature,
            run.Fine.Points,
            Notes: run.Notes);
    }

    /// <summary>Box search, then the coarse and the fine level (panel width halved) of the same integrals.</summary>
    internal static StartingPointQuadratureRun Run(StartingPointQuadratureMap map, StartingPointQuadratureIntegrands integrands, StartingPointQuadratureOptions options)
    {
        int d = map.Dimension;
        options.Validate(d);
        var clock = Stopwatch.StartNew();
        (double[] lower, double[] upper, bool capped) = FindBox(map, options);
        StartingPointQuadratureLevel coarse;
        StartingPointQuadratureLevel fine;
        if (d == 1)
        {
            // Coarse and fine are independent runs, the fine one with base panel width and output span halved.
            double h = options.PanelWidthFor(1);
            int n = options.NodesFor(1);
            coarse = OneDimensional(map, integrands, lower, upper, h, options.OutputSpan, n, options);
            fine = OneDimensional(map, integrands, lower, upper, h / 2, options.OutputSpan / 2, n, options);
        }
        else
        {
            int innerAxis = MostStretchedAxis(map, lower, upper);
            (coarse, fine) = StartingPointQuadratureOuter.Integrate(map, integrands, lower, upper, innerAxis, options);
        }

        return new StartingPointQuadratureRun(coarse, fine, lower, upper, capped, map.SamplerRuns, clock.Elapsed.TotalSeconds, map.Steps, d == 2 ? 1e-12 : 0.0);
    }

    private static StartingPointQuadratureLevel OneDimensional(StartingPointQuadratureMap map, StartingPointQuadratureIntegrands integrands, double[] lower, double[] upper, double h, double span, int n, StartingPointQuadratureOptions options)
    {
        StartingPointQuadratureLineIntegrals line = StartingPointQuadratureLines.Integrate(map, integrands, lower[0], upper[0], 0, [0.0], h, span, n, options.SplitAtCrossings, options.MaxNodesPerLevel);
        return new StartingPointQuadratureLevel(line.Lines[0], line.Points, line.Panels, line.Crossings, line.NonMonotone, line.Unresolved);
    }

    /// <summary>
    /// The axis along which the sampler map stretches most (φ-weighted finite differences on a 17 × 17 grid):
    /// lines along it cross the thin bands where F jumps between modes transversally, where the line-wise
    /// adaptive refinement resolves them.
    /// </summary>
    private static int MostStretchedAxis(StartingPointQuadratureMap map, double[] lower, double[] upper)
    {
        const int m = 17;
        double[] points = new double[m * m * 2];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < m; j++)
            {
                points[(i * m + j) * 2] = lower[0] + (upper[0] - lower[0]) * i / (m - 1);
                points[(i * m + j) * 2 + 1] = lower[1] + (upper[1] - lower[1]) * j / (m - 1);
            }
        }

        double[] logStart = new double[m * m];
        double[] logRatio = new double[m * m];
        double[] outputs = new double[m * m * 2];
        map.Evaluate(points, m * m, logStart, logRatio, outputs);
        double[] stretch = new double[2];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < m; j++)
            {
                int here = i * m + j;
                for (int axis = 0; axis < 2; axis++)
                {
                    int neighbour = axis == 0 ? (i + 1 < m ? here + m : -1) : (j + 1 < m ? here + 1 : -1);
                    if (neighbour < 0)
                    {
                        continue;
                    }

                    double dx = outputs[neighbour * 2] - outputs[here * 2];
                    double dy = outputs[neighbour * 2 + 1] - outputs[here * 2 + 1];
                    double weight = Math.Exp(Math.Max(logStart[here], logStart[neighbour]));
                    stretch[axis] += weight * Math.Sqrt(dx * dx + dy * dy) / ((upper[axis] - lower[axis]) / (m - 1));
                }
            }
        }

        return stretch[1] > stretch[0] ? 1 : 0;
    }

    /// <summary>
    /// Grows the box [−L, L]^d edge by edge until both φ and the pulled-back target density φ r are below the
    /// tail density everywhere on its edges (probed at 33 points per edge in 2-D).
    /// </summary>
    private static (double[] Lower, double[] Upper, bool Capped) FindBox(StartingPointQuadratureMap map, StartingPointQuadratureOptions options)
    {
        int d = map.Dimension;
        double[] lower = Enumerable.Repeat(-options.InitialHalfWidth, d).ToArray();
        double[] upper = Enumerable.Repeat(options.InitialHalfWidth, d).ToArray();
        double threshold = Math.Log(options.TailDensity);
        int perEdge = d == 1 ? 1 : 33;
        int rows = 2 * d * perEdge;
        double[] points = new double[rows * d];
        double[] logStart = new double[rows];
        double[] logRatio = new double[rows];
        bool capped = false;
        for (int round = 0; round < 10_000; round++)
        {
            int row = 0;
            for (int axis = 0; axis < d; axis++)
            {
                for (int side = 0; side < 2; side++)
                {
                    for (int k = 0; k < perEdge; k++)
                    {
                        points[row * d + axis] = side == 0 ? lower[axis] : upper[axis];
                        if (d == 2)
                        {
                            int other = 1 - axis;
                            points[row * d + other] = lower[other] + (upper[other] - lower[other]) * k / (perEdge - 1);
                        }

                        row++;
                    }
                }
            }

            map.Evaluate(points, rows, logStart, logRatio);
            bool grew = false;
            row = 0;
            for (int axis = 0; axis < d; axis++)
            {
                for (int side = 0; side < 2; side++)
                {
                    double largest = double.NegativeInfinity;
                    for (int k = 0; k < perEdge; k++, row++)
                    {
                        double pulledBack = logStart[row] + logRatio[row];
                        largest = Math.Max(largest, Math.Max(logStart[row], double.IsNaN(pulledBack) ? double.PositiveInfinity : pulledBack));
                    }

                    if (largest > threshold)
                    {
                        double[] bound = side == 0 ? lower : upper;
                        double moved = bound[axis] + (side == 0 ? -options.GrowthStep : options.GrowthStep);
                        if (Math.Abs(moved) > options.MaxHalfWidth)
                        {
                            capped = true;
                            continue;
                        }

                        bound[axis] = moved;
                        grew = true;
                    }
                }
            }

            if (!grew)
            {
                break;
            }
        }

        return (lower, upper, capped);
    }
}

/// <summary>The two levels of one quadrature, and how they were obtained.</summary>
internal sealed record StartingPointQuadratureRun(
    StartingPointQuadratureLevel Coarse,
    StartingPointQuadratureLevel Fine,
    double[] Lower,
    double[] Upper,
    bool BoxCapped,
    long SamplerRuns,
    double Seconds,
    int Steps,
    double LineAccuracy)
{
    public const double MachineEpsilon = 2.220446049250313e-16;

    /// <summary>
    /// Integral i at the fine level. Tolerance: |fine − coarse| plus a rounding floor 8√T ε (1 + |value|), since
    /// ln r carries the rounding of T sampler steps however fine the grid, plus (2-D) the relative accuracy of the
    /// line integrals, which the outer comparison does not see, plus the pulled-back mass defect |∫φ r − 1|
    /// (q_1's mass the box or a non-surjective map leaves out; ~1e−15 in a sound run). Where the 1-D map is not
    /// monotone, p_1 is a sum over several preimages and r = q_1|det J|/φ is not the density ratio: the error
    /// is then unknown, and the tolerance is the value itself, so that the point counts as unresolved.
    /// </summary>
    public Estimate Estimate(int i)
    {
        double value = Fine.Integrals[i];
        double rounding = 8 * Math.Sqrt(Steps) * MachineEpsilon * (1 + Math.Abs(value)) + LineAccuracy * Math.Abs(value);
        double tolerance = Math.Abs(value - Coarse.Integrals[i]) + rounding + Math.Abs(MassDefects.PulledBackTarget);
        if (Fine.NonMonotone > 0)
        {
            tolerance = Math.Max(tolerance, Math.Abs(value));
        }

        return Distances.Estimate.Exact(value, tolerance);
    }

    /// <summary>As <see cref="Estimate"/>, with the value clipped to [0, 1] (rounding can push it just past 1).</summary>
    public Estimate TotalVariationEstimate(int i)
    {
        Estimate e = Estimate(i);
        return e with { Value = Math.Clamp(e.Value, 0.0, 1.0) };
    }

    /// <summary>∫φ − 1 and ∫φ r − 1 at the fine level: both should be ~1e−15.</summary>
    public (double Start, double PulledBackTarget) MassDefects => (Fine.Integrals[^2] - 1.0, Fine.Integrals[^1] - 1.0);

    public string Notes
    {
        get
        {
            var c = CultureInfo.InvariantCulture;
            string box = string.Join(" × ", Lower.Select((lo, a) => string.Create(c, $"[{lo:G4}, {Upper[a]:G4}]")));
            (double start, double pulled) = MassDefects;
            string notes = string.Create(c, $"quadrature over starting points: box {box}; nodes {Coarse.Points}/{Fine.Points}, panels {Coarse.Panels}/{Fine.Panels} (coarse/fine); crossings {Coarse.Crossings}/{Fine.Crossings}; ∫φ−1 = {start:G3}, ∫φr−1 = {pulled:G3}; sampler runs {SamplerRuns}; {Seconds:F2} s");
            if (BoxCapped)
            {
                notes += "; WARNING: box capped at its maximum half-width, tails may be cut";
            }

            if (Fine.NonMonotone > 0)
            {
                notes += string.Create(c, $"; WARNING: sampler map not monotone at {Fine.NonMonotone} node pairs (not injective: change of variables invalid; tolerance set to the value)");
            }

            if (Fine.Unresolved > 0)
            {
                notes += string.Create(c, $"; WARNING: {Fine.Unresolved} panels hit the refinement limit (depth or node budget): the tolerance may understate the error");
            }

            return notes;
        }
    }
}
