namespace Diffusion.Verify.Experiments.Pipeline;

/// <summary>
/// The progress line of a run in a terminal: drawn in place (carriage return, ANSI erase-line) and redrawn
/// every second, so elapsed time and ETA move while a long point runs. Only used when standard error is a
/// terminal; logs (CI, Slurm) get one plain line per point instead.
/// </summary>
public sealed class LiveProgressLine : IDisposable
{
    private const int BarWidth = 20;

    private readonly TextWriter _writer;
    private readonly object _gate = new();
    private readonly Timer _timer;
    private Func<string>? _render;

    public LiveProgressLine(TextWriter writer)
    {
        _writer = writer;
        _timer = new Timer(_ => Redraw(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <summary>A bar of <see cref="BarWidth"/> cells filled to <paramref name="fraction"/>, with the percentage.</summary>
    public static string Bar(double fraction)
    {
        double f = double.IsFinite(fraction) ? Math.Clamp(fraction, 0, 1) : 0;
        int filled = (int)Math.Round(f * BarWidth);
        return $"{new string('█', filled)}{new string('░', BarWidth - filled)} {f * 100,3:F0}%";
    }

    /// <summary>mm:ss, or h:mm:ss from an hour on (hours past a day included: "h\:mm\:ss" would drop the days).</summary>
    public static string Duration(TimeSpan t) => t.TotalHours >= 1 ? $"{(int)t.TotalHours}:{t.Minutes:00}:{t.Seconds:00}" : $"{t.Minutes:00}:{t.Seconds:00}";

    /// <summary>The time the rest takes at the pace so far; "--:--" before anything is done.</summary>
    public static string Eta(TimeSpan elapsed, double done, double total) =>
        done <= 0 ? "--:--" : Duration(TimeSpan.FromSeconds(elapsed.TotalSeconds / done * Math.Max(total - done, 0)));

    /// <summary>Draws the line now and on every tick until the next call (the text is rebuilt each time).</summary>
    public void Show(Func<string> render)
    {
        lock (_gate)
        {
            _render = render;
            Draw();
        }
    }

    public void Dispose()
    {
        _timer.Dispose();
        lock (_gate)
        {
            _render = null;
        }
    }

    private void Redraw()
    {
        lock (_gate)
        {
            if (_render is not null)
            {
                Draw();
            }
        }
    }

    private void Draw()
    {
        // A line longer than the terminal wraps, and '\r' would then redraw only its last row.
        string text = _render!();
        int width = TerminalWidth();
        _writer.Write($"\r\u001b[2K{(text.Length >= width ? text[..(width - 1)] : text)}");
        _writer.Flush();
    }

    private static int TerminalWidth()
    {
        try
        {
            return Console.WindowWidth > 20 ? Console.WindowWidth : int.MaxValue;
        }
        catch (IOException)
        {
            return int.MaxValue;
        }
    }
}
