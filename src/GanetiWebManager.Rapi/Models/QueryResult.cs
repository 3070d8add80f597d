using System.Text.Json;
using System.Text.Json.Serialization;

namespace GanetiWebManager.Rapi.Models;

/// <summary>Status of one query cell, the first element of each <c>[status, value]</c> pair.</summary>
public enum QueryCellStatus
{
    /// <summary>0: a normal value.</summary>
    Normal = 0,

    /// <summary>1: the field name is unknown to this Ganeti version.</summary>
    UnknownField = 1,

    /// <summary>2: no data (e.g. not applicable).</summary>
    NoData = 2,

    /// <summary>3: temporarily unavailable (e.g. a node RPC failed).</summary>
    Unavailable = 3,

    /// <summary>4: the node is marked offline.</summary>
    NodeOffline = 4,
}

/// <summary>A field description of a query answer.</summary>
public sealed record QueryFieldDefinition
{
    /// <summary>Field name, e.g. <c>serial_no</c>.</summary>
    [JsonPropertyName("name")] public string Name { get; init => field = value ?? ""; } = "";

    /// <summary>Column title.</summary>
    [JsonPropertyName("title")] public string? Title { get; init; }

    /// <summary><c>text</c>, <c>number</c>, <c>float</c>, <c>bool</c>, <c>unit</c>, <c>timestamp</c>, <c>other</c>
    /// or <c>unknown</c>.</summary>
    [JsonPropertyName("kind")] public string? Kind { get; init; }

    /// <summary>Description.</summary>
    [JsonPropertyName("doc")] public string? Doc { get; init; }
}

/// <summary>One cell of a query answer.</summary>
/// <param name="Status">Cell status; <see cref="Value"/> is JSON null unless it is <see cref="QueryCellStatus.Normal"/>.</param>
/// <param name="Value">The value, raw.</param>
public readonly record struct QueryCell(QueryCellStatus Status, JsonElement Value)
{
    /// <summary>True when the cell holds a normal, non-null value.</summary>
    public bool HasValue => Status == QueryCellStatus.Normal && Value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined);

    /// <summary>The value as a string, or null.</summary>
    public string? AsString() => HasValue && Value.ValueKind == JsonValueKind.String ? Value.GetString() : null;

    /// <summary>The value as an integer, or null.</summary>
    public long? AsInt64() => HasValue && Value.ValueKind == JsonValueKind.Number && Value.TryGetInt64(out var n) ? n : null;

    /// <summary>The value as a floating-point number (e.g. <c>mtime</c>), or null.</summary>
    public double? AsDouble() => HasValue && Value.ValueKind == JsonValueKind.Number ? Value.GetDouble() : null;

    /// <summary>The value as a boolean, or null.</summary>
    public bool? AsBoolean() => HasValue && Value.ValueKind is JsonValueKind.True or JsonValueKind.False ? Value.GetBoolean() : null;

    /// <summary>The value as a list of strings (e.g. <c>snodes</c>, <c>tags</c>), or null.</summary>
    public IReadOnlyList<string?>? AsStringList() => HasValue && Value.ValueKind == JsonValueKind.Array
        ? Value.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString() : e.GetRawText()).ToList()
        : null;
}

/// <summary>One row of a query answer; cells can be read by position or by field name.</summary>
public sealed class QueryRow
{
    private readonly IReadOnlyDictionary<string, int> _fieldIndex;

    internal QueryRow(IReadOnlyList<QueryCell> cells, IReadOnlyDictionary<string, int> fieldIndex)
    {
        Cells = cells;
        _fieldIndex = fieldIndex;
    }

    /// <summary>Cells in field order.</summary>
    public IReadOnlyList<QueryCell> Cells { get; }

    /// <summary>The cell at a position.</summary>
    public QueryCell this[int index] => Cells[index];

    /// <summary>The cell of a field.</summary>
    /// <exception cref="KeyNotFoundException">The field was not requested.</exception>
    public QueryCell this[string field] => _fieldIndex.TryGetValue(field, out var i) && i < Cells.Count
        ? Cells[i]
        : throw new KeyNotFoundException($"The query did not ask for field '{field}'.");
}

/// <summary>The answer of <c>/2/query/{resource}</c>.</summary>
public sealed class QueryResult
{
    internal QueryResult(IReadOnlyList<QueryFieldDefinition> fields, IReadOnlyList<QueryRow> rows)
    {
        Fields = fields;
        Rows = rows;
    }

    /// <summary>Field descriptions, in the requested order.</summary>
    public IReadOnlyList<QueryFieldDefinition> Fields { get; }

    /// <summary>The rows.</summary>
    public IReadOnlyList<QueryRow> Rows { get; }
}
