using System.Security.Claims;
using GanetiWebManager.Web.Features.Clusters;
using GanetiWebManager.Web.Features.Jobs;

namespace GanetiWebManager.Web.Features.Overview;

/// <summary>
/// The overview dashboard in one read: every cluster with its status, capacity and VM counts, the totals,
/// the latest jobs and the errors not yet cleared, each filtered by what the user may see.
/// </summary>
public sealed class OverviewQueries(ClusterQueries clusters, JobQueries jobs)
{
    public const int RecentJobCount = 10;

    public const int OpenErrorLimit = 20;

    public async Task<OverviewSnapshot> GetAsync(ClaimsPrincipal user, CancellationToken ct)
    {
        var clusterList = await clusters.ListAsync(user, ct);
        var recentJobs = await jobs.ListAsync(user, new JobQuery { PageSize = RecentJobCount }, ct);
        var errors = await clusters.ListErrorsAsync(user, clusterId: null, includeCleared: false, OpenErrorLimit, ct);
        return new OverviewSnapshot(
            clusterList,
            clusterList.Sum(c => c.Vms.Running),
            clusterList.Sum(c => c.Vms.Total),
            recentJobs.Rows,
            errors);
    }
}

public sealed record OverviewSnapshot(
    IReadOnlyList<ClusterSummary> Clusters,
    int VmsRunning,
    int VmsTotal,
    IReadOnlyList<JobRow> RecentJobs,
    IReadOnlyList<ClusterErrorRow> OpenErrors);
