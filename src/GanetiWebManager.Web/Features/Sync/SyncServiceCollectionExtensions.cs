namespace GanetiWebManager.Web.Features.Sync;

public static class SyncServiceCollectionExtensions
{
    /// <summary>The synchronizer and its background scheduler, with validated intervals.</summary>
    public static IServiceCollection AddClusterSync(this IServiceCollection services)
    {
        services.AddOptions<SyncOptions>()
            .BindConfiguration(SyncOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<SyncRequests>();
        services.AddSingleton<ClusterSnapshots>();
        services.AddSingleton<ClusterSynchronizer>();
        services.AddHostedService<ClusterSyncService>();
        return services;
    }
}
