namespace GanetiWebManager.FakeRapi.Model;

/// <summary>Fields every Ganeti configuration object has. A committed change bumps <see cref="SerialNo"/> and sets
/// <see cref="MTime"/> (see <see cref="FakeCluster"/>.Touch).</summary>
internal abstract class ConfigObject
{
    public required string Uuid { get; init; }

    public double? CTime { get; set; }

    public double? MTime { get; set; }

    public long SerialNo { get; set; } = 1;

    public List<string> Tags { get; } = [];
}

internal sealed class FakeDisk
{
    public required string Uuid { get; init; }

    public long Size { get; set; }

    public string? Name { get; set; }

    public string Mode { get; set; } = "rw";

    public int? Spindles { get; set; }
}

internal sealed class FakeNic
{
    public required string Uuid { get; init; }

    public required string Mac { get; set; }

    public string? Ip { get; set; }

    public string Mode { get; set; } = "bridged";

    public required string Link { get; set; }

    public string? Name { get; set; }

    /// <summary>UUID of the network the NIC is in.</summary>
    public string? NetworkUuid { get; set; }

    public string? Vlan { get; set; }

    /// <summary>The NIC's own parameters (<c>custom_nicparams</c>), as given at creation.</summary>
    public OrderedParams Custom { get; set; } = new();
}

internal sealed class FakeInstance : ConfigObject
{
    public required string Name { get; set; }

    public required string Os { get; set; }

    public required string Hypervisor { get; set; }

    public required string PrimaryNode { get; set; }

    public List<string> SecondaryNodes { get; } = [];

    public required string DiskTemplate { get; set; }

    /// <summary><c>up</c>, <c>down</c> or <c>offline</c>.</summary>
    public string AdminState { get; set; } = "down";

    public string AdminStateSource { get; set; } = "admin";

    /// <summary>Runtime state: whether the hypervisor runs it (on its primary node). Not configuration: changing it
    /// bumps nothing.</summary>
    public bool Running { get; set; }

    public bool DisksActive { get; set; }

    public List<FakeDisk> Disks { get; } = [];

    public List<FakeNic> Nics { get; } = [];

    public OrderedParams CustomBeParams { get; set; } = new();

    public OrderedParams CustomHvParams { get; set; } = new();

    public OrderedParams CustomOsParams { get; set; } = new();

    public int? NetworkPort { get; set; }

    /// <summary>The instance's JSON as served by <c>GET /2/instances/{name}</c> and in the bulk list; null when it
    /// must be written again.</summary>
    public byte[]? CachedJson { get; set; }
}

internal sealed class FakeNode : ConfigObject
{
    public required string Name { get; init; }

    public required string GroupUuid { get; set; }

    public required string PrimaryIp { get; init; }

    public required string SecondaryIp { get; init; }

    public bool Offline { get; set; }

    public bool Drained { get; set; }

    public bool MasterCandidate { get; set; }

    public bool MasterCapable { get; set; } = true;

    public bool VmCapable { get; set; } = true;

    /// <summary>Runtime: the node does not answer RPCs (crashed, powered off). Its live values are null and its
    /// instances show <c>ERROR_nodedown</c>.</summary>
    public bool Down { get; set; }

    public long MemoryTotal { get; init; }

    public long MemoryNode { get; init; }

    public long DiskTotal { get; init; }

    public int CpuTotal { get; init; }

    public int CpuNodeOs { get; init; }

    public int CpuNodes { get; init; }

    public int CpuSockets { get; init; }

    public OrderedParams CustomNdParams { get; set; } = new();

    public string BootId { get; init; } = "";
}

internal sealed class FakeGroup : ConfigObject
{
    public required string Name { get; set; }

    public string AllocPolicy { get; set; } = "preferred";
}

internal sealed class FakeNetwork : ConfigObject
{
    public required string Name { get; set; }

    public required string Network { get; init; }

    public string? Gateway { get; init; }

    /// <summary>Connected groups: (group name, mode, link, vlan).</summary>
    public List<(string Group, string Mode, string Link, string Vlan)> Groups { get; } = [];

    /// <summary>Addresses used by NICs or reserved (network, gateway and broadcast are always reserved).</summary>
    public HashSet<string> UsedAddresses { get; } = [];
}
