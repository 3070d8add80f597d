using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace GanetiWebManager.Web.Data;

/// <summary>
/// Applies the versioned SQL scripts embedded from Data/Migrations (docs/decisions/0004-versioned-sql-migrations.md).
/// All pending scripts run in one transaction under an advisory lock, so two portal instances starting
/// together never race and a failed upgrade leaves the previous schema intact.
/// </summary>
public sealed partial class SchemaMigrator(NpgsqlDataSource dataSource, TimeProvider timeProvider, ILogger<SchemaMigrator> logger)
{
    // Any constant unique to this application; pg_advisory_xact_lock takes a bigint.
    private const long MigrationLockKey = 0x4757_4d5f_5343_4845; // "GWM_SCHE"
    private const string ResourcePrefix = "Migrations.";

    /// <summary>Brings the database to the newest schema and returns the versions it applied.</summary>
    public async Task<IReadOnlyList<int>> MigrateAsync(CancellationToken ct)
    {
        var scripts = LoadScripts();
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);

        await ExecuteAsync(connection, $"SELECT pg_advisory_xact_lock({MigrationLockKey})", ct);
        await ExecuteAsync(connection, """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                sha256 text NOT NULL,
                applied_at timestamp with time zone NOT NULL)
            """, ct);

        var applied = await ReadAppliedAsync(connection, ct);
        var known = scripts.ToDictionary(s => s.Version);
        foreach (var (version, sha256) in applied)
        {
            if (!known.TryGetValue(version, out var script))
            {
                throw new InvalidOperationException(
                    $"The database has schema version {version}, which this portal does not know. " +
                    "It was upgraded by a newer portal; run that version or restore a backup.");
            }

            if (script.Sha256 != sha256)
            {
                throw new InvalidOperationException(
                    $"Migration {script.Name} was changed after it was applied. Never edit an applied migration; add a new one.");
            }
        }

        var newlyApplied = new List<int>();
        foreach (var script in scripts.Where(s => !applied.ContainsKey(s.Version)))
        {
            LogApplying(script.Name);
            await ExecuteAsync(connection, script.Sql, ct);
            await using var record = new NpgsqlCommand(
                "INSERT INTO schema_migrations (version, name, sha256, applied_at) VALUES ($1, $2, $3, $4)", connection);
            record.Parameters.Add(new() { Value = script.Version });
            record.Parameters.Add(new() { Value = script.Name });
            record.Parameters.Add(new() { Value = script.Sha256 });
            record.Parameters.Add(new() { Value = timeProvider.GetUtcNow() });
            await record.ExecuteNonQueryAsync(ct);
            newlyApplied.Add(script.Version);
        }

        await transaction.CommitAsync(ct);
        return newlyApplied;
    }

    internal static IReadOnlyList<MigrationScript> LoadScripts()
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        var scripts = new List<MigrationScript>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            var name = resource[ResourcePrefix.Length..];
            var separator = name.IndexOf('_', StringComparison.Ordinal);
            if (separator <= 0 || !int.TryParse(name.AsSpan(0, separator), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            {
                throw new InvalidOperationException($"Migration resource '{name}' must be named NNNN_description.sql.");
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var sql = reader.ReadToEnd();
            var sha256 = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql)));
            scripts.Add(new MigrationScript(version, name, sql, sha256));
        }

        var duplicate = scripts.GroupBy(s => s.Version).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"Two migrations share version {duplicate.Key}.");
        }

        return [.. scripts.OrderBy(s => s.Version)];
    }

    private static async Task<Dictionary<int, string>> ReadAppliedAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var applied = new Dictionary<int, string>();
        await using var command = new NpgsqlCommand("SELECT version, sha256 FROM schema_migrations", connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            applied[reader.GetInt32(0)] = reader.GetString(1);
        }

        return applied;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applying database migration {Name}")]
    private partial void LogApplying(string name);

    internal sealed record MigrationScript(int Version, string Name, string Sql, string Sha256);
}
