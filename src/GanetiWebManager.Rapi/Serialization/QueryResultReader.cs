using System.Text.Json;
using GanetiWebManager.Rapi.Models;

namespace GanetiWebManager.Rapi.Serialization;

/// <summary>
/// Reads a query answer. The cells are heterogeneous <c>[status, value]</c> pairs, so the answer is parsed once into
/// a single document and the cells point into it: no per-cell allocation.
/// </summary>
internal static class QueryResultReader
{
    public static QueryResult Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("A query answer must be an object with 'fields' and 'data'.");
        }

        var fields = new List<QueryFieldDefinition>();
        if (root.TryGetProperty("fields", out var fieldsJson) && fieldsJson.ValueKind == JsonValueKind.Array)
        {
            fields.AddRange(fieldsJson.EnumerateArray().Select(f => f.Deserialize(RapiJsonContext.Default.QueryFieldDefinition)
                ?? throw new JsonException("A query field description is null.")));
        }

        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < fields.Count; i++)
        {
            index.TryAdd(fields[i].Name, i);
        }

        var rows = new List<QueryRow>();
        if (root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array)
        {
            foreach (var row in data.EnumerateArray())
            {
                if (row.ValueKind != JsonValueKind.Array)
                {
                    throw new JsonException("A query row must be a list of [status, value] cells.");
                }

                var cells = new List<QueryCell>(row.GetArrayLength());
                foreach (var cell in row.EnumerateArray())
                {
                    if (cell.ValueKind != JsonValueKind.Array || cell.GetArrayLength() < 2 || cell[0].ValueKind != JsonValueKind.Number)
                    {
                        throw new JsonException("A query cell must be [status, value].");
                    }

                    cells.Add(new QueryCell((QueryCellStatus)cell[0].GetInt32(), cell[1]));
                }

                rows.Add(new QueryRow(cells, index));
            }
        }

        return new QueryResult(fields, rows);
    }
}
