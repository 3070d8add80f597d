using System.Text.Json;
using System.Text.Json.Serialization;

namespace GanetiWebManager.Rapi.Models;

/// <summary>Cluster information from <c>GET /2/info</c>. Every key is optional: Ganeti versions differ.</summary>
public sealed record ClusterInfo
{
    /// <summary>Ganeti version, e.g. <c>3.0.2</c>.</summary>
    [JsonPropertyName("software_version")] public string? SoftwareVersion { get; init; }

    /// <summary>Protocol version, e.g. <c>3000000</c>.</summary>
    [JsonPropertyName("protocol_version")] public long? ProtocolVersion { get; init; }

    /// <summary>Configuration version.</summary>
    [JsonPropertyName("config_version")] public long? ConfigVersion { get; init; }

    /// <summary>Highest OS API version supported.</summary>
    [JsonPropertyName("os_api_version")] public long? OsApiVersion { get; init; }

    /// <summary>Export format version.</summary>
    [JsonPropertyName("export_version")] public long? ExportVersion { get; init; }

    /// <summary>Build/packaging version text.</summary>
    [JsonPropertyName("vcs_version")] public string? VcsVersion { get; init; }

    /// <summary><c>[bits, machine]</c>, e.g. <c>["64bits", "x86_64"]</c>.</summary>
    [JsonPropertyName("architecture")] public IReadOnlyList<string> Architecture { get; init => field = value ?? []; } = [];

    /// <summary>Cluster name.</summary>
    [JsonPropertyName("name")] public string? Name { get; init; }

    /// <summary>Name of the current master node.</summary>
    [JsonPropertyName("master")] public string? Master { get; init; }

    /// <summary>Hypervisor used when a create request names none.</summary>
    [JsonPropertyName("default_hypervisor")] public string? DefaultHypervisor { get; init; }

    /// <summary>Enabled hypervisors.</summary>
    [JsonPropertyName("enabled_hypervisors")] public IReadOnlyList<string> EnabledHypervisors { get; init => field = value ?? []; } = [];

    /// <summary>Enabled disk templates.</summary>
    [JsonPropertyName("enabled_disk_templates")] public IReadOnlyList<string> EnabledDiskTemplates { get; init => field = value ?? []; } = [];

    /// <summary>Cluster hypervisor parameters, one nested object per hypervisor.</summary>
    [JsonPropertyName("hvparams")] public ParameterDictionary HvParams { get; init => field = value ?? ParameterDictionary.Empty; } = ParameterDictionary.Empty;

    /// <summary>Per-OS hypervisor parameter overrides.</summary>
    [JsonPropertyName("os_hvp")] public ParameterDictionary OsHvp { get; init => field = value ?? ParameterDictionary.Empty; } = ParameterDictionary.Empty;

    /// <summary>Backend parameters; the cluster defaults are under <c>default</c>.</summary>
    [JsonPropertyName("beparams")] public ParameterDictionary BeParams { get; init => field = value ?? ParameterDictionary.Empty; } = ParameterDictionary.Empty;

    /// <summary>Cluster OS parameters.</summary>
    [JsonPropertyName("osparams")] public ParameterDictionary OsParams { get; init => field = value ?? ParameterDictionary.Empty; } = ParameterDictionary.Empty;

    /// <summary>Instance policy.</summary>
    [JsonPropertyName("ipolicy")] public ParameterDictionary IPolicy { get; init => field = value ?? ParameterDictionary.Empty; } = ParameterDictionary.Empty;

    /// <summary>NIC parameters; defaults under <c>default</c>.</summary>
    [JsonPropertyName("nicparams")] public ParameterDictionary NicParams { get; init => field = value ?? ParameterDictionary.Empty; } = ParameterDictionary.Empty;

    /// <summary>Node parameters.</summary>
    [JsonPropertyName("ndparams")] public ParameterDictionary NdParams { get; init => field = value ?? ParameterDictionary.Empty; } = ParameterDictionary.Empty;

