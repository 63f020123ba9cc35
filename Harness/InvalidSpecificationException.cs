namespace Diffusion.Verify;

/// <summary>
/// Bad input from a user: a schedule parameter, a target description, a config field.
/// <see cref="Field"/> names where the value came from (a JSON path or a parameter name) so the message
/// can point the user at the exact place to fix.
/// </summary>
public sealed class InvalidSpecificationException : Exception
{
    public InvalidSpecificationException(string field, string value, string expectation)
        : base($"{field} = {value}: {expectation}")
    {
        Field = field;
        Value = value;
        Expectation = expectation;
    }

    public string Field { get; }

    public string Value { get; }

    public string Expectation { get; }
}
