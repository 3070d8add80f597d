using GanetiWebManager.Web.Features.Clusters.Actions;
using GanetiWebManager.Web.Features.Nodes.Actions;

namespace GanetiWebManager.Web.Features.VirtualMachines.Actions;

public static class LifecycleActionsServiceCollectionExtensions
{
    /// <summary>
    /// The actions of issue 5 §3–§4: VM modify/rename/reinstall/migrate/failover/replace-disks/delete/tags/notes/lock,
    /// bulk actions, node and cluster actions, and the background pass that clears "pending delete" after a failed delete.
    /// </summary>
    public static IServiceCollection AddLifecycleActions(this IServiceCollection services)
    {
        services.AddSingleton<VmManageService>();
        services.AddSingleton<VmBulkService>();
        services.AddSingleton<NodeActionService>();
        services.AddSingleton<ClusterActionService>();
        services.AddSingleton<PendingDeleteReleaser>();
        services.AddHostedService(sp => sp.GetRequiredService<PendingDeleteReleaser>());
        return services;
    }
}
