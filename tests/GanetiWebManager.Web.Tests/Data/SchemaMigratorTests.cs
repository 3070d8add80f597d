using GanetiWebManager.Testing;
using GanetiWebManager.Web.Data;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace GanetiWebManager.Web.Tests.Data;

public sealed class SchemaMigratorTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private NpgsqlDataSource _dataSource = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync("migrator");
        _dataSource = NpgsqlDataSource.Create(_database.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await _dataSource.DisposeAsync();
        await _database.DisposeAsync();
    }

    private SchemaMigrator NewMigrator() => new(_dataSource, TimeProvider.System, NullLogger<SchemaMigrator>.Instance);

    [Fact]
    public async Task MigrateAsync_EmptyDatabase_AppliesEveryScriptOnceInOrder()
    {
        var applied = await NewMigrator().MigrateAsync(CancellationToken.None);

        applied.ShouldBe(SchemaMigrator.LoadScripts().Select(s => s.Version).ToList());
        applied.ShouldNotBeEmpty();
        (await ScalarAsync<long>("SELECT count(*) FROM schema_migrations")).ShouldBe(applied.Count);
    }

    [Fact]
    public async Task MigrateAsync_SecondRun_AppliesNothing()
    {
        await NewMigrator().MigrateAsync(CancellationToken.None);

        var second = await NewMigrator().MigrateAsync(CancellationToken.None);

        second.ShouldBeEmpty();
    }

    [Fact]
    public async Task MigrateAsync_TwoInstancesAtOnce_ApplyEachScriptExactlyOnce()
    {
        // Two portal instances starting together: the advisory lock serialises them.
        var results = await Task.WhenAll(NewMigrator().MigrateAsync(CancellationToken.None), NewMigrator().MigrateAsync(CancellationToken.None));

        results.Sum(r => r.Count).ShouldBe(SchemaMigrator.LoadScripts().Count);
        (await ScalarAsync<long>("SELECT count(*) FROM schema_migrations")).ShouldBe(SchemaMigrator.LoadScripts().Count);
    }

    [Fact]
    public async Task MigrateAsync_AppliedScriptWasEdited_RefusesToStart()
    {
        await NewMigrator().MigrateAsync(CancellationToken.None);
        await ScalarAsync<int>("UPDATE schema_migrations SET sha256 = 'edited' WHERE version = 1 RETURNING version");

        var error = await Should.ThrowAsync<InvalidOperationException>(() => NewMigrator().MigrateAsync(CancellationToken.None));

        error.Message.ShouldContain("was changed after it was applied");
    }

    [Fact]
    public async Task MigrateAsync_DatabaseFromANewerPortal_RefusesToStart()
    {
        await NewMigrator().MigrateAsync(CancellationToken.None);
        await ScalarAsync<int>("INSERT INTO schema_migrations VALUES (9999, '9999_future.sql', 'x', now()) RETURNING version");

        var error = await Should.ThrowAsync<InvalidOperationException>(() => NewMigrator().MigrateAsync(CancellationToken.None));

        error.Message.ShouldContain("schema version 9999");
    }

    [Fact]
    public async Task MigrateAsync_FailingScript_LeavesTheDatabaseUntouched()
    {
        // A table the first migration creates already exists: the script fails half-way.
        await ScalarAsync<int>("CREATE TABLE data_protection_keys (id int); SELECT 1");

        await Should.ThrowAsync<PostgresException>(() => NewMigrator().MigrateAsync(CancellationToken.None));

        (await ScalarAsync<bool>("SELECT to_regclass('public.clusters') IS NULL")).ShouldBeTrue("no table of the failed upgrade may remain");
        (await ScalarAsync<bool>("SELECT to_regclass('public.schema_migrations') IS NULL")).ShouldBeTrue();
    }

    private async Task<T> ScalarAsync<T>(string sql)
    {
        await using var command = _dataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
