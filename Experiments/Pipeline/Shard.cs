using System.Globalization;

namespace Diffusion.Verify.Experiments.Pipeline;

/// <summary>Shard i of n (0-based): owns the points whose position p satisfies p mod n = i.</summary>
public readonly record struct Shard(int Index, int Count)
{
    public static Shard Whole => new(0, 1);

    public bool IsWhole => Count == 1;

    public bool Owns(int position) => position % Count == Index;

    /// <summary>Shard outputs carry the shard in their file name so that merge can find and check them.</summary>
    public string Decorate(string name) => IsWhole ? name : $"{name}.shard-{Index}-of-{Count}";

    public static Shard Parse(string? text)
    {
        if (text is null)
        {
            return Whole;
        }

        string[] parts = text.Split('/');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int i)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n)
            && n >= 1 && i >= 0 && i < n)
        {
            return new Shard(i, n);
        }

        throw new InvalidSpecificationException("--shard", text, "must be i/n with 0 ≤ i < n, e.g. 0/4");
    }
}
