using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace GanetiWebManager.Web.Data;

public static class DataServiceCollectionExtensions
{
    /// <summary>PostgreSQL through one shared data source, a DbContext factory, migrations and the key ring.</summary>
    public static IServiceCollection AddPortalData(this IServiceCollection services)
    {
        services.AddOptions<DatabaseOptions>()
            .BindConfiguration(DatabaseOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => IsValidConnectionString(o.ConnectionString), "Database:ConnectionString is not a valid PostgreSQL connection string.")
            .ValidateOnStart();

        services.AddSingleton(sp => NpgsqlDataSource.Create(sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.ConnectionString));
        services.AddDbContextFactory<AppDbContext>((sp, options) =>
            options.UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton<SchemaMigrator>();

        services.AddDataProtection().SetApplicationName("GanetiWebManager");
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp =>
            new ConfigureOptions<KeyManagementOptions>(o =>
                o.XmlRepository = new DatabaseXmlRepository(sp.GetRequiredService<IDbContextFactory<AppDbContext>>())));
        return services;
    }

    private static bool IsValidConnectionString(string value)
    {
        try
        {
            _ = new NpgsqlConnectionStringBuilder(value);
            return !string.IsNullOrWhiteSpace(value);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
