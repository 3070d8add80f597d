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
    private readonly Dictionary<long, MirrorState> _rows = [];
    private readonly Dictionary<string, MirrorState> _byName = [];
    private readonly Dictionary<string, MirrorState> _byUuid = [];

    public ClusterSnapshot(IEnumerable<MirrorState> rows)
    {
        foreach (var row in rows)
        {
            Set(row);
        }
    }

    public IReadOnlyDictionary<long, MirrorState> Rows => _rows;

    public IReadOnlyDictionary<string, MirrorState> ByName => _byName;

    public IReadOnlyDictionary<string, MirrorState> ByUuid => _byUuid;

    /// <summary>Adds or replaces a row, keeping the name and UUID lookups in step.</summary>
    public void Set(MirrorState row)
    {
        Remove(row.Id);
        _rows[row.Id] = row;
        _byName[row.Name] = row;
        if (row.Uuid is not null)
        {
            _byUuid[row.Uuid] = row;
        }
    }

    public void Remove(long id)
    {
        if (_rows.Remove(id, out var old))
        {
            if (_byName.TryGetValue(old.Name, out var named) && named.Id == id)
            {
                _byName.Remove(old.Name);
            }

            if (old.Uuid is not null && _byUuid.TryGetValue(old.Uuid, out var identified) && identified.Id == id)
            {
                _byUuid.Remove(old.Uuid);
            }
        }
    }

    /// <summary>The users and groups that existed when orphans were last checked against their tags.</summary>
    public string? OwnersFingerprint { get; set; }
}

/// <summary>What the last good pass wrote of a cluster's small parts (info, nodes), to skip unchanged ones without a database read.</summary>
public sealed class ClusterPartsMemo
{
    public string? InfoParameters { get; set; }

    public string? NodesSignature { get; set; }
}

/// <summary>The snapshots of every cluster this process syncs.</summary>
public sealed class ClusterSnapshots
{
    private readonly ConcurrentDictionary<int, ClusterSnapshot> _snapshots = new();
    private readonly ConcurrentDictionary<int, ClusterPartsMemo> _memos = new();

    public ClusterSnapshot? Get(int clusterId) => _snapshots.GetValueOrDefault(clusterId);

    public void Set(int clusterId, ClusterSnapshot snapshot) => _snapshots[clusterId] = snapshot;

    public ClusterPartsMemo Memo(int clusterId) => _memos.GetOrAdd(clusterId, _ => new ClusterPartsMemo());

    public void Forget(int clusterId)
    {
        _snapshots.TryRemove(clusterId, out _);
        _memos.TryRemove(clusterId, out _);
    }
}
