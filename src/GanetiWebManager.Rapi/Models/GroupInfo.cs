using System.Text.Json;
using System.Text.Json.Serialization;

namespace GanetiWebManager.Rapi.Models;

/// <summary>A node group from <c>GET /2/groups?bulk=1</c> or <c>GET /2/groups/{name}</c>.</summary>
public sealed record GroupInfo
{
    /// <summary>Group name.</summary>
    [JsonPropertyName("name")] public string Name { get; init => field = value ?? ""; } = "";

    /// <summary>Group UUID.</summary>
    [JsonPropertyName("uuid")] public string? Uuid { get; init; }

    /// <summary><c>preferred</c>, <c>last_resort</c> or <c>unallocable</c>.</summary>
    [JsonPropertyName("alloc_policy")] public string? AllocPolicy { get; init; }

    /// <summary>Number of nodes.</summary>
    [JsonPropertyName("node_cnt")] public int? NodeCount { get; init; }

    /// <summary>Node names.</summary>
    [JsonPropertyName("node_list")] public IReadOnlyList<string> Nodes { get; init => field = value ?? []; } = [];

    /// <summary>Effective instance policy.</summary>
    [JsonPropertyName("ipolicy")] public ParameterDictionary IPolicy { get; init => field = value ?? ParameterDictionary.Empty; } = ParameterDictionary.Empty;

    /// <summary>Group-level instance policy overrides.</summary>
    [JsonPropertyName("custom_ipolicy")] public ParameterDictionary CustomIPolicy { get; init => field = value ?? ParameterDictionary.Empty; } = ParameterDictionary.Empty;

    /// <summary>Effective disk parameters.</summary>
    [JsonPropertyName("diskparams")] public ParameterDictionary DiskParams { get; init => field = value ?? ParameterDictionary.Empty; } = ParameterDictionary.Empty;

    /// <summary>Group-level disk parameter overrides.</summary>
    [JsonPropertyName("custom_diskparams")] public ParameterDictionary CustomDiskParams { get; init => field = value ?? ParameterDictionary.Empty; } = ParameterDictionary.Empty;

    /// <summary>Effective node parameters.</summary>
    [JsonPropertyName("ndparams")] public ParameterDictionary NdParams { get; init => field = value ?? ParameterDictionary.Empty; } = ParameterDictionary.Empty;

    /// <summary>Group-level node parameter overrides.</summary>
    [JsonPropertyName("custom_ndparams")] public ParameterDictionary CustomNdParams { get; init => field = value ?? ParameterDictionary.Empty; } = ParameterDictionary.Empty;

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
