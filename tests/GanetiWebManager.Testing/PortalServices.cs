using GanetiWebManager.Web;
using GanetiWebManager.Web.Data;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GanetiWebManager.Testing;

/// <summary>
/// The portal's services, registered by the same extension methods Program.cs uses, without the web
/// host: for testing a service directly against a real database.
/// </summary>
public static class PortalServices
{
    public static async Task<ServiceProvider> CreateAsync(TestDatabase database, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? configure = null)
    {
        var values = new Dictionary<string, string?> { ["Database:ConnectionString"] = database.ConnectionString };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        services.AddRouting(); // authorization policies resolve endpoint metadata through it
        services.AddPortalCore();
        configure?.Invoke(services); // last, so a test can replace a registration (e.g. wrap the RAPI client factory)
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        await provider.GetRequiredService<SchemaMigrator>().MigrateAsync(CancellationToken.None);
        return provider;
    }
}
