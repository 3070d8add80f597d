using System.Text.Json.Serialization;

namespace GanetiWebManager.Rapi.Requests;

/// <summary>
/// Body of <c>POST /2/instances</c> in the <c>__version__: 1</c> format. Null properties are not sent, so Ganeti's
/// defaults apply; <see cref="NameCheck"/> and <see cref="IpCheck"/> are always sent because their defaults
/// changed in Ganeti 3.1 (true before, false since).
/// </summary>
public sealed record CreateInstanceRequest : DryRunJobOptions
{
    /// <summary>Request format version; RAPI rejects anything but 1.</summary>
    [JsonPropertyName("__version__")] public int Version { get; } = 1;

    /// <summary><c>create</c> (default), <c>import</c> or <c>remote-import</c>.</summary>
    [JsonPropertyName("mode")] public string Mode { get; init; } = "create";

    /// <summary>Instance name (<c>[\w._-]+</c>).</summary>
    [JsonPropertyName("name")] public required string Name { get; init; }

    /// <summary>Disk template: <c>diskless</c>, <c>file</c>, <c>sharedfile</c>, <c>plain</c>, <c>drbd</c> (never
    /// <c>drbd8</c>), <c>rbd</c>, <c>ext</c>...</summary>
    [JsonPropertyName("disk_template")] public required string DiskTemplate { get; init; }

    /// <summary>Disks; empty for <c>diskless</c>.</summary>
    [JsonPropertyName("disks")] public IReadOnlyList<DiskDefinition> Disks { get; init; } = [];

    /// <summary>NICs; may be empty.</summary>
    [JsonPropertyName("nics")] public IReadOnlyList<NicDefinition> Nics { get; init; } = [];

    /// <summary>OS (<c>name+variant</c>).</summary>
    [JsonPropertyName("os_type")] public string? OsType { get; init; }

    /// <summary>Hypervisor; the cluster default when null.</summary>
    [JsonPropertyName("hypervisor")] public string? Hypervisor { get; init; }

    /// <summary>Primary node; leave null and set <see cref="IAllocator"/> (or nothing) to let Ganeti choose.</summary>
    [JsonPropertyName("pnode")] public string? PrimaryNode { get; init; }

    /// <summary>Secondary node (<c>drbd</c>).</summary>
    [JsonPropertyName("snode")] public string? SecondaryNode { get; init; }

    /// <summary>Instance allocator choosing the nodes (e.g. <c>hail</c>).</summary>
    [JsonPropertyName("iallocator")] public string? IAllocator { get; init; }

    /// <summary>Node group to allocate in.</summary>
    [JsonPropertyName("group_name")] public string? GroupName { get; init; }

    /// <summary>Backend parameters (<c>vcpus</c>, <c>maxmem</c>, <c>minmem</c>, <c>memory</c>...).</summary>
    [JsonPropertyName("beparams")] public IReadOnlyDictionary<string, object?>? BeParams { get; init; }

    /// <summary>Hypervisor parameters.</summary>
    [JsonPropertyName("hvparams")] public IReadOnlyDictionary<string, object?>? HvParams { get; init; }

    /// <summary>OS parameters.</summary>
    [JsonPropertyName("osparams")] public IReadOnlyDictionary<string, object?>? OsParams { get; init; }

    /// <summary>Private OS parameters (not shown in listings).</summary>
    [JsonPropertyName("osparams_private")] public IReadOnlyDictionary<string, object?>? OsParamsPrivate { get; init; }

    /// <summary>Start after creation (Ganeti's default: true).</summary>
    [JsonPropertyName("start")] public bool? Start { get; init; }

    /// <summary>Skip the OS create scripts.</summary>
    [JsonPropertyName("no_install")] public bool? NoInstall { get; init; }

    /// <summary>Check that the name resolves (and expand it to the FQDN).</summary>
    [JsonPropertyName("name_check")] public bool NameCheck { get; init; }

    /// <summary>Check that the name's IP is not in use (needs <see cref="NameCheck"/>).</summary>
    [JsonPropertyName("ip_check")] public bool IpCheck { get; init; }

    /// <summary>Check for IP conflicts in networks.</summary>
    [JsonPropertyName("conflicts_check")] public bool? ConflictsCheck { get; init; }

