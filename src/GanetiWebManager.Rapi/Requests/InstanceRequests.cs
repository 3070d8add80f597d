using System.Text.Json.Serialization;

namespace GanetiWebManager.Rapi.Requests;

/// <summary>Options of <c>DELETE /2/instances/{name}</c>.</summary>
public sealed record DeleteInstanceOptions : DryRunJobOptions
{
    /// <summary>Seconds to wait for a clean shutdown (Ganeti's default 120).</summary>
    [JsonPropertyName("shutdown_timeout")] public int? ShutdownTimeout { get; init; }
}

/// <summary>Options of <c>PUT /2/instances/{name}/startup</c>. RAPI ignores any body, so none is sent.</summary>
public sealed record StartupInstanceOptions : DryRunJobOptions
{
    /// <summary>Start even if secondary disks are failing.</summary>
    [JsonIgnore] public bool Force { get; init; }

    /// <summary>Do not record the new state as the admin state (a temporary start).</summary>
    [JsonIgnore] public bool NoRemember { get; init; }
}

/// <summary>Options of <c>PUT /2/instances/{name}/shutdown</c>.</summary>
public sealed record ShutdownInstanceOptions : DryRunJobOptions
{
    /// <summary>Seconds to wait for a clean shutdown before killing (Ganeti's default 120; 0 kills at once).</summary>
    [JsonPropertyName("timeout")] public int? Timeout { get; init; }

    /// <summary>Force the shutdown.</summary>
    [JsonPropertyName("force")] public bool? Force { get; init; }

    /// <summary>Ignore offline nodes.</summary>
    [JsonPropertyName("ignore_offline_nodes")] public bool? IgnoreOfflineNodes { get; init; }

    /// <summary>Who shut the instance down.</summary>
    [JsonPropertyName("admin_state_source")] public AdminStateSource? AdminStateSource { get; init; }

    /// <summary>Do not record the new state as the admin state (sent as a query argument).</summary>
    [JsonIgnore] public bool NoRemember { get; init; }
}

/// <summary>Options of <c>POST /2/instances/{name}/reboot</c>.</summary>
public sealed record RebootInstanceOptions : DryRunJobOptions
{
    /// <summary>Reboot type (query argument <c>type</c>); RAPI's default is hard.</summary>
    [JsonIgnore] public RebootType Type { get; init; } = RebootType.Hard;

    /// <summary>Ignore errors on secondary nodes (query argument).</summary>
    [JsonIgnore] public bool IgnoreSecondaries { get; init; }

    /// <summary>Seconds to wait for a clean shutdown (body).</summary>
    [JsonPropertyName("shutdown_timeout")] public int? ShutdownTimeout { get; init; }
}

/// <summary>Body of <c>PUT /2/instances/{name}/rename</c>. Both checks are always sent (their defaults changed in 3.1).</summary>
public sealed record RenameInstanceRequest : JobOptions
{
    /// <summary>The new name.</summary>
    [JsonPropertyName("new_name")] public required string NewName { get; init; }

    /// <summary>Check that the new name resolves.</summary>
    [JsonPropertyName("name_check")] public bool NameCheck { get; init; }

    /// <summary>Check that the new name's IP is not in use.</summary>
    [JsonPropertyName("ip_check")] public bool IpCheck { get; init; }
}

/// <summary>
/// Body of <c>POST /2/instances/{name}/reinstall</c> (feature <c>instance-reinstall-reqv1</c>). RAPI answers 400
/// when a body comes with any query argument, so reinstall takes no reason and no dry-run.
/// </summary>
public sealed record ReinstallInstanceRequest
{
    /// <summary>New OS; null keeps the current one.</summary>
    [JsonPropertyName("os")] public string? Os { get; init; }

    /// <summary>Start the instance afterwards (default true).</summary>
    [JsonPropertyName("start")] public bool Start { get; init; } = true;

    /// <summary>OS parameters for the reinstall.</summary>
    [JsonPropertyName("osparams")] public IReadOnlyDictionary<string, object?>? OsParams { get; init; }
}

