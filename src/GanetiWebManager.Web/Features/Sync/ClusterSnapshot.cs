using System.Collections.Concurrent;

namespace GanetiWebManager.Web.Features.Sync;

/// <summary>
/// What the database holds of one cluster's VMs, as far as Ganeti's fields go, kept in memory between
/// passes so that an unchanged cluster costs no database read either. Valid only while this process is the
/// cluster's only syncer (it holds the advisory lock) and has written every change itself; the scheduler
/// forgets it whenever that may not hold, and any failure in a pass forgets it too.
/// </summary>
public sealed class ClusterSnapshot
{
    public ClusterSnapshot(IEnumerable<MirrorState> rows)
    {
        foreach (var row in rows)
        {
            Rows[row.Id] = row;
        }
    }

    public Dictionary<long, MirrorState> Rows { get; } = [];

    /// <summary>The users and groups that existed when orphans were last checked against their tags.</summary>
    public string? OwnersFingerprint { get; set; }
}

/// <summary>The snapshots of every cluster this process syncs.</summary>
public sealed class ClusterSnapshots
{
    private readonly ConcurrentDictionary<int, ClusterSnapshot> _snapshots = new();

    public ClusterSnapshot? Get(int clusterId) => _snapshots.GetValueOrDefault(clusterId);

    public void Set(int clusterId, ClusterSnapshot snapshot) => _snapshots[clusterId] = snapshot;

    public void Forget(int clusterId) => _snapshots.TryRemove(clusterId, out _);
}
