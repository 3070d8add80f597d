using Npgsql;

namespace GanetiWebManager.Testing;

/// <summary>
/// A PostgreSQL database of its own for one test class, created empty and dropped afterwards.
/// The server comes from GWM_TEST_DATABASE (set by ./build.sh test), a connection string whose role
/// may create databases. Tests use the real database engine the portal runs on, never a stand-in.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string EnvironmentVariable = "GWM_TEST_DATABASE";

    private TestDatabase(string name, string connectionString)
    {
        Name = name;
        ConnectionString = connectionString;
    }

    public string Name { get; }

    public string ConnectionString { get; }

    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{EnvironmentVariable} is not set. These tests need PostgreSQL: run `sudo ./build.sh test`, or set " +
                $"{EnvironmentVariable} to a connection string of a role with CREATEDB (e.g. Host=127.0.0.1;Username=gwm;Password=...;Database=postgres).");

    public static async Task<TestDatabase> CreateAsync(string purpose = "test")
    {
        var name = $"gwm_{purpose}_{Guid.NewGuid():N}"[..40].ToLowerInvariant();
        await using (var connection = new NpgsqlConnection(ServerConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        var builder = new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = name };
        return new TestDatabase(name, builder.ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(ServerConnectionString);
        await connection.OpenAsync();
        // FORCE ends sessions a test left open; a session still starting can make one attempt fail.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection);
                await command.ExecuteNonQueryAsync();
                return;
            }
            catch (PostgresException) when (attempt < 5)
            {
                await Task.Delay(200 * attempt);
            }
        }
    }
}
