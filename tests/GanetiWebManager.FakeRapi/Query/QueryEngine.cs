using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using GanetiWebManager.FakeRapi.Http;
using GanetiWebManager.FakeRapi.Json;
using GanetiWebManager.FakeRapi.Model;

namespace GanetiWebManager.FakeRapi.Query;

/// <summary>
/// <c>/2/query/{resource}</c>: the fields asked for, for the rows the filter keeps, as <c>[status, value]</c> cells.
/// Errors are answered as the real server does (a bad filter is a luxi parse error, 502; an unknown field in a
/// filter or a type mismatch, 500).
/// </summary>
internal static class QueryEngine
{
    public static byte[] Run(FakeCluster cluster, string resourceName, JsonNode? fieldsNode, JsonNode? filter)
    {
        if (resourceName == "cluster")
        {
            throw RapiHttpException.Internal("Query 'ItemTypeOpCode QRCluster' not supported");
        }

        var resource = QueryResource.Find(resourceName);
        if (resource is null && resourceName is not ("export" or "lock" or "filter"))
        {
            throw ParseError(resourceName, fieldsNode, filter, $"Can't parse value '{resourceName}' as neitherQueryTypeLuxi nor QueryTypeOp");
        }

        if (fieldsNode is not JsonArray fieldArray || fieldArray.Any(f => f is not JsonValue v || !v.TryGetValue<string>(out _)))
        {
            throw ParseError(resourceName, fieldsNode, filter, "Unable to read list");
        }

        var fields = fieldArray.Select(f => (string)f!).ToList();
        var predicate = filter is null ? null : ParseFilter(resourceName, fieldsNode, filter, filter);
        if (resource is null)
        {
            return Write(fields.Select(f => FieldDefinition.Unknown(f)).ToList(), []);
        }

        lock (cluster.Sync)
        {
            var key = resource.Cacheable ? $"query:{resourceName}:{string.Join(',', fields)}:{filter?.ToJsonString()}" : null;
            if (key is not null && cluster.Cache.TryGet(key, ClusterVersion(cluster), out var cached))
            {
                return cached;
            }

            var scratch = new QueryScratch();
            var definitions = fields.Select(f => FieldCatalog.Describe(resourceName, f)).ToList();
            var rows = new List<Cell[]>();
            foreach (var row in resource.Rows(cluster))
            {
                if (predicate is not null && !predicate(name => CellOf(resource, cluster, row, name, scratch)))
                {
                    continue;
                }

                var cells = new Cell[fields.Count];
                for (var k = 0; k < fields.Count; k++)
                {
                    cells[k] = definitions[k].Kind == "unknown" ? Cell.UnknownField : CellOf(resource, cluster, row, fields[k], scratch);
                }

                rows.Add(cells);
            }

            var body = Write(definitions, rows);
            if (key is not null)
            {
                cluster.Cache.Set(key, ClusterVersion(cluster), body);
            }

            return body;
        }
    }

    /// <summary><c>/2/query/{resource}/fields</c>.</summary>
    public static byte[] Fields(string resourceName, IReadOnlyList<string>? names)
    {
        var definitions = names is null ? FieldCatalog.For(resourceName) : names.Select(n => FieldCatalog.Describe(resourceName, n)).ToList();
        return PythonJson.Serialize(new JsonObject { ["fields"] = new JsonArray(definitions.Select(d => (JsonNode?)d.ToJson()).ToArray()) });
    }

    private static long ClusterVersion(FakeCluster cluster) => cluster.Version;

    private static Cell CellOf(QueryResource resource, FakeCluster cluster, object row, string field, QueryScratch scratch) =>
        resource.Get(cluster, row, field, scratch) ?? Cell.UnknownField;

