using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace GanetiWebManager.FakeRapi.Json;

/// <summary>
/// Texts Ganeti builds with Python's <c>repr</c>/<c>str</c> (error messages quote values and tuples that way), and
/// the HTML escaping its HTTP layer applies to error messages.
/// </summary>
internal static class PythonRepr
{
    /// <summary>Python's <c>repr</c> of a str: single quotes unless the text contains one and no double quote.</summary>
    public static string Str(string value)
    {
        var quote = value.Contains('\'', StringComparison.Ordinal) && !value.Contains('"', StringComparison.Ordinal) ? '"' : '\'';
        var builder = new StringBuilder(value.Length + 2).Append(quote);
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\t': builder.Append("\\t"); break;
                case '\r': builder.Append("\\r"); break;
                default:
                    if (c == quote)
                    {
                        builder.Append('\\');
                    }

                    builder.Append(c);
                    break;
            }
        }

        return builder.Append(quote).ToString();
    }

    /// <summary>The repr of a tuple of strings, e.g. <c>('msg', 'wrong_input')</c>.</summary>
    public static string Tuple(params string[] items) =>
        items.Length == 1 ? $"({Str(items[0])},)" : "(" + string.Join(", ", items.Select(Str)) + ")";

    /// <summary>Python's <c>str</c> of a JSON-decoded value (bools as True/False, None, lists and dicts as repr).</summary>
    public static string Value(JsonNode? node) => node switch
    {
        null => "None",
        JsonValue v when v.TryGetValue<bool>(out var b) => b ? "True" : "False",
        JsonValue v when v.TryGetValue<string>(out var s) => Str(s),
        JsonValue v when Jobs.Units.Long(v) is { } l => l.ToString(CultureInfo.InvariantCulture),
        JsonValue v when Jobs.Units.Number(v) is { } d => d.ToString("R", CultureInfo.InvariantCulture),
        JsonArray a => "[" + string.Join(", ", a.Select(Value)) + "]",
        JsonObject o => "{" + string.Join(", ", o.Select(p => Str(p.Key) + ": " + Value(p.Value))) + "}",
        _ => node.ToJsonString(),
    };

    /// <summary>Python 3's <c>html.escape(text, quote=True)</c>.</summary>
    public static string HtmlEscape(string text)
    {
        var builder = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            builder.Append(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#x27;",
                _ => c.ToString(),
            });
        }

        return builder.ToString();
    }
}
