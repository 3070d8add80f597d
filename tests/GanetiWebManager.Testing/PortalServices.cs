using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Features.Access;
using GanetiWebManager.Web.Features.Accounts;
using GanetiWebManager.Web.Features.Clusters;
using GanetiWebManager.Web.Features.Jobs;
using GanetiWebManager.Web.Features.LiveUpdates;
using GanetiWebManager.Web.Features.Overview;
using GanetiWebManager.Web.Features.Sync;
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
        services.AddSingleton(TimeProvider.System);
        services.AddRouting(); // authorization policies resolve endpoint metadata through it
        services.AddPortalData();
        services.AddClusterConnections();
        services.AddSingleton<LiveUpdateHub>();
        services.AddAccounts();
        services.AddAccess();
        services.AddClusterSync();
        services.AddInventoryViews();
        services.AddJobs();
        configure?.Invoke(services); // last, so a test can replace a registration (e.g. wrap the RAPI client factory)
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        await provider.GetRequiredService<SchemaMigrator>().MigrateAsync(CancellationToken.None);
        return provider;
    }
}
