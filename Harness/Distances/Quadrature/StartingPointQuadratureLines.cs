using Diffusion.Verify.Numerics;

namespace Diffusion.Verify.Distances.Quadrature;

/// <summary>
/// Composite Gauss–Legendre integrals over starting points along lines of an inner axis: in 1-D the single
/// line through the box, in 2-D one line per Gauss–Legendre node of the outer axis.
/// <para>
/// On every line the panels adapt to the sampler map: a panel is halved while the outputs F(x) at its
/// first and last node lie further apart than the output span (or while a jump hides between neighbouring
/// panels). The structure of r lives in output space, at the scale of q_1 and of the score's posterior
/// switching, and F can compress it into x-intervals of 1e−4 (between the modes of a mixture |F'| reaches
/// hundreds); a grid fixed in x then never sees it, and halving such a grid does not reveal the omission.
/// Panels whose densities are negligible are not refined.
/// </para>
/// <para>
/// Then, where the log-ratio l changes sign between neighbouring nodes, the crossing l = 0 is located (a
/// batched Illinois regula falsi that re-runs the sampler at single points) and the panel holding it is
/// split there, so the kink of (1 − r)_+ sits on a panel edge and Gauss–Legendre keeps its geometric
/// convergence on either side. The same is done for any further kink levels the integrands declare. In 2-D,
/// crossing curves and output structure are handled along the inner axis; the outer integral over the line
/// values is adaptive (<see cref="StartingPointQuadratureOuter"/>).
/// </para>
/// </summary>
internal sealed class StartingPointQuadratureLines
{
    private const int MaxRootIterations = 200;
    private const int MaxAdaptiveRounds = 60;

    /// <summary>Panels that can contribute less than this to any integral are not refined.</summary>
    private const double NegligibleMass = 1e-22;

    private readonly StartingPointQuadratureMap _map;
    private readonly int _d;
    private readonly int _innerAxis;
    private readonly int _nodes;
    private readonly double[] _ruleNodes;
    private readonly double[] _ruleWeights;
    private readonly double[] _lineCoordinates;
    private readonly List<double> _logStart = [];
    private readonly List<double> _logRatio = [];
    private readonly List<double> _outputs = [];

    private StartingPointQuadratureLines(StartingPointQuadratureMap map, int innerAxis, int nodes, double[] lineCoordinates)
    {
        _map = map;
        _d = map.Dimension;
        _innerAxis = innerAxis;
        _nodes = nodes;
        var rule = GaussLegendre.Get(nodes);
        _ruleNodes = rule.Nodes.ToArray();
        _ruleWeights = rule.Weights.ToArray();
        _lineCoordinates = lineCoordinates;
    }

    /// <summary>
    /// The integrals along each line: lines along <paramref name="innerAxis"/> over [<paramref name="lower"/>,
    /// <paramref name="upper"/>], at the given coordinates of the other axis (ignored in 1-D, where there is one
    /// line), with base panel width <paramref name="panelWidth"/> refined down to <paramref name="outputSpan"/>.
    /// </summary>
    public static StartingPointQuadratureLineIntegrals Integrate(
        StartingPointQuadratureMap map,
        StartingPointQuadratureIntegrands integrands,
        double lower,
        double upper,
        int innerAxis,
        double[] lineCoordinates,
        double panelWidth,
        double outputSpan,
        int nodes,
        bool splitAtCrossings,
        long maxNodes)
    {
        var lines = new StartingPointQuadratureLines(map, innerAxis, nodes, map.Dimension == 1 ? [0.0] : lineCoordinates);
        return lines.Run(integrands, lower, upper, panelWidth, outputSpan, splitAtCrossings, maxNodes);
    }

    internal static int PanelCount(double lower, double upper, double width) => Math.Max(1, (int)Math.Ceiling((upper - lower) / width - 1e-9));

