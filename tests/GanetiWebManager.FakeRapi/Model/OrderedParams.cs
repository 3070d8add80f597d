using System.Text.Json;
using System.Text.Json.Nodes;
using GanetiWebManager.FakeRapi.Json;

namespace GanetiWebManager.FakeRapi.Model;

/// <summary>A parameter dictionary (beparams, hvparams, osparams...) that keeps Ganeti's key order.</summary>
internal sealed class OrderedParams
{
    private readonly OrderedDictionary<string, JsonNode?> _items = new(StringComparer.Ordinal);

    public int Count => _items.Count;

    public IEnumerable<string> Keys => _items.Keys;

    public IEnumerable<KeyValuePair<string, JsonNode?>> Items => _items;

    public JsonNode? this[string key]
    {
        get => _items.TryGetValue(key, out var value) ? value : null;
        set => _items[key] = value?.DeepClone();
    }

    public static OrderedParams From(JsonObject? source)
    {
        var result = new OrderedParams();
        if (source is not null)
        {
            foreach (var (key, value) in source)
            {
                result._items[key] = value?.DeepClone();
            }
        }

        return result;
    }

    public bool ContainsKey(string key) => _items.ContainsKey(key);

    public bool Remove(string key) => _items.Remove(key);

    public long? GetInt64(string key) => _items.TryGetValue(key, out var value) ? Jobs.Units.Long(value) : null;

    public void Overlay(OrderedParams other)
    {
        foreach (var (key, value) in other._items)
        {
            _items[key] = value?.DeepClone();
        }
    }

    /// <summary>The same parameters, in <paramref name="order"/> (keys it does not name follow, sorted).</summary>
    public OrderedParams InOrder(IEnumerable<string> order)
    {
        var ranks = order.Select((key, index) => (key, index)).ToDictionary(p => p.key, p => p.index, StringComparer.Ordinal);
        var result = new OrderedParams();
        foreach (var (key, value) in _items.OrderBy(p => ranks.GetValueOrDefault(p.Key, int.MaxValue)).ThenBy(p => p.Key, StringComparer.Ordinal))
        {
            result._items[key] = value;
        }

        return result;
    }

    /// <summary>A text that differs whenever the parameters differ (a cache key).</summary>
    public string Signature()
    {
        if (_items.Count == 0)
        {
            return "";
        }

        var builder = new System.Text.StringBuilder();
        foreach (var (key, value) in _items)
        {
            builder.Append(key).Append('=').Append(value?.ToJsonString() ?? "null").Append('\u0001');
        }

        return builder.ToString();
    }

    public OrderedParams Clone()
    {
        var result = new OrderedParams();
        result.Overlay(this);
        return result;
    }

    public JsonObject ToJsonObject()
    {
        var result = new JsonObject();
        foreach (var (key, value) in _items)
        {
            result[key] = value?.DeepClone();
        }

        return result;
    }

    public void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        foreach (var (key, value) in _items)
        {
            writer.WritePropertyName(key);
            PythonJson.WriteNode(writer, value);
        }

        writer.WriteEndObject();
    }
}
