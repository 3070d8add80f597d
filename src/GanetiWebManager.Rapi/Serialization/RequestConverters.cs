using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using GanetiWebManager.Rapi.Requests;

namespace GanetiWebManager.Rapi.Serialization;

/// <summary>Writes a device modification as the list Ganeti expects.</summary>
internal sealed class DeviceModificationJsonConverter : JsonConverter<DeviceModification>
{
    public override DeviceModification Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("Device modifications are only sent, never read.");

    public override void Write(Utf8JsonWriter writer, DeviceModification value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        WriteScalar(writer, value.Operation);
        if (value.Target is not null)
        {
            WriteScalar(writer, value.Target);
        }

        var typeInfo = (JsonTypeInfo<IReadOnlyDictionary<string, object?>>)options.GetTypeInfo(typeof(IReadOnlyDictionary<string, object?>));
        JsonSerializer.Serialize(writer, value.Parameters, typeInfo);
        writer.WriteEndArray();
    }

    private static void WriteScalar(Utf8JsonWriter writer, object value)
    {
        switch (value)
        {
            case int index:
                writer.WriteNumberValue(index);
                break;
            default:
                writer.WriteStringValue(value.ToString());
                break;
        }
    }
}

/// <summary>Writes a query filter as its nested lists.</summary>
internal sealed class QueryFilterJsonConverter : JsonConverter<QueryFilter>
{
    public override QueryFilter Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("Query filters are only sent, never read.");

    public override void Write(Utf8JsonWriter writer, QueryFilter value, JsonSerializerOptions options) =>
        value.ToJson().WriteTo(writer, options);
}
