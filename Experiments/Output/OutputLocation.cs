namespace Diffusion.Verify.Experiments.Output;

/// <summary>
/// Checks an output path before any work starts, so that a run is not spent and then lost to a path that
/// cannot be written, and so that the message names the flag: the file APIs would only fail at the end,
/// with the operating system's words ("Is a directory", "The file … already exists").
/// </summary>
public static class OutputLocation
{
    /// <summary><paramref name="path"/> will be written as a file: it is not a directory, and no part of its folder is a file.</summary>
    public static void RequireFile(string flag, string path) => Require(flag, path, asDirectory: false);

    /// <summary><paramref name="path"/> will be a directory: it is not a file, and no part of it is a file.</summary>
    public static void RequireDirectory(string flag, string path) => Require(flag, path, asDirectory: true);

    private static void Require(string flag, string path, bool asDirectory)
    {
        string full = Path.GetFullPath(path);
        if (asDirectory ? File.Exists(full) : Directory.Exists(full))
        {
            throw new InvalidSpecificationException(flag, path, asDirectory ? "is a file; name a directory" : "is a directory; name a file");
        }

        for (string? folder = Path.GetDirectoryName(full); !string.IsNullOrEmpty(folder); folder = Path.GetDirectoryName(folder))
        {
            if (File.Exists(folder))
            {
                throw new InvalidSpecificationException(flag, path, $"{folder} is a file, not a directory");
            }

            if (Directory.Exists(folder))
            {
                return;
            }
        }
    }
}
