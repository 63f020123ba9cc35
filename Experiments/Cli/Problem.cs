using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Targets;

namespace Diffusion.Verify.Experiments.Cli;

/// <summary>One sampler run as sample and eval describe it on the command line (<see cref="ProblemOptions"/>).</summary>
public sealed record Problem(IDiffusedTarget Target, Sampler Sampler, ScheduleSpec Schedule, NoiseSchedule Levels, StartDistribution Start, int Samples, long Seed);
