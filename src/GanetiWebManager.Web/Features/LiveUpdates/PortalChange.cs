namespace GanetiWebManager.Web.Features.LiveUpdates;

/// <summary>Something the database now says differently; open pages showing it re-read and re-render.</summary>
public abstract record PortalChange(int ClusterId);

/// <summary>A cluster's own data changed: registry fields, mirrored info, sync state or errors.</summary>
public sealed record ClusterChanged(int ClusterId) : PortalChange(ClusterId);

/// <summary>Nodes of a cluster were added, changed or flagged missing.</summary>
public sealed record NodesChanged(int ClusterId) : PortalChange(ClusterId);

/// <summary>Virtual machines of a cluster were added, changed or flagged missing (their ids, when few).</summary>
public sealed record VirtualMachinesChanged(int ClusterId, IReadOnlyCollection<long> Ids) : PortalChange(ClusterId)
{
    /// <summary>When more than this many VMs change at once, <see cref="Ids"/> is left empty: "many".</summary>
    public const int MaxIds = 200;

    public bool Concerns(long vmId) => Ids.Count == 0 || Ids.Contains(vmId);
}

/// <summary>A job was recorded, submitted, progressed or ended.</summary>
public sealed record JobChanged(int ClusterId, long JobId, long? VirtualMachineId, int? NodeId) : PortalChange(ClusterId);

/// <summary>
/// Who may do or see what changed (a grant, a membership, a user's flags): every open page re-reads, so a
/// loss of access shows within moments. <see cref="PortalChange.ClusterId"/> is 0: it concerns no single cluster.
/// </summary>
public sealed record AccessChanged() : PortalChange(0);
