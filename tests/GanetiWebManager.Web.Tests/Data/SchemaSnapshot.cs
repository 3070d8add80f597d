using Npgsql;

namespace GanetiWebManager.Web.Tests.Data;

/// <summary>Everything about a schema that matters to the application, as comparable lines of text.</summary>
internal static class SchemaSnapshot
{
    private const string Query = """
        SELECT 'column ' || c.table_name || '.' || c.column_name || ' ' || c.data_type
               || coalesce('(' || c.character_maximum_length || ')', '')
               || CASE WHEN c.is_nullable = 'NO' THEN ' not null' ELSE '' END
               || coalesce(' default ' || c.column_default, '')
               || coalesce(' identity ' || c.identity_generation, '')
        FROM information_schema.columns c
        WHERE c.table_schema = 'public'
        UNION ALL
        SELECT 'constraint ' || rel.relname || '.' || con.conname || ' ' || pg_get_constraintdef(con.oid)
        FROM pg_constraint con JOIN pg_class rel ON rel.oid = con.conrelid JOIN pg_namespace n ON n.oid = rel.relnamespace
        WHERE n.nspname = 'public'
        UNION ALL
        SELECT 'index ' || tablename || '.' || indexname || ' ' || indexdef
        FROM pg_indexes WHERE schemaname = 'public'
        UNION ALL
        SELECT 'sequence ' || sequence_name || ' ' || data_type
        FROM information_schema.sequences WHERE sequence_schema = 'public'
        """;

    public static async Task<HashSet<string>> ReadAsync(string connectionString, string[]? ignoreTables = null)
    {
        var lines = new HashSet<string>(StringComparer.Ordinal);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(Query, connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var line = reader.GetString(0);
            if (ignoreTables?.Any(t => line.Contains($" {t}.", StringComparison.Ordinal)) != true)
            {
                lines.Add(line);
            }
        }

        return lines;
    }
}
