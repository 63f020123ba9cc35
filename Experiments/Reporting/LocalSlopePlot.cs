using ScottPlot;

namespace Diffusion.Verify.Experiments.Reporting;

/// <summary>
/// Local slopes d ln e / d ln T against T (log axis), one curve per series, with 2σ error bars where they
/// are visible, the bound's bare exponent −p as a solid line and, where the bound carries (ln T)^q, the
/// local slope of the bound itself, −p + q / ln T, dashed: a series settling above the dashed curve decays
/// slower than the bound as stated.
/// </summary>
public sealed class LocalSlopePlot
{
    private static readonly ScottPlot.Palettes.Category10 Palette = new();
    private readonly Plot _plot = new();
    private int _series;
    private double _minX = double.PositiveInfinity, _maxX = double.NegativeInfinity;

    public LocalSlopePlot(string title)
    {
        _plot.Title(title);
        _plot.XLabel("T (steps, geometric midpoint of neighbouring points)");
        _plot.YLabel("local slope d ln e / d ln T");
        _plot.Axes.Bottom.TickGenerator = LogLogPlot.LogTicks();
    }

    public int SeriesCount => _series;

    public void Add(string label, IReadOnlyList<Fitting.LocalSlope> slopes)
    {
        var usable = slopes.Where(s => s.X > 0 && double.IsFinite(s.Slope)).ToList();
        if (usable.Count == 0)
        {
            return;
        }

        Color color = Palette.GetColor(_series++ % Palette.Colors.Length);
        double[] xs = usable.Select(s => Math.Log10(s.X)).ToArray();
        double[] ys = usable.Select(s => s.Slope).ToArray();
        var line = _plot.Add.Scatter(xs, ys);
        line.LegendText = label;
        line.Color = color;
        line.LineWidth = 2;
        line.MarkerSize = 6;

        // Error bars only where they would show (a few thousandths of a slope unit are invisible).
        double[] errors = usable.Select(s => double.IsFinite(s.Uncertainty) ? s.Uncertainty : 0).ToArray();
        if (errors.Any(e => e > 0.005))
        {
            var bars = _plot.Add.ErrorBar(xs, ys, errors);
            bars.Color = color;
        }

        _minX = Math.Min(_minX, xs[0]);
        _maxX = Math.Max(_maxX, xs[^1]);
    }

    /// <summary>The bound's exponent: −p (solid) and, with q > 0, the bound's own local slope −p + q / ln T (dashed).</summary>
    public void AddBound(double p, double q, bool logPowerRead)
    {
        if (!double.IsFinite(_minX))
        {
            return;
        }

        var bare = _plot.Add.HorizontalLine(-p);
        bare.Color = Colors.Black;
        bare.LineWidth = 1.5f;
        bare.LegendText = $"−p = {-p:0.##}{(logPowerRead ? "" : " (log power unread)")}";
        if (q > 0)
        {
            const int n = 60;
            double[] xs = Enumerable.Range(0, n).Select(i => _minX + (_maxX - _minX) * i / (n - 1)).ToArray();
            double[] ys = xs.Select(x => -p + q / (x * Math.Log(10))).ToArray();
            var shaped = _plot.Add.Scatter(xs, ys);
            shaped.MarkerSize = 0;
            shaped.LinePattern = LinePattern.Dashed;
            shaped.Color = Colors.Gray;
            shaped.LineWidth = 1.5f;
            shaped.LegendText = $"bound's local slope −p + q/ln T (q = {q:0.##})";
        }
    }

    public void Save(string path)
    {
        _plot.ShowLegend(Alignment.UpperRight);
        string temporary = $"{path}.{Environment.ProcessId}.tmp.png";
        _plot.SavePng(temporary, 1400, 900);
        File.Move(temporary, path, overwrite: true);
    }
}
