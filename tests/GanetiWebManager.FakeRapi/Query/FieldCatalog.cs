using System.Reflection;
using System.Text.Json.Nodes;

namespace GanetiWebManager.FakeRapi.Query;

/// <summary>A query field's description as <c>/2/query/{resource}/fields</c> gives it.</summary>
internal sealed record FieldDefinition(string Name, string Title, string Kind, string Doc)
{
    public static FieldDefinition Unknown(string name) => new(name, name, "unknown", $"Unknown field '{name}'");

    public JsonObject ToJson() => new() { ["name"] = Name, ["title"] = Title, ["kind"] = Kind, ["doc"] = Doc };
}

/// <summary>
/// The field descriptions of each query resource, recorded from a real Ganeti 3.0.2 (titles, kinds and docs are
/// Ganeti's own), in Ganeti's order.
/// </summary>
internal static class FieldCatalog
{
    private static readonly Dictionary<string, IReadOnlyList<FieldDefinition>> Catalogs = Load();

    public static IReadOnlyList<FieldDefinition> For(string resource) => Catalogs.GetValueOrDefault(resource) ?? [];

    public static FieldDefinition Describe(string resource, string name) =>
        For(resource).FirstOrDefault(f => f.Name == name) ?? FieldDefinition.Unknown(name);

    public static bool IsKnown(string resource, string name) => For(resource).Any(f => f.Name == name);

    private static Dictionary<string, IReadOnlyList<FieldDefinition>> Load()
    {
        var result = new Dictionary<string, IReadOnlyList<FieldDefinition>>(StringComparer.Ordinal);
        foreach (var resource in new[] { "instance", "node", "job", "group", "network" })
        {
            using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"FakeRapi.fields-{resource}.json")
                ?? throw new InvalidOperationException($"The embedded fields-{resource}.json is missing.");
            var fields = (JsonArray)JsonNode.Parse(stream)!["fields"]!;
            result[resource] = fields
                .Select(f => new FieldDefinition((string)f!["name"]!, (string)f["title"]!, (string)f["kind"]!, (string)f["doc"]!))
                .ToList();
        }

        return result;
    }
}
