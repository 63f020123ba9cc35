using System.Globalization;

namespace Diffusion.Verify.Experiments.Cli;

/// <summary>
/// Parsed command-line flags (--name value, or --name alone for switches). Every flag a command reads
/// is marked as used; <see cref="RejectUnused"/> then turns typos into a clear error.
/// </summary>
public sealed class Arguments
{
    private readonly Dictionary<string, string?> _flags = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);
    private readonly List<string> _positional = [];

    /// <param name="args">The arguments after the command name.</param>
    /// <param name="switches">Flags that never take a value, so that "--resume CONFIG" keeps CONFIG positional.</param>
    public Arguments(IEnumerable<string> args, IReadOnlyCollection<string>? switches = null)
    {
        var list = args.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            string a = list[i];
            if (a.StartsWith("--", StringComparison.Ordinal) && a.Length > 2)
            {
                string name = a[2..];
                string? value = null;
                int eq = name.IndexOf('=');
                if (eq >= 0)
                {
                    value = name[(eq + 1)..];
                    name = name[..eq];
                }
                else if (i + 1 < list.Count && !list[i + 1].StartsWith("--", StringComparison.Ordinal) && switches?.Contains(name) != true)
                {
                    value = list[++i];
                }

                if (_flags.ContainsKey(name))
                {
                    throw new InvalidSpecificationException($"--{name}", value ?? "", "given twice");
                }

                _flags[name] = value;
            }
            else
            {
                _positional.Add(a);
            }
        }
    }

    public IReadOnlyList<string> Positional => _positional;

    public bool Switch(string name)
    {
        if (!_flags.TryGetValue(name, out string? value))
        {
            return false;
        }

        _used.Add(name);
        if (value is not null)
        {
            throw new InvalidSpecificationException($"--{name}", value, "is a switch and takes no value");
        }

        return true;
    }

    public string? Text(string name)
    {
        if (!_flags.TryGetValue(name, out string? value))
        {
            return null;
        }

        _used.Add(name);
        return value ?? throw new InvalidSpecificationException($"--{name}", "(nothing)", "needs a value");
    }

    public string RequiredText(string name) =>
        Text(name) ?? throw new InvalidSpecificationException($"--{name}", "(missing)", "this flag is required");

    public string Choice(string name, string fallback, IReadOnlyList<string> allowed)
    {
        string value = Text(name) ?? fallback;
        if (!allowed.Contains(value))
        {
            throw new InvalidSpecificationException($"--{name}", value, $"allowed: {string.Join(", ", allowed)}");
        }

        return value;
    }

    public int Integer(string name, int fallback, int min, int max)
    {
        string? text = Text(name);
        if (text is null)
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
        {
            throw new InvalidSpecificationException($"--{name}", text, $"must be an integer from {min} to {max}");
        }

        return value;
    }

    public long Long(string name, long fallback)
    {
        string? text = Text(name);
        if (text is null)
        {
            return fallback;
        }

        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value))
        {
            throw new InvalidSpecificationException($"--{name}", text, "must be an integer");
        }

        return value;
    }

    public double Number(string name, double fallback)
    {
        string? text = Text(name);
        if (text is null)
        {
            return fallback;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
        {
            throw new InvalidSpecificationException($"--{name}", text, "must be a finite number");
        }

        return value;
    }

    public void RejectUnused(string command)
    {
        foreach (string name in _flags.Keys)
        {
            if (!_used.Contains(name))
            {
                throw new InvalidSpecificationException($"--{name}", _flags[name] ?? "", $"unknown flag for '{command}'");
            }
        }
    }
}