    private StartingPointQuadratureLineIntegrals Run(StartingPointQuadratureIntegrands integrands, double lower, double upper, double panelWidth, double outputSpan, bool splitAtCrossings, long maxNodes)
    {
        int lineCount = _lineCoordinates.Length;
        int basePanels = PanelCount(lower, upper, panelWidth);
        double h = (upper - lower) / basePanels;
        double minimumWidth = 1e-10 * (upper - lower);
        var leaves = new List<Panel>[lineCount];
        var pending = new List<Panel>();
        for (int j = 0; j < lineCount; j++)
        {
            leaves[j] = new List<Panel>(basePanels);
            for (int p = 0; p < basePanels; p++)
            {
                var panel = new Panel(j, lower + p * h, p == basePanels - 1 ? upper : lower + (p + 1) * h);
                leaves[j].Add(panel);
                pending.Add(panel);
            }
        }

        // Adaptive refinement of the inner axis, one batched sampler run per round.
        int unresolved = 0;
        for (int round = 0; pending.Count > 0; round++)
        {
            EvaluatePanels(pending);
            if (round == MaxAdaptiveRounds)
            {
                unresolved += pending.Count;
                break;
            }

            var split = new HashSet<Panel>();
            foreach (Panel panel in pending)
            {
                if (OutputDistance(panel.Offset, panel.Offset + _nodes - 1) > AllowedSpan(panel, outputSpan))
                {
                    split.Add(panel);
                }
            }

            for (int j = 0; j < lineCount; j++)
            {
                List<Panel> line = leaves[j];
                for (int p = 0; p + 1 < line.Count; p++)
                {
                    Panel left = line[p];
                    Panel right = line[p + 1];
                    if (OutputDistance(left.Offset + _nodes - 1, right.Offset) > Math.Min(AllowedSpan(left, outputSpan), AllowedSpan(right, outputSpan)))
                    {
                        split.Add(left);
                        split.Add(right);
                    }
                }
            }

            pending = new List<Panel>();
            if (split.Count == 0)
            {
                break;
            }

            if (_logStart.Count + 2L * split.Count * _nodes > maxNodes)
            {
                unresolved += split.Count;
                break;
            }

            for (int j = 0; j < lineCount; j++)
            {
                var next = new List<Panel>(leaves[j].Count);
                foreach (Panel panel in leaves[j])
                {
                    if (!split.Contains(panel))
                    {
                        next.Add(panel);
                        continue;
                    }

                    if (panel.B - panel.A < 2 * minimumWidth)
                    {
                        unresolved++;
                        next.Add(panel);
                        continue;
                    }

                    double middle = 0.5 * (panel.A + panel.B);
                    var first = new Panel(j, panel.A, middle);
                    var second = new Panel(j, middle, panel.B);
                    next.Add(first);
                    next.Add(second);
                    pending.Add(first);
                    pending.Add(second);
                }

                leaves[j] = next;
            }
        }

        int nonMonotone = _d == 1 ? CountNonMonotone(leaves[0]) : 0;
        int crossings = 0;
        if (splitAtCrossings)
        {
            crossings = SplitAtCrossings(leaves, integrands.KinkLevels);
        }

        double[][] lineSums = new double[lineCount][];
        int panelCount = 0;
        for (int j = 0; j < lineCount; j++)
        {
            double[] sums = new double[integrands.Count];
            foreach (Panel panel in leaves[j])
            {
                panelCount++;
                double half = 0.5 * (panel.B - panel.A);
                for (int i = 0; i < _nodes; i++)
                {
                    int node = panel.Offset + i;
                    integrands.Accumulate(_logStart[node], _logRatio[node], half * _ruleWeights[i], sums);
                }
            }

            lineSums[j] = sums;
        }

        return new StartingPointQuadratureLineIntegrals(lineSums, _logStart.Count, panelCount, crossings, nonMonotone, unresolved);
    }

    /// <summary>Evaluates the nodes of every panel in one sampler run and records where their values start.</summary>
    private void EvaluatePanels(List<Panel> panels)
    {
        int rows = panels.Count * _nodes;
        if (rows == 0)
        {
            return;
        }

        double[] points = new double[rows * _d];
        for (int k = 0; k < panels.Count; k++)
        {
            Panel panel = panels[k];
            for (int i = 0; i < _nodes; i++)
            {
                int row = k * _nodes + i;
                SetPoint(points, row, panel.Line, 0.5 * (panel.A + panel.B) + 0.5 * (panel.B - panel.A) * _ruleNodes[i]);
            }
        }

        double[] logStart = new double[rows];
        double[] logRatio = new double[rows];
        double[] outputs = new double[rows * _d];
        _map.Evaluate(points, rows, logStart, logRatio, outputs);
        int offset = _logStart.Count;
        _logStart.AddRange(logStart);
        _logRatio.AddRange(logRatio);
        _outputs.AddRange(outputs);
        for (int k = 0; k < panels.Count; k++)
        {
            panels[k].Offset = offset + k * _nodes;
        }
    }

