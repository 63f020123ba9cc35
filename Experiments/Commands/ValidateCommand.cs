using System.CommandLine;
using System.Text.Json;
using Diffusion.Verify.Experiments.Cli;
using Diffusion.Verify.Experiments.Configuration;
using Diffusion.Verify.Experiments.Pipeline;
using Diffusion.Verify.Experiments.Reporting;
using Diffusion.Verify.Targets;

namespace Diffusion.Verify.Experiments.Commands;

/// <summary>
/// <c>validate [CONFIG ...]</c>: checks configs (their quick variants, targets, schedules at every T and
/// that an evaluator applies to every point) without running anything. Target files and claims registries
/// can be named too; without files, every config and the default claims registry are checked.
/// Every file is checked and every error printed; exit 2 if any failed.
/// </summary>
public static class ValidateCommand
{
    public static Command Create(Terminal terminal)
    {
        var files = new Argument<string[]>("CONFIG") { Description = "configs, target files or claims registries (default: every *.json in Experiments/configs and the claims registry)", Arity = ArgumentArity.ZeroOrMore }.FilePaths();
        var command = new Command("validate", "Check configs (with their quick variants and targets) and claims registries without running anything") { files };
        command.SetAction(parse => Run(parse.GetValue(files) ?? [], terminal));
        return command;
    }

    public static int Run(IReadOnlyList<string> files, Terminal terminal)
    {
        int failures = 0;
        var loaded = new List<ExperimentConfig>();
        if (files.Count == 0)
        {
            failures += Check(terminal, () => $"ok  claims registry: {ClaimRegistry.LoadDefault().Claims.Count} claims");
        }

        foreach (string path in ConfigFiles.Resolve(files))
        {
            try
            {
                if (Root(path) is "claims")
                {
                    terminal.Out.WriteLine($"ok  {path}: claims registry, {ClaimRegistry.Load(path).Claims.Count} claims");
                    continue;
                }

                if (Root(path) is "target")
                {
                    string where = Path.GetFileName(path) + ":$";
                    using JsonDocument document = JsonDocuments.Parse(File.ReadAllText(path), where);
                    IDiffusedTarget target = TargetJson.Read(document.RootElement, where);
                    terminal.Out.WriteLine($"ok  {path}: target {target.Description}");
                    continue;
                }

                ExperimentConfig full = ExperimentConfig.Load(path, quick: false);
                ExperimentConfig quick = ExperimentConfig.Load(path, quick: true);
                foreach (string warning in full.Warnings.Concat(quick.Warnings).Distinct())
                {
                    terminal.Error.WriteLine($"warning: {warning}");
                }

                terminal.Out.WriteLine($"ok  {path}: {full.Name}, {SweepPoint.Enumerate(full).Count} points ({SweepPoint.Enumerate(quick).Count} with --quick)");
                loaded.Add(full);
            }
            catch (InvalidSpecificationException e)
            {
                terminal.Error.WriteLine($"error: {e.Message}");
                failures++;
            }
        }

        try
        {
            ConfigFiles.RejectDuplicateNames(loaded);
        }
        catch (InvalidSpecificationException e)
        {
            terminal.Error.WriteLine($"error: {e.Message}");
            failures++;
        }

        return failures > 0 ? Entry.BadInput : Entry.Ok;
    }

    private static int Check(Terminal terminal, Func<string> check)
    {
        try
        {
            terminal.Out.WriteLine(check());
            return 0;
        }
        catch (InvalidSpecificationException e)
        {
            terminal.Error.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    /// <summary>
    /// What a file describes: a target ("kind" without "name"), a claims registry ("claims" without "name"),
    /// else an experiment config.
    /// </summary>
    private static string Root(string path)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            JsonElement root = document.RootElement;
            bool named = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("name", out _);
            return root.ValueKind != JsonValueKind.Object || named ? "config"
                : root.TryGetProperty("claims", out _) ? "claims"
                : root.TryGetProperty("kind", out _) ? "target"
                : "config";
        }
        catch (JsonException)
        {
            return "config"; // the config loader reports the syntax error with its position
        }
    }
}
