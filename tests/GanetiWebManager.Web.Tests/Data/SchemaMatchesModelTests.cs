using GanetiWebManager.Testing;
using GanetiWebManager.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace GanetiWebManager.Web.Tests.Data;

/// <summary>
/// The SQL migrations and the EF model must describe the same schema: a database migrated from empty is
/// compared, catalog entry by catalog entry, with one created from the model. When this fails, the
/// message lists the differences and where to find the SQL the model would generate.
/// </summary>
public sealed class SchemaMatchesModelTests
{
    [Fact]
    public async Task MigratedDatabase_HasExactlyTheSchemaOfTheEfModel()
    {
        await using var migrated = await TestDatabase.CreateAsync("migrated");
        await using var fromModel = await TestDatabase.CreateAsync("model");

        await using (var dataSource = NpgsqlDataSource.Create(migrated.ConnectionString))
        {
            await new SchemaMigrator(dataSource, TimeProvider.System, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        }

        string modelScript;
        await using (var db = new AppDbContext(new DbContextOptionsBuilder<AppDbContext>().UseNpgsql(fromModel.ConnectionString).Options))
        {
            await db.Database.EnsureCreatedAsync();
            modelScript = db.Database.GenerateCreateScript();
        }

        var expected = await SchemaSnapshot.ReadAsync(fromModel.ConnectionString);
        var actual = await SchemaSnapshot.ReadAsync(migrated.ConnectionString, ignoreTables: ["schema_migrations"]);

        var missing = expected.Except(actual).ToList();
        var extra = actual.Except(expected).ToList();
        if (missing.Count > 0 || extra.Count > 0)
        {
            var scriptPath = Path.Combine(Path.GetTempPath(), "gwm-model-schema.sql");
            await File.WriteAllTextAsync(scriptPath, modelScript);
            Assert.Fail(
                "The migrations in src/GanetiWebManager.Web/Data/Migrations do not match the EF model.\n" +
                $"In the model but not in the migrated database:\n  {string.Join("\n  ", missing)}\n" +
                $"In the migrated database but not in the model:\n  {string.Join("\n  ", extra)}\n" +
                $"The model's full CREATE script is in {scriptPath}; write the next NNNN_*.sql migration from it.");
        }

        expected.Count.ShouldBeGreaterThan(50, "the snapshot must actually read the catalog");
    }
}