    private void SetPoint(double[] points, int row, int line, double inner)
    {
        points[row * _d + _innerAxis] = inner;
        if (_d == 2)
        {
            points[row * _d + 1 - _innerAxis] = _lineCoordinates[line];
        }
    }

    /// <summary>
    /// The output span a panel may have: <paramref name="outputSpan"/> where it can hold mass μ ≥ 1e−10 under φ
    /// or φ r, growing as (1e−10/μ)^{1/8} up to 16× in the tails (an under-resolved panel's error is a fraction
    /// of its mass), and unlimited below <see cref="NegligibleMass"/>.
    /// </summary>
    private double AllowedSpan(Panel panel, double outputSpan)
    {
        double largest = double.NegativeInfinity;
        for (int i = 0; i < _nodes; i++)
        {
            int node = panel.Offset + i;
            double pulledBack = _logStart[node] + _logRatio[node];
            largest = Math.Max(largest, Math.Max(_logStart[node], double.IsNaN(pulledBack) ? double.PositiveInfinity : pulledBack));
        }

        double logMass = largest + Math.Log(panel.B - panel.A);
        if (logMass < Math.Log(NegligibleMass))
        {
            return double.PositiveInfinity;
        }

        double growth = Math.Exp(Math.Clamp((Math.Log(1e-10) - logMass) / 8, 0.0, Math.Log(16.0)));
        return outputSpan * growth;
    }

    private double OutputDistance(int nodeA, int nodeB)
    {
        double sum = 0;
        for (int c = 0; c < _d; c++)
        {
            double delta = _outputs[nodeB * _d + c] - _outputs[nodeA * _d + c];
            sum += delta * delta;
        }

        return Math.Sqrt(sum);
    }

    /// <summary>A 1-D ODE flow preserves order; a sampler map that does not is not injective.</summary>
    private int CountNonMonotone(List<Panel> line)
    {
        int count = 0;
        double previous = double.NegativeInfinity;
        foreach (Panel panel in line)
        {
            for (int i = 0; i < _nodes; i++)
            {
                double y = _outputs[panel.Offset + i];
                if (!(y > previous))
                {
                    count++;
                }

                previous = y;
            }
        }

        return count;
    }

    /// <summary>Finds l = level between neighbouring nodes of every line and splits the panels there.</summary>
    private int SplitAtCrossings(List<Panel>[] leaves, IReadOnlyList<double> levels)
    {
        var brackets = new List<Bracket>();
        foreach (double level in levels)
        {
            for (int j = 0; j < leaves.Length; j++)
            {
                double previousX = double.NaN;
                double previousF = double.NaN;
                foreach (Panel panel in leaves[j])
                {
                    for (int i = 0; i < _nodes; i++)
                    {
                        double x = 0.5 * (panel.A + panel.B) + 0.5 * (panel.B - panel.A) * _ruleNodes[i];
                        double f = _logRatio[panel.Offset + i] - level;
                        if (double.IsFinite(previousF) && double.IsFinite(f) && (previousF < 0) != (f < 0))
                        {
                            brackets.Add(new Bracket(j, level, previousX, previousF, x, f));
                        }

                        previousX = x;
                        previousF = f;
                    }
                }
            }
        }

        LocateRoots(brackets);
        var pieces = new List<Panel>();
        var rootsByPanel = new Dictionary<Panel, List<double>>();
        foreach (Bracket b in brackets)
        {
            List<Panel> line = leaves[b.Line];
            int index = line.FindLastIndex(p => p.A <= b.Root);
            if (index < 0)
            {
                continue;
            }

            Panel panel = line[index];
            double tolerance = 1e-12 * (panel.B - panel.A);
            if (b.Root - panel.A <= tolerance || panel.B - b.Root <= tolerance)
            {
                continue;
            }

            if (!rootsByPanel.TryGetValue(panel, out List<double>? roots))
            {
                roots = [];
                rootsByPanel[panel] = roots;
            }

            roots.Add(b.Root);
        }

        if (rootsByPanel.Count == 0)
        {
            return brackets.Count;
        }

        for (int j = 0; j < leaves.Length; j++)
        {
            var next = new List<Panel>(leaves[j].Count + 4);
            foreach (Panel panel in leaves[j])
            {
                if (!rootsByPanel.TryGetValue(panel, out List<double>? roots))
                {
                    next.Add(panel);
                    continue;
                }

                roots.Sort();
                double a = panel.A;
                foreach (double root in roots)
                {
                    var piece = new Panel(j, a, root);
                    next.Add(piece);
                    pieces.Add(piece);
                    a = root;
                }

                var last = new Panel(j, a, panel.B);
                next.Add(last);
                pieces.Add(last);
            }

            leaves[j] = next;
        }

        EvaluatePanels(pieces);
        return brackets.Count;
    }

