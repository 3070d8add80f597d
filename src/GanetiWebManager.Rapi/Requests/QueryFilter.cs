using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using GanetiWebManager.Rapi.Serialization;

namespace GanetiWebManager.Rapi.Requests;

/// <summary>
/// A filter of Ganeti's query language (nested lists such as <c>["&amp;", ["==", "pnode", "node1"], ["?", "oper_state"]]</c>).
/// Immutable: every combinator builds a new filter.
/// </summary>
[JsonConverter(typeof(QueryFilterJsonConverter))]
public sealed class QueryFilter
{
    private readonly JsonArray _json;

    private QueryFilter(JsonArray json) => _json = json;

    /// <summary>A copy of the filter as JSON.</summary>
    public JsonArray ToJson() => (JsonArray)_json.DeepClone();

    /// <summary><c>["==", field, value]</c>.</summary>
    public static QueryFilter Equal(string field, JsonNode? value) => Binary("==", field, value);

    /// <summary><c>["!=", field, value]</c>.</summary>
    public static QueryFilter NotEqual(string field, JsonNode? value) => Binary("!=", field, value);

    /// <summary><c>["&lt;", field, value]</c>.</summary>
    public static QueryFilter LessThan(string field, JsonNode? value) => Binary("<", field, value);

    /// <summary><c>["&lt;=", field, value]</c>.</summary>
    public static QueryFilter LessThanOrEqual(string field, JsonNode? value) => Binary("<=", field, value);

    /// <summary><c>["&gt;", field, value]</c>.</summary>
    public static QueryFilter GreaterThan(string field, JsonNode? value) => Binary(">", field, value);

    /// <summary><c>["&gt;=", field, value]</c>.</summary>
    public static QueryFilter GreaterThanOrEqual(string field, JsonNode? value) => Binary(">=", field, value);

    /// <summary><c>["=~", field, regex]</c>.</summary>
    public static QueryFilter Matches(string field, string regex) => Binary("=~", field, regex);

    /// <summary><c>["=[]", field, value]</c>: a list field contains the value.</summary>
    public static QueryFilter Contains(string field, JsonNode? value) => Binary("=[]", field, value);

    /// <summary><c>["?", field]</c>: the field is true / non-empty.</summary>
    public static QueryFilter IsTrue(string field)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(field);
        return new QueryFilter(["?", field]);
    }

    /// <summary><c>["&amp;", ...]</c>.</summary>
    public static QueryFilter And(params IEnumerable<QueryFilter> filters) => Combine("&", filters);

    /// <summary><c>["|", ...]</c>.</summary>
    public static QueryFilter Or(params IEnumerable<QueryFilter> filters) => Combine("|", filters);

    /// <summary><c>["!", filter]</c>.</summary>
    public static QueryFilter Not(QueryFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return new QueryFilter(["!", filter.ToJson()]);
    }

    /// <summary>Wraps a filter already written as JSON (must be an array).</summary>
    public static QueryFilter FromJson(JsonArray json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return new QueryFilter((JsonArray)json.DeepClone());
    }

    /// <summary>The JSON text.</summary>
    public override string ToString() => _json.ToJsonString();

    private static QueryFilter Binary(string op, string field, JsonNode? value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(field);
        return new QueryFilter([op, field, value?.DeepClone()]);
    }

    private static QueryFilter Combine(string op, IEnumerable<QueryFilter> filters)
    {
        ArgumentNullException.ThrowIfNull(filters);
        var array = new JsonArray(op);
        foreach (var filter in filters)
        {
            array.Add((JsonNode?)filter.ToJson());
        }

        return new QueryFilter(array);
    }
}
