using System.Globalization;
using System.Text.Json;

namespace PromiseGrid.Cli.Output;

/// <summary>
/// Flattens a JSON object into aligned <c>key: value</c> lines for people. Nested objects become
/// dotted keys (<c>cluster.members</c>), arrays of plain values a comma list, so any health document
/// the node grows into still prints sensibly without the CLI knowing its schema.
/// </summary>
public static class JsonFields
{
    public static IReadOnlyList<KeyValuePair<string, string>> Flatten(JsonElement root)
    {
        var fields = new List<KeyValuePair<string, string>>();
        Add(fields, string.Empty, root);
        return fields;
    }

    public static void Write(TextWriter output, IReadOnlyList<KeyValuePair<string, string>> fields)
    {
        var width = fields.Count == 0 ? 0 : fields.Max(f => f.Key.Length) + 1;
        foreach (var (key, value) in fields)
            output.WriteLine($"{(key + ":").PadRight(width)} {value}".TrimEnd());
    }

    private static void Add(List<KeyValuePair<string, string>> fields, string key, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var any = false;
                foreach (var property in element.EnumerateObject())
                {
                    any = true;
                    Add(fields, key.Length == 0 ? property.Name : $"{key}.{property.Name}", property.Value);
                }
                if (!any && key.Length > 0) fields.Add(new(key, "{}"));
                break;
            case JsonValueKind.Array:
                if (element.EnumerateArray().All(IsScalar))
                {
                    fields.Add(new(KeyOrValue(key), string.Join(", ", element.EnumerateArray().Select(Scalar))));
                    break;
                }
                var index = 0;
                foreach (var item in element.EnumerateArray())
                    Add(fields, $"{KeyOrValue(key)}[{index++}]", item);
                break;
            default:
                fields.Add(new(KeyOrValue(key), Scalar(element)));
                break;
        }
    }

    private static string KeyOrValue(string key) => key.Length == 0 ? "value" : key;

    private static bool IsScalar(JsonElement element) =>
        element.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array);

    private static string Scalar(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => OneLine.Of(element.GetString(), 500),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Null => "null",
        JsonValueKind.Number => element.GetRawText(),
        _ => element.GetRawText(),
    };

    /// <summary>The first of <paramref name="names"/> present at the top level as text.</summary>
    public static string? FirstString(JsonElement root, params string[] names)
    {
        if (root.ValueKind != JsonValueKind.Object) return null;
        foreach (var name in names)
        {
            if (!root.TryGetProperty(name, out var value)) continue;
            var text = value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number => value.GetRawText(),
                JsonValueKind.Array or JsonValueKind.Object => null,
                _ => value.ToString(),
            };
            if (!string.IsNullOrWhiteSpace(text)) return text.ToString(CultureInfo.InvariantCulture);
        }
        return null;
    }
}
