using System.Globalization;
using System.Text.Json;

namespace GanetiWebManager.Web.Features.Jobs;

/// <summary>One line of a job's log, as the job page shows it.</summary>
public sealed record JobLogLine(long Serial, DateTimeOffset? Time, string Type, string Message);

/// <summary>
/// Reads the log column of a job (a JSON array of <c>{serial, time, type, message}</c>). The page must show
/// whatever is there, so the reader is lenient: time as ISO text, epoch seconds or Ganeti's
/// <c>[seconds, microseconds]</c>; a structured message as its JSON; a malformed log as no lines.
/// </summary>
public static class JobLog
{
    public static IReadOnlyList<JobLogLine> Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return [];
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException)
        {
            return [];
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                return [];
            }

            var lines = new List<JobLogLine>();
            foreach (var entry in document.RootElement.EnumerateArray())
            {
                if (entry.ValueKind == JsonValueKind.Object)
                {
                    lines.Add(new JobLogLine(
                        ReadLong(Property(entry, "serial")) ?? lines.Count + 1,
                        ReadTime(Property(entry, "time") ?? Property(entry, "timestamp")),
                        ReadText(Property(entry, "type")) ?? "message",
                        ReadText(Property(entry, "message")) ?? ""));
                }
                else if (entry.ValueKind == JsonValueKind.Array && entry.GetArrayLength() >= 4)
                {
                    // RAPI's own shape: [serial, [sec, usec], type, message].
                    lines.Add(new JobLogLine(ReadLong(entry[0]) ?? lines.Count + 1, ReadTime(entry[1]), ReadText(entry[2]) ?? "message", ReadText(entry[3]) ?? ""));
                }
            }

            return lines;
        }
    }

    private static JsonElement? Property(JsonElement entry, string name)
    {
        foreach (var property in entry.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value;
            }
        }

        return null;
    }

    private static long? ReadLong(JsonElement? value) =>
        value is { ValueKind: JsonValueKind.Number } v && v.TryGetInt64(out var n) ? n : null;

    private static string? ReadText(JsonElement? value) => value switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } v => v.GetString(),
        { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined } => null,
        { } v => v.GetRawText(),
    };

    private static DateTimeOffset? ReadTime(JsonElement? value)
    {
        try
        {
            return ReadTimeOrThrow(value);
        }
        catch (ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    private static DateTimeOffset? ReadTimeOrThrow(JsonElement? value)
    {
        switch (value)
        {
            case { ValueKind: JsonValueKind.String } text
                when DateTimeOffset.TryParse(text.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed):
                return parsed;
            case { ValueKind: JsonValueKind.Number } number when number.TryGetDouble(out var seconds) && double.IsFinite(seconds):
                return DateTimeOffset.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond));
            case { ValueKind: JsonValueKind.Array } pair when pair.GetArrayLength() == 2
                && pair[0].ValueKind == JsonValueKind.Number && pair[1].ValueKind == JsonValueKind.Number
                && pair[0].TryGetInt64(out var s) && pair[1].TryGetInt64(out var us):
                return DateTimeOffset.UnixEpoch.AddSeconds(s).AddTicks(us * TimeSpan.TicksPerMicrosecond);
            default:
                return null;
        }
    }
}
