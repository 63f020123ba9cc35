using System.Text.Json;
using Diffusion.Verify.Targets;

namespace Diffusion.Verify.Experiments.Configuration;

/// <summary>
/// Parses config and target files. System.Text.Json keeps duplicate keys and silently reads one of
/// them, so a config with "n" given twice would run with a value the user may not have meant; every
/// object in the document is therefore checked for repeated keys, with the JSON path in the message.
/// </summary>
public static class JsonDocuments
{
    private static readonly JsonDocumentOptions Options = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    public static JsonDocument Parse(string text, string where)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, Options);
        }
        catch (JsonException e)
        {
            throw new InvalidSpecificationException(where, "(not JSON)", $"line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}: {e.Message.Split(" Path:")[0].Split(" LineNumber:")[0]}");
        }

        try
        {
            RejectDuplicateKeys(document.RootElement, where);
        }
        catch
        {
            document.Dispose();
            throw;
        }

        return document;
    }

    private static void RejectDuplicateKeys(JsonElement e, string path)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (JsonProperty p in e.EnumerateObject())
                {
                    if (!seen.Add(p.Name))
                    {
                        throw new InvalidSpecificationException($"{path}.{p.Name}", JsonFields.Show(p.Value), "duplicate key: give each key once");
                    }

                    RejectDuplicateKeys(p.Value, $"{path}.{p.Name}");
                }

                break;
            case JsonValueKind.Array:
                int i = 0;
                foreach (JsonElement item in e.EnumerateArray())
                {
                    RejectDuplicateKeys(item, $"{path}[{i++}]");
                }

                break;
        }
    }
}
