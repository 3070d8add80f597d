using System.Globalization;
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

    public static long? Long(JsonNode? node)
    {
        if (node is not JsonValue v || v.TryGetValue<bool>(out _))
        {
            return null;
        }

        if (v.TryGetValue<long>(out var l))
        {
            return l;
        }

        return v.TryGetValue<double>(out var d) && d == Math.Floor(d) ? (long)d : null;
    }

    public static string Join(IEnumerable<string> names) => string.Join(", ", names);
}