/// <summary>Body of <c>PUT /2/instances/{name}/modify</c> (OpInstanceSetParams). Null properties are not sent.</summary>
public sealed record ModifyInstanceRequest : JobOptions
{
    /// <summary>Backend parameters to change.</summary>
    [JsonPropertyName("beparams")] public IReadOnlyDictionary<string, object?>? BeParams { get; init; }

    /// <summary>Hypervisor parameters to change.</summary>
    [JsonPropertyName("hvparams")] public IReadOnlyDictionary<string, object?>? HvParams { get; init; }

    /// <summary>OS parameters to change.</summary>
    [JsonPropertyName("osparams")] public IReadOnlyDictionary<string, object?>? OsParams { get; init; }

    /// <summary>Private OS parameters to change.</summary>
    [JsonPropertyName("osparams_private")] public IReadOnlyDictionary<string, object?>? OsParamsPrivate { get; init; }

    /// <summary>New OS (takes effect at the next reinstall).</summary>
    [JsonPropertyName("os_name")] public string? OsName { get; init; }

    /// <summary>Accept an OS without an explicit variant.</summary>
    [JsonPropertyName("force_variant")] public bool? ForceVariant { get; init; }

    /// <summary>NIC changes.</summary>
    [JsonPropertyName("nics")] public IReadOnlyList<DeviceModification>? Nics { get; init; }

    /// <summary>Disk changes.</summary>
    [JsonPropertyName("disks")] public IReadOnlyList<DeviceModification>? Disks { get; init; }

    /// <summary>Convert to this disk template.</summary>
    [JsonPropertyName("disk_template")] public string? DiskTemplate { get; init; }

    /// <summary>Secondary node for a conversion to <c>drbd</c>.</summary>
    [JsonPropertyName("remote_node")] public string? RemoteNode { get; init; }

    /// <summary>Allocator for a conversion.</summary>
    [JsonPropertyName("iallocator")] public string? IAllocator { get; init; }

    /// <summary>New primary node (instance stopped; non-shared storage is not moved).</summary>
    [JsonPropertyName("pnode")] public string? PrimaryNode { get; init; }

    /// <summary>Memory to balloon to, MiB (running instance).</summary>
    [JsonPropertyName("runtime_mem")] public long? RuntimeMemory { get; init; }

    /// <summary>True marks the instance offline, false brings it back to down.</summary>
    [JsonPropertyName("offline")] public bool? Offline { get; init; }

    /// <summary>Wait for disk syncs.</summary>
    [JsonPropertyName("wait_for_sync")] public bool? WaitForSync { get; init; }

    /// <summary>Check for IP conflicts.</summary>
    [JsonPropertyName("conflicts_check")] public bool? ConflictsCheck { get; init; }

    /// <summary>Hot-plug device changes.</summary>
    [JsonPropertyName("hotplug")] public bool? Hotplug { get; init; }

    /// <summary>Force the change.</summary>
    [JsonPropertyName("force")] public bool? Force { get; init; }

    /// <summary>Ignore the instance policy.</summary>
    [JsonPropertyName("ignore_ipolicy")] public bool? IgnoreIPolicy { get; init; }

    /// <summary>Any other opcode parameter.</summary>
    [JsonExtensionData] public IDictionary<string, object>? AdditionalParameters { get; set; }
}

/// <summary>Body of <c>PUT /2/instances/{name}/migrate</c>. All null sends <c>{}</c> (hypervisor default mode).</summary>
public sealed record MigrateInstanceRequest : JobOptions
{
    /// <summary>Live or non-live; null = the hypervisor's default.</summary>
    [JsonPropertyName("mode")] public MigrationMode? Mode { get; init; }

    /// <summary>Target node (externally mirrored templates).</summary>
    [JsonPropertyName("target_node")] public string? TargetNode { get; init; }

    /// <summary>Allocator choosing the target.</summary>
    [JsonPropertyName("iallocator")] public string? IAllocator { get; init; }

    /// <summary>Clean up after a failed migration.</summary>
    [JsonPropertyName("cleanup")] public bool? Cleanup { get; init; }

    /// <summary>Fall back to a failover when the instance cannot migrate.</summary>
    [JsonPropertyName("allow_failover")] public bool? AllowFailover { get; init; }

