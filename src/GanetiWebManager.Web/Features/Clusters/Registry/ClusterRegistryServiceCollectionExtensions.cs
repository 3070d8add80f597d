using FluentValidation;

namespace GanetiWebManager.Web.Features.Clusters.Registry;

public static class ClusterRegistryServiceCollectionExtensions
{
    /// <summary>The cluster registry: its service (per circuit, it reads the signed-in user), form rules and connection tests.</summary>
    public static IServiceCollection AddClusterRegistry(this IServiceCollection services)
    {
        services.AddScoped<IClusterRegistryLookup, ClusterRegistryLookup>();
        services.AddScoped<IValidator<ClusterForm>, ClusterFormValidator>();
        services.AddSingleton<ClusterConnectionTester>();
        services.AddScoped<ClusterRegistryService>();
        return services;
    }
}