    /// <summary>
    /// Illinois regula falsi on every bracket at once (one sampler run per bracket and iteration), with a
    /// bisection step every third iteration so that no bracket stalls; stops at a relative width of 1e−14.
    /// </summary>
    private void LocateRoots(List<Bracket> brackets)
    {
        var active = new List<int>(Enumerable.Range(0, brackets.Count));
        double[] points = new double[brackets.Count * _d];
        double[] logStart = new double[brackets.Count];
        double[] logRatio = new double[brackets.Count];
        for (int iteration = 0; iteration < MaxRootIterations && active.Count > 0; iteration++)
        {
            for (int k = 0; k < active.Count; k++)
            {
                Bracket b = brackets[active[k]];
                double lo = Math.Min(b.A, b.B);
                double hi = Math.Max(b.A, b.B);
                double c = b.B - b.FB * (b.B - b.A) / (b.FB - b.FA);
                if (iteration % 3 == 2 || !(c > lo && c < hi))
                {
                    c = 0.5 * (lo + hi);
                }

                brackets[active[k]] = b with { Root = c };
                SetPoint(points, k, b.Line, c);
            }

            _map.Evaluate(points, active.Count, logStart, logRatio);
            var next = new List<int>(active.Count);
            for (int k = 0; k < active.Count; k++)
            {
                Bracket b = brackets[active[k]];
                double c = b.Root;
                double fc = logRatio[k] - b.Level;
                if (fc == 0 || !double.IsFinite(fc))
                {
                    continue;
                }

                b = (fc < 0) != (b.FB < 0)
                    ? b with { A = b.B, FA = b.FB, B = c, FB = fc }
                    : b with { FA = 0.5 * b.FA, B = c, FB = fc };
                brackets[active[k]] = b;
                if (Math.Abs(b.B - b.A) > 1e-14 * Math.Max(1.0, Math.Abs(c)))
                {
                    next.Add(active[k]);
                }
            }

            active = next;
        }
    }

    /// <summary>A panel [A, B] of one line; Offset is where its node values start in the store.</summary>
    private sealed class Panel(int line, double a, double b)
    {
        public int Line { get; } = line;

        public double A { get; } = a;

        public double B { get; } = b;

        public int Offset { get; set; } = -1;
    }

    /// <summary>A sign change of f = l − Level between A and B on a line; B is the latest iterate.</summary>
    private readonly record struct Bracket(int Line, double Level, double A, double FA, double B, double FB)
    {
        public double Root { get; init; } = 0.5 * (A + B);
    }
}

/// <summary>Integrals along each line, with the work done and what was found on the way.</summary>
internal sealed record StartingPointQuadratureLineIntegrals(double[][] Lines, long Points, int Panels, int Crossings, int NonMonotone, int Unresolved);

/// <summary>Integrals of one quadrature level, with the work done and what was found on the way.</summary>
internal sealed record StartingPointQuadratureLevel(double[] Integrals, long Points, int Panels, int Crossings, int NonMonotone, int Unresolved);
