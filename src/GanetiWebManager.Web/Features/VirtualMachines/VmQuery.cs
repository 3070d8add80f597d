using GanetiWebManager.Web.Data;

namespace GanetiWebManager.Web.Features.VirtualMachines;

/// <summary>
/// What a VM list shows: filters, free-text search, sort and page. Every value is optional; unknown
/// values (a cluster that does not exist, a status Ganeti does not have) match nothing rather than fail.
/// </summary>
public sealed record VmQuery
{
    /// <summary>Status filter for VMs whose status starts with <c>ERROR_</c>.</summary>
    public const string StatusError = "error";

    /// <summary>Status filter for VMs gone from Ganeti.</summary>
    public const string StatusMissing = "missing";

    /// <summary>Status filter for VMs whose delete job was submitted.</summary>
    public const string StatusPendingDelete = "pending-delete";

    /// <summary>Owner filter for VMs without an owner.</summary>
    public const string OwnerOrphans = "orphans";

    public const string OwnerUserPrefix = "user:";

    public const string OwnerGroupPrefix = "group:";

    /// <summary>Cluster slug.</summary>
    public string? Cluster { get; init; }

    /// <summary>A Ganeti status (<c>running</c>, <c>ADMIN_down</c>...), or <see cref="StatusError"/>,
    /// <see cref="StatusMissing"/>, <see cref="StatusPendingDelete"/>.</summary>
    public string? Status { get; init; }

    /// <summary><c>user:&lt;user name&gt;</c>, <c>group:&lt;group slug&gt;</c> or <see cref="OwnerOrphans"/>.</summary>
    public string? Owner { get; init; }

    /// <summary>Node name; see <see cref="NodePlacement"/>.</summary>
    public string? Node { get; init; }

    public VmNodePlacement NodePlacement { get; init; } = VmNodePlacement.PrimaryOrSecondary;

    /// <summary>Exact OS name, e.g. <c>debootstrap+default</c>.</summary>
    public string? Os { get; init; }

    /// <summary>Words that must each occur in the VM's name, OS, nodes, addresses, tags or owner's name.</summary>
    public string? Search { get; init; }

    public VmSort Sort { get; init; } = VmSort.Name;

    public bool Descending { get; init; }

    /// <summary>1-based.</summary>
    public int Page { get; init; } = 1;

    public int PageSize { get; init; } = Paging.DefaultPageSize;

    public static string OwnerKeyOfUser(string userName) => OwnerUserPrefix + userName;

    public static string OwnerKeyOfGroup(string groupSlug) => OwnerGroupPrefix + groupSlug;
}

public enum VmSort
{
    Name,
    Cluster,
    Status,
    Os,
    Node,
    Owner,
    Vcpus,
    Memory,
    Disk,
}

/// <summary>Which role of a node the node filter looks at.</summary>
public enum VmNodePlacement
{
    PrimaryOrSecondary,
    Primary,
    Secondary,
}