    private static byte[] Write(IReadOnlyList<FieldDefinition> definitions, List<Cell[]> rows) => PythonJson.Write(w =>
    {
        w.WriteStartObject();
        w.WriteStartArray("data");
        foreach (var row in rows)
        {
            w.WriteStartArray();
            foreach (var cell in row)
            {
                w.WriteStartArray();
                w.WriteNumberValue(cell.Status);
                PythonJson.WriteNode(w, cell.Value);
                w.WriteEndArray();
            }

            w.WriteEndArray();
        }

        w.WriteEndArray();
        w.WriteStartArray("fields");
        foreach (var definition in definitions)
        {
            w.WriteStartObject();
            w.WriteString("name", definition.Name);
            w.WriteString("title", definition.Title);
            w.WriteString("kind", definition.Kind);
            w.WriteString("doc", definition.Doc);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    });

    private delegate bool Predicate(Func<string, Cell> cell);

    /// <summary>Ganeti's filter language: <c>&amp; | !</c>, <c>?</c> (truthy), <c>== = != &lt; &lt;= &gt; &gt;=</c>,
    /// <c>=~</c> (regex) and <c>=[]</c> (list contains).</summary>
    private static Predicate ParseFilter(string resource, JsonNode? fields, JsonNode? whole, JsonNode? filter)
    {
        if (filter is not JsonArray array || array.Count == 0 || array[0] is not JsonValue opValue || !opValue.TryGetValue<string>(out var op))
        {
            throw ParseError(resource, fields, whole, $"Cannot deserialise filter: expected array [string, args], got {PythonJson.SerializeToString(filter)}");
        }

        switch (op)
        {
            case "&" or "|":
                var parts = array.Skip(1).Select(f => ParseFilter(resource, fields, whole, f)).ToList();
                return op == "&" ? cell => parts.All(p => p(cell)) : cell => parts.Any(p => p(cell));
            case "!":
                if (array.Count != 2)
                {
                    throw ParseError(resource, fields, whole, "Invalid not filter");
                }

                var inner = ParseFilter(resource, fields, whole, array[1]);
                return cell => !inner(cell);
            case "?":
                var truthField = FieldName(resource, array, 2);
                return cell => cell(truthField) is { Status: 0 } c && Truthy(c.Value);
            case "==" or "=" or "!=" or "<" or "<=" or ">" or ">=" or "=~" or "=[]":
                var field = FieldName(resource, array, 3);
                var value = array[2];
                if (op == "=~")
                {
                    var regex = new Regex((string?)value ?? "", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
                    return cell => cell(field) is { Status: 0, Value: JsonValue v } && v.TryGetValue<string>(out var s) && regex.IsMatch(s);
                }

                return cell => cell(field) is { Status: 0 } c && Compare(op, c.Value, value);
            default:
                throw ParseError(resource, fields, whole, $"Unknown filter operand '{op}'");
        }
    }

    private static string FieldName(string resource, JsonArray array, int length)
    {
        if (array.Count != length || array[1] is not JsonValue v || !v.TryGetValue<string>(out var name))
        {
            throw RapiHttpException.Internal($"Invalid filter {PythonJson.SerializeToString(array)}");
        }

        if (!FieldCatalog.IsKnown(resource, name))
        {
            throw RapiHttpException.Internal($"Can't find field named '{name}'");
        }

        return name;
    }

    private static bool Truthy(JsonNode? value) => value switch
    {
        null => false,
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        JsonValue v when v.TryGetValue<string>(out var s) => s.Length > 0,
        JsonValue v when Number(v) is { } d => d != 0,
        JsonArray a => a.Count > 0,
        JsonObject o => o.Count > 0,
        _ => true,
    };

    private static bool Compare(string op, JsonNode? actual, JsonNode? expected)
    {
        if (op == "=[]")
        {
            return actual is JsonArray list && list.Any(item => JsonNode.DeepEquals(item, expected));
        }

        if (op is "==" or "=" or "!=")
        {
            var equal = JsonNode.DeepEquals(actual, expected) || (Number(actual) is { } a && Number(expected) is { } b && a == b);
            return op == "!=" ? !equal : equal;
        }

        int order;
        if (Number(actual) is { } x && Number(expected) is { } y)
        {
            order = x.CompareTo(y);
        }
        else if (actual is JsonValue av && av.TryGetValue<string>(out var s1) && expected is JsonValue ev && ev.TryGetValue<string>(out var s2))
        {
            order = string.CompareOrdinal(s1, s2);
        }
        else
        {
            throw RapiHttpException.Internal(
                $"Invalid types in comparison, trying to compare {PythonJson.SerializeToString(actual)} with '{Describe(expected)}'");
        }

        return op switch
        {
            "<" => order < 0,
            "<=" => order <= 0,
            ">" => order > 0,
            _ => order >= 0,
        };
    }

    private static string Describe(JsonNode? value) => value switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => $"QuotedString \"{s}\"",
        JsonValue v when Jobs.Units.Long(v) is { } l => "NumericValue " + l.ToString(CultureInfo.InvariantCulture),
        _ => PythonJson.SerializeToString(value),
    };

    private static double? Number(JsonNode? node) => Jobs.Units.Number(node);

    private static RapiHttpException ParseError(string resource, JsonNode? fields, JsonNode? filter, string error)
    {
        var request = new JsonArray(resource, fields?.DeepClone(), filter?.DeepClone());
        return new RapiHttpException(502, $"Failed to parse request: Cannot convert value '{PythonJson.SerializeToString(request)}', error: {error}");
    }
}
