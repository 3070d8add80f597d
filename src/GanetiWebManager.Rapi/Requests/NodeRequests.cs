using System.Text.Json.Serialization;

namespace GanetiWebManager.Rapi.Requests;

/// <summary>Options of <c>PUT /2/nodes/{name}/role</c>.</summary>
public sealed record SetNodeRoleOptions : JobOptions
{
    /// <summary>Force the change (query <c>force</c>).</summary>
    public bool Force { get; init; }

    /// <summary>Promote another node to candidate if needed (query <c>auto-promote</c>).</summary>
    public bool AutoPromote { get; init; }
}

/// <summary>Body of <c>POST /2/nodes/{name}/evacuate</c>. Its job's result lists the child jobs that do the moves.</summary>
public sealed record EvacuateNodeRequest : DryRunJobOptions
{
    /// <summary>Which instances to move (required by RAPI).</summary>
    [JsonPropertyName("mode")] public required NodeEvacuationMode Mode { get; init; }

    /// <summary>Allocator choosing the targets (needed to move primaries).</summary>
    [JsonPropertyName("iallocator")] public string? IAllocator { get; init; }

    /// <summary>Target node for secondaries (instead of an allocator).</summary>
    [JsonPropertyName("remote_node")] public string? RemoteNode { get; init; }

    /// <summary>Release locks early.</summary>
    [JsonPropertyName("early_release")] public bool? EarlyRelease { get; init; }

    /// <summary>Ignore soft allocator errors.</summary>
    [JsonPropertyName("ignore_soft_errors")] public bool? IgnoreSoftErrors { get; init; }
}

/// <summary>
/// Body of <c>POST /2/nodes/{name}/migrate</c> (feature <c>node-migrate-reqv1</c>). RAPI ignores the body as soon as
/// the URL has any query argument, so this call takes no reason. Its job's result lists the child jobs.
/// </summary>
public sealed record MigrateNodeRequest
{
    /// <summary>Live or non-live; null = the hypervisor's default.</summary>
    [JsonPropertyName("mode")] public MigrationMode? Mode { get; init; }

    /// <summary>Target node (externally mirrored templates).</summary>
    [JsonPropertyName("target_node")] public string? TargetNode { get; init; }

    /// <summary>Allocator choosing the targets.</summary>
    [JsonPropertyName("iallocator")] public string? IAllocator { get; init; }

    /// <summary>Allow runtime changes to make migrations fit.</summary>
    [JsonPropertyName("allow_runtime_changes")] public bool? AllowRuntimeChanges { get; init; }

    /// <summary>Ignore the instance policy.</summary>
    [JsonPropertyName("ignore_ipolicy")] public bool? IgnoreIPolicy { get; init; }
}

/// <summary>Body of <c>POST /2/nodes/{name}/modify</c> (a POST, unlike instance modify).</summary>
public sealed record ModifyNodeRequest : JobOptions
{
    /// <summary>Master candidate flag.</summary>
    [JsonPropertyName("master_candidate")] public bool? MasterCandidate { get; init; }

    /// <summary>Offline flag.</summary>
    [JsonPropertyName("offline")] public bool? Offline { get; init; }

    /// <summary>Drained flag.</summary>
    [JsonPropertyName("drained")] public bool? Drained { get; init; }

    /// <summary>Promote another node to candidate if needed.</summary>
    [JsonPropertyName("auto_promote")] public bool? AutoPromote { get; init; }

    /// <summary>Whether the node may become master.</summary>
    [JsonPropertyName("master_capable")] public bool? MasterCapable { get; init; }

    /// <summary>Whether the node may run instances.</summary>
    [JsonPropertyName("vm_capable")] public bool? VmCapable { get; init; }

    /// <summary>New secondary IP.</summary>
    [JsonPropertyName("secondary_ip")] public string? SecondaryIp { get; init; }

    /// <summary>Node parameters to change.</summary>
    [JsonPropertyName("ndparams")] public IReadOnlyDictionary<string, object?>? NdParams { get; init; }

    /// <summary>Power state (out-of-band managed nodes).</summary>
    [JsonPropertyName("powered")] public bool? Powered { get; init; }

    /// <summary>Force the change.</summary>
    [JsonPropertyName("force")] public bool? Force { get; init; }

    /// <summary>Any other opcode parameter.</summary>
    [JsonExtensionData] public IDictionary<string, object>? AdditionalParameters { get; set; }
}
