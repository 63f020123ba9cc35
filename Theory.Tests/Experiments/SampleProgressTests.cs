using Diffusion.Verify.Experiments.Output;
using Diffusion.Verify.Experiments.Pipeline;

namespace Diffusion.Verify.Theory.Tests;

/// <summary>The progress of a long sample or eval: plain lines in a log, a redrawn line in a terminal, nothing for short runs.</summary>
public sealed class SampleProgressTests
{
    [Fact]
    public void ALogGetsPlainLinesWithSamplesDoneClampedToTheTotal()
    {
        var log = new StringWriter();
        using (var progress = new SampleProgress(log, interactive: false, "sample", total: 100, logInterval: TimeSpan.Zero))
        {
            progress.Report(40);
            progress.Report(60);
            progress.Report(8); // a method that runs the sampler beyond N must not read past 100 %
        }

        string[] lines = log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("[sample] 40/100 samples, elapsed 00:0", lines[0]);
        Assert.StartsWith("[sample] 100/100 samples", lines[1]);
        Assert.StartsWith("[sample] 100/100 samples", lines[2]);
        Assert.EndsWith("ETA 00:00", lines[2]);
        Assert.DoesNotContain('\r', log.ToString());
    }

    [Fact]
    public void AShortRunInALogPrintsNothing()
    {
        var log = new StringWriter();
        using (var progress = new SampleProgress(log, interactive: false, "eval", total: 1000))
        {
            for (int i = 0; i < 10; i++)
            {
                progress.Report(100);
            }
        }

        Assert.Equal("", log.ToString());
    }

    [Fact]
    public void ATerminalGetsARedrawnLineFromTheFirstBlockAndItIsClearedAtTheEnd()
    {
        var terminal = new StringWriter();
        var progress = new SampleProgress(terminal, interactive: true, "eval", total: 200);
        Assert.Equal("", terminal.ToString()); // a method that runs no sampler shows no line
        progress.Report(50);
        Assert.Contains("\r\u001b[2K", terminal.ToString());
        Assert.Contains("[eval] 50/200 samples", terminal.ToString());
        Assert.Contains(LiveProgressLine.Bar(0.25), terminal.ToString());
        progress.Dispose();
        Assert.EndsWith("\r\u001b[2K", terminal.ToString());
        int length = terminal.ToString().Length;
        progress.Report(50); // a late block after the end draws nothing
        Assert.Equal(length, terminal.ToString().Length);
    }

    [Theory]
    [InlineData(75, "01:15")]
    [InlineData(3600 + 62, "1:01:02")]
    [InlineData(30 * 3600, "30:00:00")]
    public void DurationsKeepTheirHoursPastADay(int seconds, string expected) =>
        Assert.Equal(expected, LiveProgressLine.Duration(TimeSpan.FromSeconds(seconds)));
}
