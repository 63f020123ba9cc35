using System.CommandLine;
using Diffusion.Verify.Samplers;
using Diffusion.Verify.Schedules;
using Diffusion.Verify.Targets;

namespace Diffusion.Verify.Experiments.Cli;

/// <summary>The options shared by sample and eval: target, sampler, schedule, T, start, n, seed.</summary>
public sealed class ProblemOptions
{
    private readonly Option<string> _target = new Option<string>("--target") { Description = "target JSON file (see Experiments/targets)", HelpName = "FILE", Required = true }.FilePath();
    private readonly Option<string> _sampler = new Option<string>("--sampler") { Description = $"sampler: {string.Join(", ", SamplerCatalog.Names)} (see 'list')", HelpName = "NAME", Required = true }.OneOf(SamplerCatalog.Names);
    private readonly Option<int> _steps = new Option<int>("--steps") { Description = "number of steps T", HelpName = "T", Required = true }.Between(2, 10_000_000);
    private readonly Option<string> _schedule = new Option<string>("--schedule") { Description = "noise schedule (linear needs T ≥ 21)", DefaultValueFactory = _ => "li2024" }.OneOf(ScheduleSpec.Kinds);
    private readonly Option<double> _c0 = new Option<double>("--c0") { Description = "li2024 parameter c0", HelpName = "X", DefaultValueFactory = _ => 2.0 }.Finite();
    private readonly Option<double> _c1 = new Option<double>("--c1") { Description = "li2024 parameter c1 (needs c1·ln T / T < 1)", HelpName = "Y", DefaultValueFactory = _ => 6.0 }.Finite();
    private readonly Option<double> _lambdaMax = new Option<double>("--lambda-max") { Description = "logsnr start point of λ = ln(ᾱ/(1−ᾱ))", HelpName = "X", DefaultValueFactory = _ => LogSnrSchedule.DefaultLambdaMax }.Finite();
    private readonly Option<double> _lambdaMin = new Option<double>("--lambda-min") { Description = "logsnr end point of λ", HelpName = "Y", DefaultValueFactory = _ => LogSnrSchedule.DefaultLambdaMin }.Finite();
    private readonly Option<string> _start = new Option<string>("--start") { Description = "start from N(0, I), or exactly from q_T", DefaultValueFactory = _ => "gaussian" }.OneOf(["gaussian", "exact"]);
    private readonly Option<int> _samples = new Option<int>("--n") { Description = "number of samples", HelpName = "N", DefaultValueFactory = _ => 10_000 }.Between(1, int.MaxValue);
    private readonly Option<long> _seed = new Option<long>("--seed") { Description = "seed; results do not depend on thread count", HelpName = "S", DefaultValueFactory = _ => 1 }.Integer();

    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { _target, _sampler, _steps, _schedule, _c0, _c1, _lambdaMax, _lambdaMin, _start, _samples, _seed })
        {
            command.Options.Add(option);
        }
    }

    public Problem Read(ParseResult parse)
    {
        string targetPath = parse.GetValue(_target)!;
        if (!File.Exists(targetPath))
        {
            throw new InvalidSpecificationException("--target", targetPath, "no such file");
        }

        IDiffusedTarget target = TargetJson.Parse(File.ReadAllText(targetPath));
        var schedule = new ScheduleSpec(
            parse.GetValue(_schedule)!,
            C0: parse.GetValue(_c0),
            C1: parse.GetValue(_c1),
            LambdaMax: parse.GetValue(_lambdaMax),
            LambdaMin: parse.GetValue(_lambdaMin));
        NoiseSchedule levels = schedule.Build(parse.GetValue(_steps));
        StartDistribution start = parse.GetValue(_start) == "exact" ? StartDistribution.Exact : StartDistribution.Gaussian;
        return new Problem(target, SamplerCatalog.Get(parse.GetValue(_sampler)!), schedule, levels, start, parse.GetValue(_samples), parse.GetValue(_seed));
    }
}
