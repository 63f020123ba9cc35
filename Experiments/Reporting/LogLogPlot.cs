using ScottPlot;

namespace Diffusion.Verify.Experiments.Reporting;

/// <summary>
/// A log-log figure: ScottPlot 5 has no log axes, so values are plotted as log10 with log tick
/// generators, and error bars are carried into log space (σ_log10 = σ / (value · ln 10)).
/// </summary>
public sealed class LogLogPlot
{
    private static readonly ScottPlot.Palettes.Category10 Palette = new();
    private readonly Plot _plot = new();
    private int _series;
    private double _minX = double.PositiveInfinity, _maxX = double.NegativeInfinity, _anchorY = double.NaN;

    public LogLogPlot(string title, string xLabel, string yLabel)
    {
        _plot.Title(title);
        _plot.XLabel(xLabel);
        _plot.YLabel(yLabel);
        _plot.Axes.Bottom.TickGenerator = LogTicks();
        _plot.Axes.Left.TickGenerator = LogTicks();
    }

    /// <summary>Adds a curve of the positive, finite points; hollow markers are points below their floor.</summary>
    public void Add(string label, IReadOnlyList<(double X, double Y, double Error, bool Resolved)> points)
    {
        var usable = points.Where(p => p.X > 0 && p.Y > 0 && double.IsFinite(p.Y)).OrderBy(p => p.X).ToList();
        if (usable.Count == 0)
        {
            return;
        }

        Color color = Palette.GetColor(_series++ % Palette.Colors.Length);
        double[] xs = usable.Select(p => Math.Log10(p.X)).ToArray();
        double[] ys = usable.Select(p => Math.Log10(p.Y)).ToArray();
        double[] errors = usable.Select(p => p.Error > 0 ? p.Error / (p.Y * Math.Log(10)) : 0).ToArray();
        var line = _plot.Add.Scatter(xs, ys);
        line.LegendText = label;
        line.Color = color;
        line.LineWidth = 2;
        line.MarkerSize = 7;
        if (errors.Any(e => e > 0))
        {
            var bars = _plot.Add.ErrorBar(xs, ys, errors);
            bars.Color = color;
        }

        var unresolved = usable.Where(p => !p.Resolved).ToList();
        if (unresolved.Count > 0)
        {
            var hollow = _plot.Add.ScatterPoints(unresolved.Select(p => Math.Log10(p.X)).ToArray(), unresolved.Select(p => Math.Log10(p.Y)).ToArray());
            hollow.Color = Colors.White;
            hollow.MarkerSize = 4;
        }

        _minX = Math.Min(_minX, xs[0]);
        _maxX = Math.Max(_maxX, xs[^1]);
        if (double.IsNaN(_anchorY))
        {
            _anchorY = ys[0];
        }
    }

    /// <summary>Dashed reference lines of the given slopes through the first curve's first point.</summary>
    public void AddGuides(params double[] slopes)
    {
        if (double.IsNaN(_anchorY))
        {
            return;
        }

        foreach (double slope in slopes)
        {
            var guide = _plot.Add.Line(_minX, _anchorY, _maxX, _anchorY + slope * (_maxX - _minX));
            guide.LinePattern = LinePattern.Dashed;
            guide.Color = Colors.Gray.WithAlpha(0.8);
            guide.LineWidth = 1.5f;
            guide.LegendText = $"slope {slope:0.##}";
        }
    }

    /// <summary>Writes a PNG (at least 1200×800) through a temporary file and a rename.</summary>
    public void Save(string path)
    {
        _plot.ShowLegend(Alignment.LowerLeft);
        string temporary = $"{path}.{Environment.ProcessId}.tmp.png";
        _plot.SavePng(temporary, 1400, 900);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Ticks at powers of ten for an axis holding log10 values (shared with <see cref="LocalSlopePlot"/>).</summary>
    internal static ScottPlot.TickGenerators.NumericAutomatic LogTicks() => new()
    {
        MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
        IntegerTicksOnly = true,
        LabelFormatter = v => v >= 0 && v < 5 ? Math.Pow(10, v).ToString("0", System.Globalization.CultureInfo.InvariantCulture)
            : v < 0 && v > -3 ? Math.Pow(10, v).ToString("0.##", System.Globalization.CultureInfo.InvariantCulture)
            : $"1e{v:0}",
    };
}
