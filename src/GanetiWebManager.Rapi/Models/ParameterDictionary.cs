using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;
using GanetiWebManager.Rapi.Serialization;

namespace GanetiWebManager.Rapi.Models;

/// <summary>
/// A parameter dictionary as Ganeti sends it (hvparams, beparams, osparams, ndparams, ipolicy...), kept
/// as the raw JSON so that no key is lost, whatever Ganeti version sent it.
/// </summary>
/// <remarks>
/// Backed by one <see cref="JsonElement"/> rather than a dictionary of elements: a kvm instance carries
/// ~60 hvparams, and a bulk listing of thousands of instances would otherwise allocate one JSON document
/// per value. Lookups scan the object, which is cheap at these sizes.
/// </remarks>
[JsonConverter(typeof(ParameterDictionaryJsonConverter))]
public sealed class ParameterDictionary : IReadOnlyDictionary<string, JsonElement>
{
    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement;

    /// <summary>An empty parameter set.</summary>
    public static ParameterDictionary Empty { get; } = new(EmptyObject);

    /// <summary>Wraps a JSON object. Anything else than an object is treated as empty.</summary>
    public ParameterDictionary(JsonElement json)
    {
        Json = json.ValueKind == JsonValueKind.Object ? json : EmptyObject;
    }

    /// <summary>The raw JSON object.</summary>
    public JsonElement Json { get; }

    /// <inheritdoc />
    public JsonElement this[string key] =>
        TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"No parameter '{key}'.");

    /// <inheritdoc />
    public IEnumerable<string> Keys => this.Select(p => p.Key);

    /// <inheritdoc />
    public IEnumerable<JsonElement> Values => this.Select(p => p.Value);

    /// <inheritdoc />
    public int Count => Json.EnumerateObject().Count();

    /// <inheritdoc />
    public bool ContainsKey(string key) => Json.TryGetProperty(key, out _);

    /// <inheritdoc />
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out JsonElement value) =>
        Json.TryGetProperty(key, out value);

    /// <summary>The value as a string, or null when absent, null or not a string.</summary>
    public string? GetString(string key) =>
        TryGetValue(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>The value as a 64-bit integer, or null when absent or not an integer.</summary>
    public long? GetInt64(string key) =>
        TryGetValue(key, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : null;

    /// <summary>The value as a boolean, or null when absent or not a boolean.</summary>
    public bool? GetBoolean(string key) =>
        TryGetValue(key, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : null;

    /// <summary>A nested parameter object (e.g. the <c>kvm</c> entry of the cluster's hvparams), or empty.</summary>
    public ParameterDictionary GetNested(string key) =>
        TryGetValue(key, out var v) ? new ParameterDictionary(v) : Empty;

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, JsonElement>> GetEnumerator()
    {
        foreach (var property in Json.EnumerateObject())
        {
            yield return new KeyValuePair<string, JsonElement>(property.Name, property.Value);
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The raw JSON text.</summary>
    public override string ToString() => Json.GetRawText();
}
