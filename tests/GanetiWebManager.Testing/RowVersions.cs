using Npgsql;

namespace GanetiWebManager.Testing;

/// <summary>
/// The transaction id that last wrote each row of the inventory tables (PostgreSQL's xmin). A row no statement
/// touched keeps its xmin, so two equal readings prove that nothing in between wrote a row.
/// </summary>
public static class RowVersions
{
    public static readonly string[] InventoryTables = ["clusters", "nodes", "virtual_machines", "cluster_errors", "jobs"];

    public static async Task<Dictionary<string, string>> ReadAsync(string connectionString)
    {
        var versions = new Dictionary<string, string>();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        foreach (var table in InventoryTables)
        {
            await using var command = new NpgsqlCommand($"SELECT id::text, xmin::text FROM {table}", connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                versions[$"{table}:{reader.GetString(0)}"] = reader.GetString(1);
            }
        }

        return versions;
    }

    /// <summary>Rows written (inserted, updated or deleted) between two readings, per table.</summary>
    public static Dictionary<string, int> Changes(Dictionary<string, string> before, Dictionary<string, string> after) =>
        before.Keys.Union(after.Keys)
            .Where(k => !before.TryGetValue(k, out var b) || !after.TryGetValue(k, out var a) || a != b)
            .GroupBy(k => k[..k.IndexOf(':', StringComparison.Ordinal)])
            .ToDictionary(g => g.Key, g => g.Count());
}
