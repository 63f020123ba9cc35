namespace Diffusion.Verify.Experiments.Cli;

/// <summary>Where a command writes: results to <see cref="Out"/>; progress, warnings and errors to <see cref="Error"/>.</summary>
public sealed record Terminal(TextWriter Out, TextWriter Error);
