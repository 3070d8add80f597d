using System.Text.Json;
using System.Text.Json.Serialization;
using GanetiWebManager.Rapi.Requests;

namespace GanetiWebManager.Rapi.Serialization;

/// <summary>RAPI's error body: <c>{"code": 404, "message": "Not Found", "explain": "..."}</c>.</summary>
internal sealed record RapiErrorBody
{
    [JsonPropertyName("code")] public int? Code { get; init; }

    [JsonPropertyName("message")] public string? Message { get; init; }

    [JsonPropertyName("explain")] public string? Explain { get; init; }
}

/// <summary>An entry of a non-bulk list. Instances, nodes and jobs use <c>id</c>; groups and networks <c>name</c>.</summary>
internal sealed record ResourceLink
{
    [JsonPropertyName("id")] public JsonElement Id { get; init; }

    [JsonPropertyName("name")] public string? Name { get; init; }

    [JsonPropertyName("uri")] public string? Uri { get; init; }
}

/// <summary>Body of the <c>/2/jobs/{id}/wait</c> long-poll. All three keys are always sent, null included.</summary>
internal sealed record JobWaitBody
{
    [JsonPropertyName("fields")] public required IReadOnlyList<string> Fields { get; init; }

    [JsonPropertyName("previous_job_info"), JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public IReadOnlyList<JsonElement>? PreviousJobInfo { get; init; }

    [JsonPropertyName("previous_log_serial"), JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public long? PreviousLogSerial { get; init; }
}

/// <summary>Body of <c>PUT /2/query/{resource}</c>; the filter goes under both its current and pre-2.8 names.</summary>
internal sealed record QueryBody
{
    [JsonPropertyName("fields")] public required IReadOnlyList<string> Fields { get; init; }

    [JsonPropertyName("qfilter"), JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public QueryFilter? QFilter { get; init; }

    [JsonPropertyName("filter"), JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public QueryFilter? Filter { get; init; }
}