    /// <summary>Disk parameters per template.</summary>
    [JsonPropertyName("diskparams")] public ParameterDictionary DiskParams { get; init => field = value ?? ParameterDictionary.Empty; } = ParameterDictionary.Empty;

    /// <summary>Wanted number of master candidates.</summary>
    [JsonPropertyName("candidate_pool_size")] public int? CandidatePoolSize { get; init; }

    /// <summary>Maximum number of jobs running at once.</summary>
    [JsonPropertyName("max_running_jobs")] public int? MaxRunningJobs { get; init; }

    /// <summary>Maximum number of jobs tracked.</summary>
    [JsonPropertyName("max_tracked_jobs")] public int? MaxTrackedJobs { get; init; }

    /// <summary>MAC prefix for generated NIC addresses.</summary>
    [JsonPropertyName("mac_prefix")] public string? MacPrefix { get; init; }

    /// <summary>Network device carrying the master IP.</summary>
    [JsonPropertyName("master_netdev")] public string? MasterNetdev { get; init; }

    /// <summary>Netmask length of the master IP.</summary>
    [JsonPropertyName("master_netmask")] public int? MasterNetmask { get; init; }

    /// <summary>LVM volume group name, if any.</summary>
    [JsonPropertyName("volume_group_name")] public string? VolumeGroupName { get; init; }

    /// <summary>DRBD usermode helper, if any.</summary>
    [JsonPropertyName("drbd_usermode_helper")] public string? DrbdUsermodeHelper { get; init; }

    /// <summary>Directory of the <c>file</c> disk template.</summary>
    [JsonPropertyName("file_storage_dir")] public string? FileStorageDir { get; init; }

    /// <summary>Directory of the <c>sharedfile</c> disk template.</summary>
    [JsonPropertyName("shared_file_storage_dir")] public string? SharedFileStorageDir { get; init; }

    /// <summary>Default instance allocator (e.g. <c>hail</c>).</summary>
    [JsonPropertyName("default_iallocator")] public string? DefaultIAllocator { get; init; }

    /// <summary>IP version of the primary network (4 or 6).</summary>
    [JsonPropertyName("primary_ip_version")] public int? PrimaryIpVersion { get; init; }

    /// <summary>Hidden OSes.</summary>
    [JsonPropertyName("hidden_os")] public IReadOnlyList<string> HiddenOs { get; init => field = value ?? []; } = [];

    /// <summary>Blacklisted OSes.</summary>
    [JsonPropertyName("blacklisted_os")] public IReadOnlyList<string> BlacklistedOs { get; init => field = value ?? []; } = [];

    /// <summary>Whether the watcher maintains node health.</summary>
    [JsonPropertyName("maintain_node_health")] public bool? MaintainNodeHealth { get; init; }

    /// <summary>Cluster UUID.</summary>
    [JsonPropertyName("uuid")] public string? Uuid { get; init; }

    /// <summary>Cluster tags.</summary>
    [JsonPropertyName("tags")] public IReadOnlyList<string> Tags { get; init => field = value ?? []; } = [];

    /// <summary>Creation time, float epoch seconds.</summary>
    [JsonPropertyName("ctime")] public double? CTime { get; init; }

    /// <summary>Last modification time, float epoch seconds. Coarse: the cluster has no serial number in RAPI.</summary>
    [JsonPropertyName("mtime")] public double? MTime { get; init; }

    /// <summary><see cref="CTime"/> as a UTC time.</summary>
    [JsonIgnore] public DateTimeOffset? CreatedAt => RapiTime.FromEpochSeconds(CTime);

    /// <summary><see cref="MTime"/> as a UTC time.</summary>
    [JsonIgnore] public DateTimeOffset? ModifiedAt => RapiTime.FromEpochSeconds(MTime);

    /// <summary>Every key not mapped above, raw.</summary>
    [JsonExtensionData, JsonInclude] public Dictionary<string, JsonElement>? AdditionalProperties { get; internal set; }
}
