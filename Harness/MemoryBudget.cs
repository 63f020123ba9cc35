using System.Globalization;

namespace Diffusion.Verify;

/// <summary>
/// Refuses, before any work starts, sizes whose arrays cannot exist: more doubles than one .NET array
/// holds (<see cref="Array.MaxLength"/>; N·d beyond it used to surface as an OverflowException from
/// deep inside a run), or more bytes in total than this process may use (the GC's limit: physical
/// memory or the container's). The message names the sizes and the memory they need.
/// </summary>
public static class MemoryBudget
{
    /// <summary>
    /// Throws <see cref="InvalidSpecificationException"/> for <paramref name="field"/> = <paramref name="value"/>
    /// when the largest single array (in doubles) or the total (in doubles) cannot be held.
    /// Sizes are doubles so that their products cannot overflow.
    /// </summary>
    public static void Check(string field, string value, string what, double largestArray, double totalValues)
    {
        double available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        double bytes = totalValues * sizeof(double);
        if (largestArray > Array.MaxLength || bytes > available)
        {
            string reason = largestArray > Array.MaxLength
                ? string.Create(CultureInfo.InvariantCulture, $"more than one array holds ({Array.MaxLength:N0} values)")
                : string.Create(CultureInfo.InvariantCulture, $"more than the {Gibibytes(available)} this process may use");
            throw new InvalidSpecificationException(
                field,
                value,
                string.Create(CultureInfo.InvariantCulture, $"{what} needs {totalValues:G3} doubles ({Gibibytes(bytes)}), {reason}; lower it or the dimension"));
        }
    }

    private static string Gibibytes(double bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1L << 30):G3} GiB");
}
