using System.CommandLine;
using System.Globalization;

namespace Diffusion.Verify.Experiments.Cli;

/// <summary>
/// Range and choice checks attached to options, so that a bad value is a parse error (exit 2) whose message
/// names the flag, the value and what is allowed, in the harness's "field = value: expectation" form.
/// </summary>
public static class OptionRules
{
    public static Option<int> Between(this Option<int> option, int min, int max)
    {
        option.CustomParser = result =>
        {
            string text = result.Tokens[0].Value;
            if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
            {
                result.AddError(Message(option, text, $"must be an integer from {min} to {max}"));
            }

            return value;
        };
        return option;
    }

    public static Option<long> Integer(this Option<long> option)
    {
        option.CustomParser = result =>
        {
            string text = result.Tokens[0].Value;
            if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value))
            {
                result.AddError(Message(option, text, "must be an integer"));
            }

            return value;
        };
        return option;
    }

    public static Option<double> Finite(this Option<double> option)
    {
        option.CustomParser = result =>
        {
            string text = result.Tokens[0].Value;
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
            {
                result.AddError(Message(option, text, "must be a finite number"));
            }

            return value;
        };
        return option;
    }

    /// <summary>Only these values; help shows them as &lt;a|b|c&gt; and shells complete them.</summary>
    public static Option<string> OneOf(this Option<string> option, IReadOnlyList<string> allowed)
    {
        option.HelpName ??= string.Join('|', allowed);
        option.CompletionSources.Add(allowed.ToArray());
        option.Validators.Add(result =>
        {
            string? value = result.GetValueOrDefault<string>();
            if (value is null || !allowed.Contains(value))
            {
                result.AddError(Message(option, value ?? "", $"allowed: {string.Join(", ", allowed)}"));
            }
        });
        return option;
    }

    /// <summary>
    /// A file or directory path that the file APIs accept: not empty or blank and without a NUL. They throw an
    /// ArgumentException on those instead of saying which flag was wrong (found by FuzzedInputTests:
    /// <c>merge DIR ""</c> and <c>--out ""</c> ended in an internal error).
    /// </summary>
    public static TOption FilePath<TOption>(this TOption option)
        where TOption : Option
    {
        option.Validators.Add(result => RejectUnusablePaths(result.Tokens, option.Name, result.AddError));
        return option;
    }

    /// <inheritdoc cref="FilePath{TOption}(TOption)"/>
    public static TArgument FilePaths<TArgument>(this TArgument argument)
        where TArgument : Argument
    {
        argument.Validators.Add(result => RejectUnusablePaths(result.Tokens, argument.Name, result.AddError));
        return argument;
    }

    private static void RejectUnusablePaths(IReadOnlyList<System.CommandLine.Parsing.Token> tokens, string name, Action<string> addError)
    {
        foreach (System.CommandLine.Parsing.Token token in tokens)
        {
            if (string.IsNullOrWhiteSpace(token.Value) || token.Value.Contains('\0'))
            {
                // Quoted, so that an empty or blank value shows as such.
                addError(new InvalidSpecificationException(name, $"\"{token.Value.Replace("\0", "\\0", StringComparison.Ordinal)}\"", PathExpectation).Message);
                return;
            }
        }
    }

    private const string PathExpectation = "must be a path (not empty or blank, no NUL character)";

    private static string Message(Option option, string value, string expectation) =>
        new InvalidSpecificationException(option.Name, value, expectation).Message;
}
