using System.Text.Json;
using System.Text.Json.Serialization;
using GanetiWebManager.Rapi.Serialization;

namespace GanetiWebManager.Rapi.Models;

/// <summary>
/// A job from <c>GET /2/jobs/{id}</c> (or, without <see cref="OpLog"/> and <see cref="OpResult"/>, from the bulk
/// job list). <see cref="Ops"/>, <see cref="OpStatus"/>, <see cref="OpResult"/>, <see cref="OpLog"/> and
/// <see cref="Summary"/> are parallel lists, one entry per opcode.
/// </summary>
public sealed record JobInfo
{
    /// <summary>Job id.</summary>
    [JsonPropertyName("id")] public JobId Id { get; init; }

    /// <summary>Overall status.</summary>
    [JsonPropertyName("status")] public JobStatus Status { get; init; }

    /// <summary>One line per opcode, e.g. <c>INSTANCE_CREATE(web1)</c>.</summary>
    [JsonPropertyName("summary")] public IReadOnlyList<string> Summary { get; init => field = value ?? []; } = [];

    /// <summary>The submitted opcodes (with <c>OP_ID</c>, parameters and the <c>reason</c> trail), raw.</summary>
    [JsonPropertyName("ops")] public IReadOnlyList<ParameterDictionary> Ops { get; init => field = value ?? []; } = [];

    /// <summary>Status per opcode.</summary>
    [JsonPropertyName("opstatus")] public IReadOnlyList<JobStatus> OpStatus { get; init => field = value ?? []; } = [];

    /// <summary>Result per opcode: the LU result on success, <c>[class, args]</c> on failure. Decode failures with
    /// <see cref="GetFailure"/> and child jobs with <see cref="GetChildJobs"/>.</summary>
    [JsonPropertyName("opresult")] public IReadOnlyList<JsonElement> OpResult { get; init => field = value ?? []; } = [];

    /// <summary>Log lines per opcode.</summary>
    [JsonPropertyName("oplog")] public IReadOnlyList<IReadOnlyList<JobLogEntry>> OpLog { get; init => field = value ?? []; } = [];

    /// <summary>When the job was queued.</summary>
    [JsonPropertyName("received_ts"), JsonConverter(typeof(RapiTimestampJsonConverter))]
    public DateTimeOffset? ReceivedAt { get; init; }

    /// <summary>When the job started, null until then.</summary>
    [JsonPropertyName("start_ts"), JsonConverter(typeof(RapiTimestampJsonConverter))]
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When the job ended, null until then.</summary>
    [JsonPropertyName("end_ts"), JsonConverter(typeof(RapiTimestampJsonConverter))]
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>Every key not mapped above, raw.</summary>
    [JsonExtensionData, JsonInclude] public Dictionary<string, JsonElement>? AdditionalProperties { get; internal set; }

    /// <summary>True when the job will not change any more.</summary>
    [JsonIgnore] public bool IsFinalized => Status.IsFinalized();

    /// <summary>All log lines of all opcodes, in serial order.</summary>
    [JsonIgnore] public IEnumerable<JobLogEntry> LogEntries => OpLog.SelectMany(l => l).OrderBy(e => e.Serial);

    /// <summary>The decoded failure of an <c>error</c> or <c>canceled</c> job; null for any other status.</summary>
    public JobFailure? GetFailure() => JobFailure.FromJob(this);

    /// <summary>
    /// The child jobs a node evacuate or node migrate job submitted (its result <c>{"jobs": [...]}</c>);
    /// empty when the job has no such result.
    /// </summary>
    public IReadOnlyList<ChildJob> GetChildJobs() =>
        OpResult.Count > 0 ? ChildJob.ParseList(OpResult[0]) : [];
}
