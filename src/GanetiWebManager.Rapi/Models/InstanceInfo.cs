using System.Text.Json;
using System.Text.Json.Serialization;

namespace GanetiWebManager.Rapi.Models;

/// <summary>
/// An instance as listed by <c>GET /2/instances?bulk=1</c> or <c>GET /2/instances/{name}</c>.
/// Live values (<see cref="Status"/>, <c>Oper*</c>) are null when the primary node did not answer.
/// </summary>
public sealed record InstanceInfo
{
    /// <summary>Instance name.</summary>
    [JsonPropertyName("name")] public string Name { get; init => field = value ?? ""; } = "";

    /// <summary>Instance UUID.</summary>
    [JsonPropertyName("uuid")] public string? Uuid { get; init; }

    /// <summary>OS (<c>name+variant</c>).</summary>
    [JsonPropertyName("os")] public string? Os { get; init; }

    /// <summary>Primary node.</summary>
    [JsonPropertyName("pnode")] public string? PrimaryNode { get; init; }

    /// <summary>Secondary nodes (DRBD).</summary>
    [JsonPropertyName("snodes")] public IReadOnlyList<string> SecondaryNodes { get; init => field = value ?? []; } = [];

    /// <summary>Disk template (<c>diskless</c>, <c>file</c>, <c>drbd</c>..., or <c>mixed</c>).</summary>
    [JsonPropertyName("disk_template")] public string? DiskTemplate { get; init; }

    /// <summary>Configured state: <c>up</c>, <c>down</c> or <c>offline</c>.</summary>
    [JsonPropertyName("admin_state")] public string? AdminState { get; init; }

    /// <summary>Computed status: <c>running</c>, <c>ADMIN_down</c>, <c>ERROR_down</c>, <c>ERROR_nodedown</c>...</summary>
    [JsonPropertyName("status")] public string? Status { get; init; }

    /// <summary>Whether the instance actually runs (null if unknown).</summary>
    [JsonPropertyName("oper_state")] public bool? OperState { get; init; }

    /// <summary>Memory in use (MiB), null when not running.</summary>
    [JsonPropertyName("oper_ram")] public long? OperRam { get; init; }

    /// <summary>VCPUs in use, null when not running.</summary>
    [JsonPropertyName("oper_vcpus")] public int? OperVcpus { get; init; }

    /// <summary>VNC/SPICE port, or null. With <c>hvparams.vnc_bind_address</c> it is the console fallback when
    /// <c>/console</c> fails (Ganeti 3.0.2 answers 500 for kvm+VNC).</summary>
    [JsonPropertyName("network_port")] public int? NetworkPort { get; init; }

    /// <summary>Disk sizes in MiB.</summary>
    [JsonPropertyName("disk.sizes")] public IReadOnlyList<long> DiskSizes { get; init => field = value ?? []; } = [];

    /// <summary>Disk spindles.</summary>
    [JsonPropertyName("disk.spindles")] public IReadOnlyList<int?> DiskSpindles { get; init => field = value ?? []; } = [];

    /// <summary>Disk names.</summary>
    [JsonPropertyName("disk.names")] public IReadOnlyList<string?> DiskNames { get; init => field = value ?? []; } = [];

    /// <summary>Disk UUIDs.</summary>
    [JsonPropertyName("disk.uuids")] public IReadOnlyList<string?> DiskUuids { get; init => field = value ?? []; } = [];

    /// <summary>Space used on the nodes in MiB (includes DRBD metadata), not the guest's disk size.</summary>
    [JsonPropertyName("disk_usage")] public long? DiskUsage { get; init; }

    /// <summary>NIC IP addresses.</summary>
    [JsonPropertyName("nic.ips")] public IReadOnlyList<string?> NicIps { get; init => field = value ?? []; } = [];

    /// <summary>NIC MAC addresses.</summary>
    [JsonPropertyName("nic.macs")] public IReadOnlyList<string?> NicMacs { get; init => field = value ?? []; } = [];