    /// <summary>Allow runtime changes (e.g. memory ballooning) to make the migration fit.</summary>
    [JsonPropertyName("allow_runtime_changes")] public bool? AllowRuntimeChanges { get; init; }

    /// <summary>Ignore the instance policy.</summary>
    [JsonPropertyName("ignore_ipolicy")] public bool? IgnoreIPolicy { get; init; }

    /// <summary>Ignore hypervisor version differences.</summary>
    [JsonPropertyName("ignore_hvversions")] public bool? IgnoreHvVersions { get; init; }
}

/// <summary>Body of <c>PUT /2/instances/{name}/failover</c>.</summary>
public sealed record FailoverInstanceRequest : JobOptions
{
    /// <summary>Target node (externally mirrored templates).</summary>
    [JsonPropertyName("target_node")] public string? TargetNode { get; init; }

    /// <summary>Allocator choosing the target.</summary>
    [JsonPropertyName("iallocator")] public string? IAllocator { get; init; }

    /// <summary>Fail over even if the primary is unreachable or disks are degraded.</summary>
    [JsonPropertyName("ignore_consistency")] public bool? IgnoreConsistency { get; init; }

    /// <summary>Seconds to wait for a clean shutdown.</summary>
    [JsonPropertyName("shutdown_timeout")] public int? ShutdownTimeout { get; init; }

    /// <summary>Clean up after a failed failover.</summary>
    [JsonPropertyName("cleanup")] public bool? Cleanup { get; init; }

    /// <summary>Ignore the instance policy.</summary>
    [JsonPropertyName("ignore_ipolicy")] public bool? IgnoreIPolicy { get; init; }
}

/// <summary>Body of <c>POST /2/instances/{name}/replace-disks</c>.</summary>
public sealed record ReplaceDisksRequest : JobOptions
{
    /// <summary>Replacement mode (required by RAPI).</summary>
    [JsonPropertyName("mode")] public required ReplaceDisksMode Mode { get; init; }

    /// <summary>Disk indexes; null or empty = all.</summary>
    [JsonPropertyName("disks")] public IReadOnlyList<int>? Disks { get; init; }

    /// <summary>New secondary (<see cref="ReplaceDisksMode.ReplaceNewSecondary"/>).</summary>
    [JsonPropertyName("remote_node")] public string? RemoteNode { get; init; }

    /// <summary>Allocator choosing the new secondary.</summary>
    [JsonPropertyName("iallocator")] public string? IAllocator { get; init; }

    /// <summary>Release locks early.</summary>
    [JsonPropertyName("early_release")] public bool? EarlyRelease { get; init; }

    /// <summary>Ignore the instance policy.</summary>
    [JsonPropertyName("ignore_ipolicy")] public bool? IgnoreIPolicy { get; init; }
}

/// <summary>Body of <c>POST /2/instances/{name}/disk/{index}/grow</c>.</summary>
public sealed record GrowDiskRequest : JobOptions
{
    /// <summary>MiB to add, or the new size when <see cref="Absolute"/>.</summary>
    [JsonPropertyName("amount")] public required long Amount { get; init; }

    /// <summary>Treat <see cref="Amount"/> as the new size.</summary>
    [JsonPropertyName("absolute")] public bool? Absolute { get; init; }

    /// <summary>Wait for mirrors to sync.</summary>
    [JsonPropertyName("wait_for_sync")] public bool? WaitForSync { get; init; }

    /// <summary>Ignore the instance policy.</summary>
    [JsonPropertyName("ignore_ipolicy")] public bool? IgnoreIPolicy { get; init; }
}

/// <summary>Options of <c>PUT /2/instances/{name}/activate-disks</c>.</summary>
public sealed record ActivateDisksOptions : JobOptions
{
    /// <summary>Ignore the recorded disk sizes.</summary>
    public bool IgnoreSize { get; init; }
}

/// <summary>Options of <c>PUT /2/instances/{name}/deactivate-disks</c>.</summary>
public sealed record DeactivateDisksOptions : JobOptions
{
    /// <summary>Deactivate even if the instance runs.</summary>
    public bool Force { get; init; }
}
