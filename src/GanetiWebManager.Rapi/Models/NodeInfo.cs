using System.Text.Json;
using System.Text.Json.Serialization;

namespace GanetiWebManager.Rapi.Models;

/// <summary>
/// A node as listed by <c>GET /2/nodes?bulk=1</c> or <c>GET /2/nodes/{name}</c>. Memory and disk are in MiB;
/// live values (<c>m*</c>, <c>d*</c>, <c>sp*</c>, <c>c*</c>) are null when the node is offline or down.
/// </summary>
public sealed record NodeInfo
{
    /// <summary>Node name.</summary>
    [JsonPropertyName("name")] public string Name { get; init => field = value ?? ""; } = "";

    /// <summary>Node UUID.</summary>
    [JsonPropertyName("uuid")] public string? Uuid { get; init; }

    /// <summary>Role letter as sent (<c>M</c>, <c>C</c>, <c>R</c>, <c>D</c>, <c>O</c>).</summary>
    [JsonPropertyName("role")] public string? RoleCode { get; init; }

    /// <summary><see cref="RoleCode"/> decoded.</summary>
    [JsonIgnore] public NodeRole Role => NodeRoleExtensions.ParseRapiString(RoleCode);

    /// <summary>Offline flag.</summary>
    [JsonPropertyName("offline")] public bool? Offline { get; init; }

    /// <summary>Drained flag.</summary>
    [JsonPropertyName("drained")] public bool? Drained { get; init; }

    /// <summary>Master candidate flag.</summary>
    [JsonPropertyName("master_candidate")] public bool? MasterCandidate { get; init; }

    /// <summary>Whether the node may become master.</summary>
    [JsonPropertyName("master_capable")] public bool? MasterCapable { get; init; }

    /// <summary>Whether the node may run instances.</summary>
    [JsonPropertyName("vm_capable")] public bool? VmCapable { get; init; }

    /// <summary>UUID of the node group (RAPI has no group name here: join with the groups).</summary>
    [JsonPropertyName("group.uuid")] public string? GroupUuid { get; init; }

    /// <summary>Primary IP.</summary>
    [JsonPropertyName("pip")] public string? PrimaryIp { get; init; }

    /// <summary>Secondary IP.</summary>
    [JsonPropertyName("sip")] public string? SecondaryIp { get; init; }

    /// <summary>Total memory (MiB).</summary>
    [JsonPropertyName("mtotal")] public long? MemoryTotal { get; init; }

    /// <summary>Memory used by the node itself (MiB).</summary>
    [JsonPropertyName("mnode")] public long? MemoryNode { get; init; }

    /// <summary>Free memory (MiB).</summary>
    [JsonPropertyName("mfree")] public long? MemoryFree { get; init; }

    /// <summary>Total disk (MiB).</summary>
    [JsonPropertyName("dtotal")] public long? DiskTotal { get; init; }

    /// <summary>Free disk (MiB).</summary>
    [JsonPropertyName("dfree")] public long? DiskFree { get; init; }

    /// <summary>Total spindles.</summary>
    [JsonPropertyName("sptotal")] public long? SpindlesTotal { get; init; }

    /// <summary>Free spindles.</summary>
    [JsonPropertyName("spfree")] public long? SpindlesFree { get; init; }

    /// <summary>Total CPUs.</summary>
    [JsonPropertyName("ctotal")] public int? CpuTotal { get; init; }

    /// <summary>CPUs reserved for the node OS.</summary>
    [JsonPropertyName("cnos")] public int? CpuNodeOs { get; init; }

    /// <summary>NUMA nodes.</summary>
    [JsonPropertyName("cnodes")] public int? CpuNodes { get; init; }

    /// <summary>CPU sockets.</summary>
    [JsonPropertyName("csockets")] public int? CpuSockets { get; init; }

    /// <summary>Number of primary instances.</summary>
    [JsonPropertyName("pinst_cnt")] public int? PrimaryInstanceCount { get; init; }

    /// <summary>Number of secondary instances.</summary>
    [JsonPropertyName("sinst_cnt")] public int? SecondaryInstanceCount { get; init; }

    /// <summary>Primary instances.</summary>
    [JsonPropertyName("pinst_list")] public IReadOnlyList<string> PrimaryInstances { get; init => field = value ?? []; } = [];

    /// <summary>Secondary instances.</summary>
    [JsonPropertyName("sinst_list")] public IReadOnlyList<string> SecondaryInstances { get; init => field = value ?? []; } = [];

    /// <summary>Node parameters.</summary>
    [JsonPropertyName("ndparams")] public ParameterDictionary NdParams { get; init => field = value ?? ParameterDictionary.Empty; } = ParameterDictionary.Empty;

    /// <summary>Tags.</summary>
    [JsonPropertyName("tags")] public IReadOnlyList<string> Tags { get; init => field = value ?? []; } = [];

    /// <summary>Configuration serial number.</summary>
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