    /// <summary>NIC modes (<c>bridged</c>, <c>routed</c>, <c>openvswitch</c>).</summary>
    [JsonPropertyName("nic.modes")] public IReadOnlyList<string?> NicModes { get; init => field = value ?? []; } = [];

    /// <summary>NIC links.</summary>
    [JsonPropertyName("nic.links")] public IReadOnlyList<string?> NicLinks { get; init => field = value ?? []; } = [];

    /// <summary>NIC bridges (bridged mode).</summary>
    [JsonPropertyName("nic.bridges")] public IReadOnlyList<string?> NicBridges { get; init => field = value ?? []; } = [];

    /// <summary>NIC names.</summary>
    [JsonPropertyName("nic.names")] public IReadOnlyList<string?> NicNames { get; init => field = value ?? []; } = [];

    /// <summary>NIC UUIDs.</summary>
    [JsonPropertyName("nic.uuids")] public IReadOnlyList<string?> NicUuids { get; init => field = value ?? []; } = [];

    /// <summary>NIC network UUIDs.</summary>
    [JsonPropertyName("nic.networks")] public IReadOnlyList<string?> NicNetworks { get; init => field = value ?? []; } = [];

    /// <summary>NIC network names.</summary>
    [JsonPropertyName("nic.networks.names")] public IReadOnlyList<string?> NicNetworkNames { get; init => field = value ?? []; } = [];

    /// <summary>Effective backend parameters (merged with cluster defaults; RAPI adds <c>memory</c> = maxmem).</summary>
    [JsonPropertyName("beparams")] public ParameterDictionary BeParams { get; init => field = value ?? ParameterDictionary.Empty; } = ParameterDictionary.Empty;

    /// <summary>Effective hypervisor parameters.</summary>
    [JsonPropertyName("hvparams")] public ParameterDictionary HvParams { get; init => field = value ?? ParameterDictionary.Empty; } = ParameterDictionary.Empty;

    /// <summary>Instance-level backend parameter overrides only.</summary>
    [JsonPropertyName("custom_beparams")] public ParameterDictionary CustomBeParams { get; init => field = value ?? ParameterDictionary.Empty; } = ParameterDictionary.Empty;

    /// <summary>Instance-level hypervisor parameter overrides only.</summary>
    [JsonPropertyName("custom_hvparams")] public ParameterDictionary CustomHvParams { get; init => field = value ?? ParameterDictionary.Empty; } = ParameterDictionary.Empty;

    /// <summary>Instance-level OS parameters (Ganeti 3.1 and later).</summary>
    [JsonPropertyName("custom_osparams")] public ParameterDictionary CustomOsParams { get; init => field = value ?? ParameterDictionary.Empty; } = ParameterDictionary.Empty;

    /// <summary>Instance-level NIC parameter overrides, one object per NIC.</summary>
    [JsonPropertyName("custom_nicparams")] public IReadOnlyList<ParameterDictionary> CustomNicParams { get; init => field = value ?? []; } = [];

    /// <summary>Tags.</summary>
    [JsonPropertyName("tags")] public IReadOnlyList<string> Tags { get; init => field = value ?? []; } = [];

    /// <summary>Configuration serial number; bumped by every committed change of the instance.</summary>
    [JsonPropertyName("serial_no")] public long? SerialNo { get; init; }

    /// <summary>Creation time, float epoch seconds.</summary>
    [JsonPropertyName("ctime")] public double? CTime { get; init; }

    /// <summary>Modification time, float epoch seconds.</summary>
    [JsonPropertyName("mtime")] public double? MTime { get; init; }

    /// <summary><see cref="CTime"/> as a UTC time.</summary>
    [JsonIgnore] public DateTimeOffset? CreatedAt => RapiTime.FromEpochSeconds(CTime);

    /// <summary><see cref="MTime"/> as a UTC time.</summary>
    [JsonIgnore] public DateTimeOffset? ModifiedAt => RapiTime.FromEpochSeconds(MTime);

    /// <summary>Every key not mapped above, raw.</summary>
    [JsonExtensionData, JsonInclude] public Dictionary<string, JsonElement>? AdditionalProperties { get; internal set; }
}
