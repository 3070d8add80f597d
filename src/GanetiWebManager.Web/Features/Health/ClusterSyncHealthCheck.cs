using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace GanetiWebManager.Web.Features.Health;

/// <summary>
/// Reports how fresh each cluster's mirror is. A failing cluster degrades the portal, it does not make it
/// unhealthy: the portal keeps serving every other cluster (and this one's last known data).
/// </summary>
internal sealed class ClusterSyncHealthCheck(ClusterHealthReader reader) : IHealthCheck
{
    public const string ClustersKey = "clusters";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<ClusterHealth> clusters;
        try
        {
            clusters = await reader.ReadAllAsync(cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or OperationCanceledException)
        {
            // The database check reports the cause; this one only says it could not look.
            return HealthCheckResult.Unhealthy("Cluster status unknown: the database could not be read.");
        }

        var data = new Dictionary<string, object> { [ClustersKey] = clusters };
        var notOk = clusters.Count(c => c.Status != ClusterHealthStatus.Ok);
        return notOk == 0
            ? HealthCheckResult.Healthy($"{clusters.Count} cluster(s) in sync.", data)
            : HealthCheckResult.Degraded($"{notOk} of {clusters.Count} cluster(s) failing, stale or never synced.", data: data);
    }
}
