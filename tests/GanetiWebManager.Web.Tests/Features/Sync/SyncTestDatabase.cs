using GanetiWebManager.Web.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace GanetiWebManager.Web.Tests.Features.Sync;

/// <summary>Reads what the sync wrote, and proves what it did not write.</summary>
internal static class SyncTestDatabase
{
    /// <summary>
    /// The transaction id that last wrote each row of the inventory tables. A row no statement touched keeps
    /// its xmin, so equal snapshots before and after a pass prove the pass wrote nothing.
    /// </summary>
    public static async Task<Dictionary<string, string>> RowVersionsAsync(string connectionString)
    {
        var versions = new Dictionary<string, string>();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        foreach (var table in new[] { "clusters", "nodes", "virtual_machines", "cluster_errors", "jobs" })
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

    public static async Task<T> QueryAsync<T>(IDbContextFactory<AppDbContext> factory, Func<AppDbContext, Task<T>> query)
    {
        await using var db = await factory.CreateDbContextAsync();
        return await query(db);
    }
}
