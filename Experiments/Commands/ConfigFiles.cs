namespace Diffusion.Verify.Experiments.Commands;

/// <summary>Finds the config files named on the command line, or the default suite.</summary>
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
}
