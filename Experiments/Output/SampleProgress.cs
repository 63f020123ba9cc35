using System.Diagnostics;
using Diffusion.Verify.Experiments.Pipeline;

namespace Diffusion.Verify.Experiments.Output;

/// <summary>
/// Progress of one long sampler run (<c>sample</c>, and <c>eval</c>'s Monte Carlo methods), fed the samples each
/// finished block holds (from worker threads). In a terminal a line redrawn every second — bar, samples done,
/// elapsed, ETA — from the first finished block on (a method that runs no sampler shows none), cleared at the
/// end; in a log one plain line every <see cref="LogInterval"/>, and nothing for a run shorter than that, so
/// short runs print exactly what they printed before.
/// </summary>
public sealed class SampleProgress : IProgress<long>, IDisposable
{
    /// <summary>How often a log (standard error not a terminal) gets a line, unless the constructor is given another interval.</summary>
    public static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(10);

    private readonly TextWriter _writer;
    private readonly string _label;
    private readonly long _total;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly bool _interactive;
    private readonly TimeSpan _logInterval;
    private LiveProgressLine? _live;
    private readonly object _gate = new();
    private long _done;
    private TimeSpan _lastLogged;
    private bool _disposed;

    public SampleProgress(TextWriter writer, bool interactive, string label, long total, TimeSpan? logInterval = null)
    {
        _logInterval = logInterval ?? LogInterval;
        _writer = writer;
        _label = label;
        _total = Math.Max(total, 1);
        _interactive = interactive;
    }

    public void Report(long value)
    {
        Interlocked.Add(ref _done, value);
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            if (_interactive)
            {
                if (_live is null)
                {
                    _live = new LiveProgressLine(_writer);
                    _live.Show(Line);
                }

                return;
            }

            TimeSpan elapsed = _clock.Elapsed;
            if (elapsed - _lastLogged >= _logInterval)
            {
                _lastLogged = elapsed;
                _writer.WriteLine(Line());
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            if (_live is null)
            {
                return;
            }

            _live.Dispose();
            _live = null;
            _writer.Write("\r\u001b[2K");
            _writer.Flush();
        }
    }

    private string Line()
    {
        long done = Math.Min(Interlocked.Read(ref _done), _total);
        double fraction = (double)done / _total;
        TimeSpan elapsed = _clock.Elapsed;
        string bar = _interactive ? LiveProgressLine.Bar(fraction) + " " : "";
        return $"{bar}[{_label}] {done}/{_total} samples, elapsed {LiveProgressLine.Duration(elapsed)}, ETA {LiveProgressLine.Eta(elapsed, done, _total)}";
    }
}