    /// <summary>Wait for disk mirrors to sync before returning.</summary>
    [JsonPropertyName("wait_for_sync")] public bool? WaitForSync { get; init; }

    /// <summary>Tags to give the instance at creation.</summary>
    [JsonPropertyName("tags")] public IReadOnlyList<string>? Tags { get; init; }

    /// <summary>Directory for <c>file</c>/<c>sharedfile</c> disks.</summary>
    [JsonPropertyName("file_storage_dir")] public string? FileStorageDir { get; init; }

    /// <summary>File driver (<c>loop</c>, <c>blktap</c>, <c>blktap2</c>).</summary>
    [JsonPropertyName("file_driver")] public string? FileDriver { get; init; }

    /// <summary>Accept an OS without an explicit variant.</summary>
    [JsonPropertyName("force_variant")] public bool? ForceVariant { get; init; }

    /// <summary>Ignore the instance policy.</summary>
    [JsonPropertyName("ignore_ipolicy")] public bool? IgnoreIPolicy { get; init; }

    /// <summary>Import mode: source node.</summary>
    [JsonPropertyName("src_node")] public string? SourceNode { get; init; }

    /// <summary>Import mode: source path.</summary>
    [JsonPropertyName("src_path")] public string? SourcePath { get; init; }

    /// <summary>Any other opcode parameter (<c>depends</c>, <c>priority</c>, <c>comment</c>, newer keys).</summary>
    [JsonExtensionData] public IDictionary<string, object>? AdditionalParameters { get; set; }
}

/// <summary>A disk of a new instance (or of a disk <c>add</c> modification).</summary>
public sealed record DiskDefinition
{
    /// <summary>Size in MiB.</summary>
    [JsonPropertyName("size")] public long? Size { get; init; }

    /// <summary><c>rw</c> or <c>ro</c>.</summary>
    [JsonPropertyName("mode")] public string? Mode { get; init; }

    /// <summary>Disk name.</summary>
    [JsonPropertyName("name")] public string? Name { get; init; }

    /// <summary>LVM volume group.</summary>
    [JsonPropertyName("vg")] public string? VolumeGroup { get; init; }

    /// <summary>DRBD metadata volume group.</summary>
    [JsonPropertyName("metavg")] public string? MetaVolumeGroup { get; init; }

    /// <summary>Spindles.</summary>
    [JsonPropertyName("spindles")] public int? Spindles { get; init; }

    /// <summary>Existing volume to adopt.</summary>
    [JsonPropertyName("adopt")] public string? Adopt { get; init; }

    /// <summary>ExtStorage provider (<c>ext</c> template).</summary>
    [JsonPropertyName("provider")] public string? Provider { get; init; }

    /// <summary><c>userspace</c> or <c>kernelspace</c>.</summary>
    [JsonPropertyName("access")] public string? Access { get; init; }

    /// <summary>Other disk parameters.</summary>
    [JsonExtensionData] public IDictionary<string, object>? AdditionalParameters { get; set; }
}

/// <summary>A NIC of a new instance (or of a NIC <c>add</c> modification).</summary>
public sealed record NicDefinition
{
    /// <summary>MAC address, or <c>auto</c>/<c>generate</c>.</summary>
    [JsonPropertyName("mac")] public string? Mac { get; init; }

    /// <summary>IP address, or <c>pool</c> to take one from <see cref="Network"/>.</summary>
    [JsonPropertyName("ip")] public string? Ip { get; init; }

    /// <summary><c>bridged</c>, <c>routed</c> or <c>openvswitch</c>.</summary>
    [JsonPropertyName("mode")] public string? Mode { get; init; }

    /// <summary>Bridge or routing table.</summary>
    [JsonPropertyName("link")] public string? Link { get; init; }

    /// <summary>Ganeti network name.</summary>
    [JsonPropertyName("network")] public string? Network { get; init; }

    /// <summary>NIC name.</summary>
    [JsonPropertyName("name")] public string? Name { get; init; }

    /// <summary>VLAN (openvswitch).</summary>
    [JsonPropertyName("vlan")] public string? Vlan { get; init; }

    /// <summary>Other NIC parameters.</summary>
    [JsonExtensionData] public IDictionary<string, object>? AdditionalParameters { get; set; }
}
