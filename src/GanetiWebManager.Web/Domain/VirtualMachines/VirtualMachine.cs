namespace GanetiWebManager.Web.Domain.VirtualMachines;

/// <summary>
/// A Ganeti instance as the portal knows it: Ganeti's configuration and runtime state (mirrored by the
/// sync) plus what only the portal has (owner, notes, flags).
/// </summary>
public sealed class VirtualMachine
{
    public long Id { get; set; }

    public int ClusterId { get; set; }

    /// <summary>Instance name, unique per cluster, stored lower-case.</summary>
    public required string Name { get; set; }

    public string? Uuid { get; set; }

    // Owner: a user or a group, or neither (an orphan, charged to nobody).
    public Guid? OwnerUserId { get; set; }

    public int? OwnerGroupId { get; set; }

    // Runtime state (changes without bumping serial_no; refreshed on its own cadence).
    public string? Status { get; set; }

    public bool? OperState { get; set; }

    public long? OperRamMiB { get; set; }

    // Configuration (changes bump serial_no / mtime).
    public string? AdminState { get; set; }

    public string? Os { get; set; }

    public string? Hypervisor { get; set; }

    public int? Vcpus { get; set; }

    public long? MinMemoryMiB { get; set; }

    public long? MaxMemoryMiB { get; set; }

    public string? DiskTemplate { get; set; }

    /// <summary>Sum of the disk sizes in MiB: what quotas charge.</summary>
    public long DiskTotalMiB { get; set; }

    public List<VmDisk> Disks { get; set; } = [];

    public List<VmNic> Nics { get; set; } = [];

    public string? PrimaryNode { get; set; }

    public List<string> SecondaryNodes { get; set; } = [];

    public int? NetworkPort { get; set; }

    /// <summary>Effective hypervisor parameters (JSON object).</summary>
    public string HvParams { get; set; } = "{}";

    /// <summary>Effective backend parameters (JSON object).</summary>
    public string BeParams { get; set; } = "{}";

    /// <summary>Instance-level OS parameters (JSON object).</summary>
    public string OsParams { get; set; } = "{}";

    public List<string> Tags { get; set; } = [];

    public long? SerialNo { get; set; }

    public double? Ctime { get; set; }

    public double? Mtime { get; set; }

    // Portal-only state.
    public string Notes { get; set; } = "";

    /// <summary>A delete job was submitted; the VM stays listed (and charged) until it succeeds.</summary>
    public bool PendingDelete { get; set; }

    /// <summary>
    /// Locked by a cluster admin: owners and VM-level grantees may only view it (product-spec §3).
    /// </summary>
    public bool IsLocked { get; set; }

    /// <summary>Set when the instance is gone from Ganeti; an admin confirms its removal.</summary>
    public DateTimeOffset? MissingSince { get; set; }

    /// <summary>Lower-case text the free-text search matches: name, OS, nodes, addresses, tags.</summary>
    public string SearchText { get; set; } = "";

    public bool IsOrphan => OwnerUserId is null && OwnerGroupId is null;
}

public sealed class VmDisk
{
    public long SizeMiB { get; set; }

    public string? Name { get; set; }

    public string? Uuid { get; set; }

    public int? Spindles { get; set; }
}

public sealed class VmNic
{
    public string? Mac { get; set; }

    public string? Ip { get; set; }

    public string? Mode { get; set; }

    public string? Link { get; set; }

    public string? Network { get; set; }

    public string? Name { get; set; }

    public string? Uuid { get; set; }
}
