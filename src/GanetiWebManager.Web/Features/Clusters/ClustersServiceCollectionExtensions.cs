using GanetiWebManager.Rapi;

namespace GanetiWebManager.Web.Features.Clusters;

public static class ClustersServiceCollectionExtensions
{
    /// <summary>RAPI settings and the connector that turns registry rows into RAPI clients.</summary>
    public static IServiceCollection AddClusterConnections(this IServiceCollection services)
    {
        services.AddOptions<RapiSettings>()
            .BindConfiguration(RapiSettings.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<IGanetiRapiClientFactory>(sp => new GanetiRapiClientFactory(
            sp.GetRequiredService<ILoggerFactory>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<ClusterConnector>();
        // The registry stores a cluster's VNC password, the console relay reads it: both need the protector.
        services.AddSingleton<Console.VncPasswordProtector>();
        return services;
    }
}
