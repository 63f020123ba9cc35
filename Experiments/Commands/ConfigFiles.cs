using Diffusion.Verify.Experiments.Configuration;

namespace Diffusion.Verify.Experiments.Commands;

/// <summary>Finds the config files named on the command line, or the default suite, and loads them.</summary>
public static class ConfigFiles
{
    public const string DefaultDirectory = "Experiments/configs";

    public static IReadOnlyList<string> Resolve(IReadOnlyList<string> named)
    {
        if (named.Count > 0)
        {
            foreach (string path in named)
            {
                if (!File.Exists(path))
                {
                    throw new InvalidSpecificationException("CONFIG", path, "no such file");
                }
            }

            return named;
        }

        if (!Directory.Exists(DefaultDirectory))
        {
            throw new InvalidSpecificationException("CONFIG", "(none given)", $"no config named and no {DefaultDirectory} below {Directory.GetCurrentDirectory()}; run from the repository root or name configs");
        }

        var files = Directory.GetFiles(DefaultDirectory, "*.json").Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0)
        {
            throw new InvalidSpecificationException("CONFIG", DefaultDirectory, "holds no *.json configs");
        }

        return files;
    }

    /// <summary>Loads and checks every config before anything runs; experiment names must be unique (they name the output files).</summary>
    public static IReadOnlyList<ExperimentConfig> LoadAll(IReadOnlyList<string> named, bool quick)
    {
        var configs = Resolve(named).Select(path => ExperimentConfig.Load(path, quick)).ToList();
        RejectDuplicateNames(configs);
        return configs;
    }

    public static void RejectDuplicateNames(IEnumerable<ExperimentConfig> configs)
    {
        var duplicate = configs.GroupBy(c => c.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidSpecificationException(
                $"{Path.GetFileName(duplicate.Last().SourcePath)}:$.name", duplicate.Key,
                $"another config uses the same experiment name ({string.Join(", ", duplicate.Select(c => c.SourcePath))}); names must be unique because they name the output files");
        }
    }
}
