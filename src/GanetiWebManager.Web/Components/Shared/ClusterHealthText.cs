using GanetiWebManager.Web.Features.Health;

namespace GanetiWebManager.Web.Components.Shared;

/// <summary>A cluster's sync state in one line: how old its data is and, when failing, why.</summary>
public static class ClusterHealthText
{
    public static string Describe(ClusterHealth health)
    {
        var age = health.LastSuccessAt is null ? "no data yet" : $"data from {DisplayFormat.Age(health.DataAge)} ago";
        return health.Status switch
        {
            ClusterHealthStatus.Ok => $"synced {DisplayFormat.Age(health.DataAge)} ago",
            ClusterHealthStatus.NeverSynced => "not synced yet",
            ClusterHealthStatus.Failing => $"{age} — {health.LastError}",
            _ => age,
        };
    }
}
