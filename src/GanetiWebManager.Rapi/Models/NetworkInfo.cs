using System.Text.Json;
using System.Text.Json.Serialization;

namespace GanetiWebManager.Rapi.Models;

/// <summary>A network from <c>GET /2/networks?bulk=1</c> or <c>GET /2/networks/{name}</c>.</summary>
public sealed record NetworkInfo
{
    /// <summary>Network name.</summary>
    [JsonPropertyName("name")] public string Name { get; init => field = value ?? ""; } = "";

    /// <summary>Network UUID.</summary>
    [JsonPropertyName("uuid")] public string? Uuid { get; init; }

    /// <summary>IPv4 CIDR.</summary>
    [JsonPropertyName("network")] public string? Network { get; init; }

    /// <summary>IPv4 gateway.</summary>
    [JsonPropertyName("gateway")] public string? Gateway { get; init; }

    /// <summary>IPv6 CIDR.</summary>
    [JsonPropertyName("network6")] public string? Network6 { get; init; }

    /// <summary>IPv6 gateway.</summary>
    [JsonPropertyName("gateway6")] public string? Gateway6 { get; init; }

    /// <summary>MAC prefix.</summary>
    [JsonPropertyName("mac_prefix")] public string? MacPrefix { get; init; }

    /// <summary>Free addresses.</summary>
    [JsonPropertyName("free_count")] public long? FreeCount { get; init; }

    /// <summary>Reserved addresses.</summary>
    [JsonPropertyName("reserved_count")] public long? ReservedCount { get; init; }

    /// <summary>Address map: one character per address, <c>X</c> reserved, <c>.</c> free.</summary>
    [JsonPropertyName("map")] public string? Map { get; init; }

    /// <summary>Connections, each <c>[group, mode, link, vlan]</c>, kept raw.</summary>
    [JsonPropertyName("group_list")] public IReadOnlyList<JsonElement> GroupList { get; init => field = value ?? []; } = [];

    /// <summary>Instances with a NIC in this network.</summary>
    [JsonPropertyName("inst_list")] public IReadOnlyList<string> Instances { get; init => field = value ?? []; } = [];

    /// <summary>Externally reserved addresses (comma separated).</summary>
    [JsonPropertyName("external_reservations")] public string? ExternalReservations { get; init; }

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
