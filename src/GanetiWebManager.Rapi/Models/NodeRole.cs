using System.Text.Json.Serialization;
using GanetiWebManager.Rapi.Serialization;

namespace GanetiWebManager.Rapi.Models;

/// <summary>A node's role as spelled by <c>/2/nodes/{name}/role</c>.</summary>
[JsonConverter(typeof(NodeRoleJsonConverter))]
public enum NodeRole
{
    /// <summary>A role string this library does not know.</summary>
    Unknown = 0,

    /// <summary><c>master</c>. It cannot be set through RAPI (only <c>gnt-cluster master-failover</c>).</summary>
    Master,

    /// <summary><c>master-candidate</c>.</summary>
    MasterCandidate,

    /// <summary><c>regular</c>.</summary>
    Regular,

    /// <summary><c>drained</c>: no new instances are placed on the node.</summary>
    Drained,

    /// <summary><c>offline</c>.</summary>
    Offline,
}

/// <summary>Helpers for <see cref="NodeRole"/>.</summary>
public static class NodeRoleExtensions
{
    /// <summary>The wire spelling of the role.</summary>
    public static string ToRapiString(this NodeRole role) => role switch
    {
        NodeRole.Master => "master",
        NodeRole.MasterCandidate => "master-candidate",
        NodeRole.Regular => "regular",
        NodeRole.Drained => "drained",
        NodeRole.Offline => "offline",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "Not a settable node role."),
    };

    /// <summary>Maps the wire spelling (or the one-letter code of bulk listings) to the enum.</summary>
    public static NodeRole ParseRapiString(string? value) => value switch
    {
        "master" or "M" => NodeRole.Master,
        "master-candidate" or "C" => NodeRole.MasterCandidate,
        "regular" or "R" => NodeRole.Regular,
        "drained" or "D" => NodeRole.Drained,
        "offline" or "O" => NodeRole.Offline,
        _ => NodeRole.Unknown,
    };
}
