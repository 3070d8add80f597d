using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace GanetiWebManager.FakeRapi.Jobs;

/// <summary>Small helpers shared by the opcode executors.</summary>
internal static class Units
{
    /// <summary>Ganeti's <c>utils.FormatUnit(size, "h")</c> for MiB: 512M, 1.0G, 2.5T.</summary>
    public static string Format(long mebibytes) => mebibytes switch
    {
        < 1024 => string.Create(CultureInfo.InvariantCulture, $"{mebibytes}M"),
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{mebibytes / 1024.0:0.0}G"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{mebibytes / 1024.0 / 1024.0:0.0}T"),
    };

    public static string? Str(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public static bool Bool(JsonNode? node, bool fallback = false) => node is JsonValue v && v.TryGetValue<bool>(out var b) ? b : fallback;

    /// <summary>An integral JSON number, whatever .NET type the node was built from (a parsed body, an int, a long).</summary>
    public static long? Long(JsonNode? node) =>
        Number(node) is { } d && d == Math.Floor(d) && Math.Abs(d) < 9.2e18 ? (long)d : null;

    /// <summary>A JSON number as a double; null for anything else (booleans included).</summary>
    public static double? Number(JsonNode? node)
    {
        if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.Number)
        {
            return null;
        }

        if (v.TryGetValue<long>(out var l))
        {
            return l;
        }

        if (v.TryGetValue<int>(out var i))
        {
            return i;
        }

        return double.Parse(v.ToJsonString(), CultureInfo.InvariantCulture);
    }

    public static string Join(IEnumerable<string> names) => string.Join(", ", names);
}
