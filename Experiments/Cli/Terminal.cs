namespace Diffusion.Verify.Experiments.Cli;

/// <summary>
/// Where a command writes: results to <see cref="Out"/>; progress, warnings and errors to <see cref="Error"/>.
/// <see cref="IsInteractive"/>: <see cref="Error"/> is a terminal, so progress may redraw one line.
/// </summary>
public sealed record Terminal(TextWriter Out, TextWriter Error, bool IsInteractive = false);
