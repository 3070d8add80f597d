using GanetiWebManager.Web.Features.Clusters;
using GanetiWebManager.Web.Features.Jobs;
using GanetiWebManager.Web.Features.Nodes;
using GanetiWebManager.Web.Features.VirtualMachines;

namespace GanetiWebManager.Web.Features.Overview;

public static class InventoryViewsServiceCollectionExtensions
{
    /// <summary>
    /// The read side of the inventory (issue 3 §4): the queries behind the overview and the cluster, node,
    /// VM and job pages. One registration for the five folders keeps the composition root a one-line change.
    /// </summary>
    public static IServiceCollection AddInventoryViews(this IServiceCollection services)
    {
        services.AddScoped<ClusterQueries>();
        services.AddScoped<NodeQueries>();
        services.AddScoped<VirtualMachineQueries>();
        services.AddScoped<JobQueries>();
        services.AddScoped<OverviewQueries>();
        return services;
    }
}
