using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using GanetiWebManager.Rapi.Models;

namespace GanetiWebManager.Rapi.Serialization;

/// <summary>Reads a job id from a JSON number or a numeric string (very old servers); writes a number.</summary>
internal sealed class JobIdJsonConverter : JsonConverter<JobId>
{
    public override JobId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var number))
        {
            return new JobId(number);
        }

        if (reader.TokenType == JsonTokenType.String && JobId.TryParse(reader.GetString(), null, out var id))
        {
            return id;
        }

        throw new JsonException("A job id must be a number or a numeric string.");
    }

    public override void Write(Utf8JsonWriter writer, JobId value, JsonSerializerOptions options) =>
        writer.WriteNumberValue(value.Value);
}

/// <summary>Job and opcode status strings; unknown strings map to <see cref="JobStatus.Unknown"/> instead of failing.</summary>
internal sealed class JobStatusJsonConverter : JsonConverter<JobStatus>
{
    public override JobStatus Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String ? JobStatusExtensions.ParseRapiString(reader.GetString()) : SkipUnknown(ref reader);

    public override void Write(Utf8JsonWriter writer, JobStatus value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToRapiString());

    private static JobStatus SkipUnknown(ref Utf8JsonReader reader)
    {
        reader.Skip();
        return JobStatus.Unknown;
    }
}

/// <summary>Node role strings (<c>master-candidate</c>...).</summary>
internal sealed class NodeRoleJsonConverter : JsonConverter<NodeRole>
{
    public override NodeRole Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String
            ? NodeRoleExtensions.ParseRapiString(reader.GetString())
            : throw new JsonException("A node role must be a string.");

    public override void Write(Utf8JsonWriter writer, NodeRole value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToRapiString());
}

/// <summary>Keeps a parameter object as one raw element (see <see cref="ParameterDictionary"/>).</summary>
internal sealed class ParameterDictionaryJsonConverter : JsonConverter<ParameterDictionary>
{
    public override ParameterDictionary Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            // null or an odd shape from an old version: treat as "no parameters" rather than failing a whole listing
            reader.Skip();
            return ParameterDictionary.Empty;
        }

        return new ParameterDictionary(JsonElement.ParseValue(ref reader));
    }

    public override void Write(Utf8JsonWriter writer, ParameterDictionary value, JsonSerializerOptions options) =>
        value.Json.WriteTo(writer);
}

/// <summary>Reads Ganeti's <c>[seconds, microseconds]</c> timestamps.</summary>
internal sealed class RapiTimestampJsonConverter : JsonConverter<DateTimeOffset?>
{
    public override bool HandleNull => true;

    public override DateTimeOffset? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Null ? null : TimestampReader.Read(ref reader);

    public override void Write(Utf8JsonWriter writer, DateTimeOffset? value, JsonSerializerOptions options)
    {
        if (value is not { } time)
        {
            writer.WriteNullValue();
            return;
        }

        var sinceEpoch = time - DateTimeOffset.UnixEpoch;
        var seconds = (long)Math.Floor(sinceEpoch.TotalSeconds);
        writer.WriteStartArray();
        writer.WriteNumberValue(seconds);
        writer.WriteNumberValue((sinceEpoch.Ticks - (seconds * TimeSpan.TicksPerSecond)) / TimeSpan.TicksPerMicrosecond);
        writer.WriteEndArray();
    }
}

internal static class TimestampReader
{
    public static DateTimeOffset Read(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("A Ganeti timestamp must be [seconds, microseconds].");
        }

        reader.Read();
        var seconds = ReadNumber(ref reader);
        reader.Read();
        var microseconds = reader.TokenType == JsonTokenType.EndArray ? 0 : ReadNumber(ref reader);
        while (reader.TokenType != JsonTokenType.EndArray)
        {
            reader.Read();
        }

        return RapiTime.FromSecondsAndMicroseconds(seconds, microseconds);
    }

    private static long ReadNumber(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.Number)
        {
            throw new JsonException("A Ganeti timestamp must hold numbers.");
        }

        return reader.TryGetInt64(out var n) ? n : (long)reader.GetDouble();
    }
}

/// <summary>Reads <c>[serial, [sec, usec], type, message]</c>.</summary>
internal sealed class JobLogEntryJsonConverter : JsonConverter<JobLogEntry>
{
    public override JobLogEntry Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("A job log entry must be [serial, timestamp, type, message].");
        }

        reader.Read();
        var serial = reader.TokenType == JsonTokenType.String
            ? long.Parse(reader.GetString()!, CultureInfo.InvariantCulture)
            : reader.GetInt64();
        reader.Read();
        var timestamp = TimestampReader.Read(ref reader);
        reader.Read();
        var type = reader.TokenType == JsonTokenType.String ? reader.GetString()! : "";
        reader.Read();
        string message;
        if (reader.TokenType == JsonTokenType.String)
        {
            message = reader.GetString()!;
        }
        else if (reader.TokenType == JsonTokenType.EndArray)
        {
            return new JobLogEntry(serial, timestamp, type, "");
        }
        else
        {
            using var doc = JsonDocument.ParseValue(ref reader);
            message = doc.RootElement.GetRawText();
        }

        reader.Read();
        while (reader.TokenType != JsonTokenType.EndArray)
        {
            reader.Skip();
            reader.Read();
        }

        return new JobLogEntry(serial, timestamp, type, message);
    }

    public override void Write(Utf8JsonWriter writer, JobLogEntry value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        writer.WriteNumberValue(value.Serial);
        new RapiTimestampJsonConverter().Write(writer, value.Timestamp, options);
        writer.WriteStringValue(value.Type);
        writer.WriteStringValue(value.Message);
        writer.WriteEndArray();
    }
}

/// <summary>An integer sent as a number by some versions and as a string by others (console <c>display</c>).</summary>
internal sealed class FlexibleInt32JsonConverter : JsonConverter<int?>
{
    public override bool HandleNull => true;

    public override int? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.Number => reader.GetInt32(),
        JsonTokenType.String when int.TryParse(reader.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) => n,
        _ => null,
    };

    public override void Write(Utf8JsonWriter writer, int? value, JsonSerializerOptions options)
    {
        if (value is { } n)
        {
            writer.WriteNumberValue(n);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
