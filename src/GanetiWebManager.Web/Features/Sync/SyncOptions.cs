using System.ComponentModel.DataAnnotations;

namespace GanetiWebManager.Web.Features.Sync;

/// <summary>How often each part of a cluster is mirrored (product-spec §6). Validated at start.</summary>
public sealed class SyncOptions
{
    public const string SectionName = "Sync";

    /// <summary>Cheap poll of configuration change markers (serial, mtime, nodes, admin state, tags).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Sync:ConfigInterval must be between 1 second and 1 hour.")]
    public TimeSpan ConfigInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Runtime state (status, oper_state, oper_ram): asks every node, so less often.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Sync:RuntimeInterval must be between 1 second and 1 hour.")]
    public TimeSpan RuntimeInterval { get; set; } = TimeSpan.FromSeconds(20);

    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Sync:NodeInterval must be between 1 second and 1 hour.")]
    public TimeSpan NodeInterval { get; set; } = TimeSpan.FromSeconds(30);

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Sync:ClusterInfoInterval must be between 1 second and 1 day.")]
    public TimeSpan ClusterInfoInterval { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Jobs started outside the portal are discovered, and unfinished ones refreshed, this often.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Sync:JobInterval must be between 1 second and 1 hour.")]
    public TimeSpan JobInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A full listing of every instance, to catch anything the change markers could miss.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00", ErrorMessage = "Sync:FullRefreshInterval must be between 1 minute and 7 days.")]
    public TimeSpan FullRefreshInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How often a good sync that changed nothing records that it happened (the data age pages show).
    /// Between two heartbeats an unchanged cluster costs no database write at all.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00", ErrorMessage = "Sync:HeartbeatInterval must be between 5 seconds and 1 hour.")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Clusters synced at the same time (each also limits its own RAPI requests, see Rapi settings).</summary>
    [Range(1, 64, ErrorMessage = "Sync:MaxConcurrentClusters must be between 1 and 64.")]
    public int MaxConcurrentClusters { get; set; } = 4;

    /// <summary>When more than this share of a cluster's instances changed, one bulk listing replaces single fetches.</summary>
    [Range(1, 10_000, ErrorMessage = "Sync:SingleFetchLimit must be between 1 and 10000.")]
    public int SingleFetchLimit { get; set; } = 25;

    /// <summary>Turns the background sync off (tests that drive the synchronizer themselves).</summary>
    public bool Enabled { get; set; } = true;
}
