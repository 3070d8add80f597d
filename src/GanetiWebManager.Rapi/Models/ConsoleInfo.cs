using System.Text.Json;
using System.Text.Json.Serialization;
using GanetiWebManager.Rapi.Serialization;

namespace GanetiWebManager.Rapi.Models;

/// <summary>How to reach an instance's console (<c>GET /2/instances/{name}/console</c>). Keys that do not apply
/// to the <see cref="Kind"/> are absent.</summary>
public sealed record ConsoleInfo
{
    /// <summary>Instance name.</summary>
    [JsonPropertyName("instance")] public string? Instance { get; init; }

    /// <summary>Raw kind string.</summary>
    [JsonPropertyName("kind")] public string? KindName { get; init; }

    /// <summary>Decoded kind.</summary>
    [JsonIgnore]
    public ConsoleKind Kind => KindName switch
    {
        "vnc" => ConsoleKind.Vnc,
        "spice" => ConsoleKind.Spice,
        "ssh" => ConsoleKind.Ssh,
        "msg" => ConsoleKind.Message,
        _ => ConsoleKind.Unknown,
    };

    /// <summary>VNC/SPICE: the bind address (<c>0.0.0.0</c> or <c>::</c> means "the primary node's address");
    /// ssh: the primary node.</summary>
    [JsonPropertyName("host")] public string? Host { get; init; }

    /// <summary>TCP port (VNC, SPICE, ssh).</summary>
    [JsonPropertyName("port")] public int? Port { get; init; }

    /// <summary>VNC display (port − 5900). Read from a number or a string: patched 3.0.x servers send a string.</summary>
    [JsonPropertyName("display"), JsonConverter(typeof(FlexibleInt32JsonConverter))]
    public int? Display { get; init; }

    /// <summary><c>msg</c> kind: why there is no console.</summary>
    [JsonPropertyName("message")] public string? Message { get; init; }

    /// <summary>ssh kind: the user to log in as.</summary>
    [JsonPropertyName("user")] public string? User { get; init; }

    /// <summary>ssh kind: the command to run on the host.</summary>
    [JsonPropertyName("command")] public IReadOnlyList<string> Command { get; init => field = value ?? []; } = [];

    /// <summary>Every key not mapped above, raw.</summary>
    [JsonExtensionData, JsonInclude] public Dictionary<string, JsonElement>? AdditionalProperties { get; internal set; }
}

/// <summary>Console kinds.</summary>
public enum ConsoleKind
{
    /// <summary>A kind this library does not know.</summary>
    Unknown = 0,

    /// <summary>VNC (kvm).</summary>
    Vnc,

    /// <summary>SPICE (kvm).</summary>
    Spice,

    /// <summary>A command run over ssh on the primary node (xen, lxc, kvm serial console).</summary>
    Ssh,

    /// <summary>No console; <see cref="ConsoleInfo.Message"/> says why.</summary>
    Message,
}
