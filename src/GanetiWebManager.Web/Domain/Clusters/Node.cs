namespace GanetiWebManager.Web.Domain.Clusters;

/// <summary>A node of a cluster, as the sync last saw it.</summary>
public sealed class Node
{
    public int Id { get; set; }

    public int ClusterId { get; set; }

    /// <summary>Ganeti's node name (an FQDN), stored lower-case.</summary>
    public required string Name { get; set; }

    public string? Uuid { get; set; }

    public NodeRole Role { get; set; }

    public bool Offline { get; set; }

    public bool Drained { get; set; }

    public bool MasterCandidate { get; set; }

    public bool MasterCapable { get; set; }

    public bool VmCapable { get; set; }

    public string? GroupUuid { get; set; }

    public string? GroupName { get; set; }

    public string? PrimaryIp { get; set; }

    public string? SecondaryIp { get; set; }

    // Live values: null when the node did not answer (down or offline).
    public long? MemoryTotalMiB { get; set; }

    public long? MemoryFreeMiB { get; set; }

    public long? MemoryNodeMiB { get; set; }

    public long? DiskTotalMiB { get; set; }

    public long? DiskFreeMiB { get; set; }

    public int? CpuCount { get; set; }

    public int? CpuNodeCount { get; set; }

    public int? Sockets { get; set; }

    public int PrimaryInstanceCount { get; set; }

    public int SecondaryInstanceCount { get; set; }

    public List<string> Tags { get; set; } = [];

    public long? SerialNo { get; set; }

    public double? Mtime { get; set; }

    /// <summary>Set when the node is gone from Ganeti; an admin confirms its removal.</summary>
    public DateTimeOffset? MissingSince { get; set; }
}

/// <summary>Ganeti's node roles (the letters M, C, R, D, O of the RAPI <c>role</c> field).</summary>
public enum NodeRole
{
    Regular,
    Master,
    Candidate,
    Drained,
    Offline,
}
