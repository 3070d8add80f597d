using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace GanetiWebManager.FakeRapi.Json;

/// <summary>
/// Ganeti's RAPI daemon answers with Python's <c>json.dumps</c> defaults: <c>", "</c> and <c>": "</c> between items
/// and no HTML escaping. Answers are written compactly with <see cref="Utf8JsonWriter"/> and then spaced, so that
/// their bytes (and sizes, which matter to benchmarks) match the real server's.
/// </summary>
internal static class PythonJson
{
    public static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static readonly JsonSerializerOptions SerializerOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static readonly byte[] Null = "null"u8.ToArray();

    /// <summary>Writes a value with <paramref name="write"/> and returns it in Python's spacing.</summary>
    public static byte[] Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            write(writer);
        }

        return Spaced(buffer.WrittenSpan);
    }

    public static byte[] Serialize(JsonNode? node) => Write(w => WriteNode(w, node));

    public static string SerializeToString(JsonNode? node) => System.Text.Encoding.UTF8.GetString(Serialize(node));

    public static void WriteNode(Utf8JsonWriter writer, JsonNode? node)
    {
        if (node is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            node.WriteTo(writer, SerializerOptions);
        }
    }

    /// <summary>Inserts a space after every <c>,</c> and <c>:</c> that is not inside a string.</summary>
    public static byte[] Spaced(ReadOnlySpan<byte> compact)
    {
        var extra = 0;
        var inString = false;
        var escaped = false;
        foreach (var b in compact)
        {
            if (inString)
            {
                if (escaped)
                {
                    escaped = false;
                }
                else if (b == (byte)'\\')
                {
                    escaped = true;
                }
                else if (b == (byte)'"')
                {
                    inString = false;
                }
            }
            else if (b == (byte)'"')
            {
                inString = true;
            }
            else if (b is (byte)',' or (byte)':')
            {
                extra++;
            }
        }

        if (extra == 0)
        {
            return compact.ToArray();
        }

        var result = new byte[compact.Length + extra];
        var j = 0;
        inString = false;
        escaped = false;
        foreach (var b in compact)
        {
            result[j++] = b;
            if (inString)
            {
                if (escaped)
                {
                    escaped = false;
                }
                else if (b == (byte)'\\')
                {
                    escaped = true;
                }
                else if (b == (byte)'"')
                {
                    inString = false;
                }
            }
            else if (b == (byte)'"')
            {
                inString = true;
            }
            else if (b is (byte)',' or (byte)':')
            {
                result[j++] = (byte)' ';
            }
        }

        return result;
    }

    /// <summary>Joins already-encoded JSON values into a JSON list, Python style.</summary>
    public static byte[] JoinList(IReadOnlyList<byte[]> items)
    {
        var length = 2 + (items.Count > 0 ? (items.Count - 1) * 2 : 0);
        foreach (var item in items)
        {
            length += item.Length;
        }

        var result = new byte[length];
        var position = 0;
        result[position++] = (byte)'[';
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0)
            {
                result[position++] = (byte)',';
                result[position++] = (byte)' ';
            }

            items[i].CopyTo(result, position);
            position += items[i].Length;
        }

        result[position] = (byte)']';
        return result;
    }
}
