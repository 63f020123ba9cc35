using Diffusion.Verify.Numerics;

namespace Diffusion.Verify.Distances.Quadrature;

/// <summary>
/// The outer integral of the 2-D quadrature: g(y) = ∫ integrand dx along lines (see
/// <see cref="StartingPointQuadratureLines"/>), integrated over y by adaptive Gauss–Legendre. Every panel is
/// integrated whole and as two halves; panels where the two disagree beyond their share of the tolerance are
/// split. g is smooth except where a crossing curve l = level is tangent to the lines (there g behaves like
/// |y − y₀|^{3/2}), so refinement concentrates at those points. The coarse level is the sum of the whole-panel
/// values over the final panels, the fine level the sum of their halves.
/// </summary>
internal static class StartingPointQuadratureOuter
{
    private const int MaxDepth = 30;

    public static (StartingPointQuadratureLevel Coarse, StartingPointQuadratureLevel Fine) Integrate(
        StartingPointQuadratureMap map,
        StartingPointQuadratureIntegrands integrands,
        double[] lower,
        double[] upper,
        int innerAxis,
        StartingPointQuadratureOptions options)
    {
        int outerAxis = 1 - innerAxis;
        int n = options.NodesFor(2);
        double h = options.PanelWidthFor(2);
        var rule = GaussLegendre.Get(n);
        double outerLower = lower[outerAxis];
        double outerUpper = upper[outerAxis];
        double width = outerUpper - outerLower;
        int count = integrands.Count;
        int basePanels = StartingPointQuadratureLines.PanelCount(outerLower, outerUpper, h);
        var leaves = new List<OuterPanel>();
        for (int p = 0; p < basePanels; p++)
        {
            double a = outerLower + p * width / basePanels;
            double b = p == basePanels - 1 ? outerUpper : outerLower + (p + 1) * width / basePanels;
            leaves.Add(new OuterPanel(a, b, 0));
        }

        long points = 0;
        int panels = 0;
        int crossings = 0;
        int unresolved = 0;
        var needWhole = new List<OuterPanel>(leaves);
        var needHalves = new List<OuterPanel>(leaves);
        while (needWhole.Count + needHalves.Count > 0)
        {
            // One batched run for every line this round needs.
            var coordinates = new List<double>();
            foreach (OuterPanel panel in needWhole)
            {
                AddNodes(rule, panel.A, panel.B, coordinates);
            }

            foreach (OuterPanel panel in needHalves)
            {
                double middle = 0.5 * (panel.A + panel.B);
                AddNodes(rule, panel.A, middle, coordinates);
                AddNodes(rule, middle, panel.B, coordinates);
            }

            StartingPointQuadratureLineIntegrals lines = StartingPointQuadratureLines.Integrate(
                map, integrands, lower[innerAxis], upper[innerAxis], innerAxis, coordinates.ToArray(),
                h, options.OutputSpan, n, options.SplitAtCrossings, Math.Max(1, options.MaxNodesPerLevel - points));
            points += lines.Points;
            panels += lines.Panels;
            crossings += lines.Crossings;
            unresolved += lines.Unresolved;
            int line = 0;
            foreach (OuterPanel panel in needWhole)
            {
                panel.Whole = Combine(rule, panel.A, panel.B, lines.Lines, ref line, count);
            }

            foreach (OuterPanel panel in needHalves)
            {
                double middle = 0.5 * (panel.A + panel.B);
                panel.Left = Combine(rule, panel.A, middle, lines.Lines, ref line, count);
                panel.Right = Combine(rule, middle, panel.B, lines.Lines, ref line, count);
            }

            needWhole.Clear();
            needHalves.Clear();

            // Split the panels whose whole and halved values disagree beyond their share of the tolerance.
            double[] total = new double[count];
            foreach (OuterPanel panel in leaves)
            {
                for (int i = 0; i < count; i++)
                {
                    total[i] += panel.Left![i] + panel.Right![i];
                }
            }

            var next = new List<OuterPanel>(leaves.Count);
            var splitting = new List<OuterPanel>();
            foreach (OuterPanel panel in leaves)
            {
                if (panel.Depth < MaxDepth && !Accepted(panel, total, options.OuterRelativeTolerance, (panel.B - panel.A) / width))
                {
                    splitting.Add(panel);
                }
            }

            long cost = lines.Points / Math.Max(1, coordinates.Count) * 4 * n * splitting.Count;
            if (splitting.Count > 0 && points + cost > options.MaxNodesPerLevel)
            {
                unresolved += splitting.Count;
                splitting.Clear();
            }

            foreach (OuterPanel panel in leaves)
            {
                if (!splitting.Contains(panel))
                {
                    next.Add(panel);
                    continue;
                }

                double middle = 0.5 * (panel.A + panel.B);
                var left = new OuterPanel(panel.A, middle, panel.Depth + 1) { Whole = panel.Left };
                var right = new OuterPanel(middle, panel.B, panel.Depth + 1) { Whole = panel.Right };
                next.Add(left);
                next.Add(right);
                needHalves.Add(left);
                needHalves.Add(right);
            }

            leaves = next;
        }

        double[] coarse = new double[count];
        double[] fine = new double[count];
        foreach (OuterPanel panel in leaves)
        {
            for (int i = 0; i < count; i++)
            {
                coarse[i] += panel.Whole![i];
                fine[i] += panel.Left![i] + panel.Right![i];
            }
        }

        return (
            new StartingPointQuadratureLevel(coarse, points, panels, crossings, 0, unresolved),
            new StartingPointQuadratureLevel(fine, points, panels, crossings, 0, unresolved));
    }

    /// <summary>
    /// |whole − halves| within (relative·|total| + 1e−15)·(panel share) for every integral, or within the line
    /// integrals' own accuracy (~1e−12 relative: they differ in their inner panels from line to line), below
    /// which halving the panel would only chase that noise.
    /// </summary>
    private static bool Accepted(OuterPanel panel, double[] total, double relative, double share)
    {
        for (int i = 0; i < total.Length; i++)
        {
            double difference = Math.Abs(panel.Whole![i] - panel.Left![i] - panel.Right![i]);
            double allowed = Math.Max((relative * Math.Abs(total[i]) + 1e-15) * share, 1e-12 * Math.Abs(total[i]));
            if (difference > allowed)
            {
                return false;
            }
        }

        return true;
    }

    private static void AddNodes(GaussLegendre rule, double a, double b, List<double> coordinates)
    {
        for (int i = 0; i < rule.Points; i++)
        {
            coordinates.Add(0.5 * (a + b) + 0.5 * (b - a) * rule.Nodes[i]);
        }
    }

    private static double[] Combine(GaussLegendre rule, double a, double b, double[][] lines, ref int line, int count)
    {
        double[] sums = new double[count];
        for (int i = 0; i < rule.Points; i++, line++)
        {
            double weight = 0.5 * (b - a) * rule.Weights[i];
            for (int k = 0; k < count; k++)
            {
                sums[k] += weight * lines[line][k];
            }
        }

        return sums;
    }

    private sealed class OuterPanel(double a, double b, int depth)
    {
        public double A { get; } = a;

        public double B { get; } = b;

        public int Depth { get; } = depth;

        public double[]? Whole { get; set; }

        public double[]? Left { get; set; }

        public double[]? Right { get; set; }
    }
}
