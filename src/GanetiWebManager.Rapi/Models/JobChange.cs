using System.Text.Json;
using System.Text.Json.Serialization;

namespace GanetiWebManager.Rapi.Models;

/// <summary>
/// The answer of the <c>/2/jobs/{id}/wait</c> long-poll: the requested fields (in the requested order) and the log
/// lines newer than the serial sent. Modern servers answer an unchanged job with the same info and no log lines.
/// </summary>
public sealed record JobChange
{
    /// <summary>Values of the requested fields, in order. Pass them back as the previous job info.</summary>
    [JsonPropertyName("job_info")] public IReadOnlyList<JsonElement> JobInfo { get; init => field = value ?? []; } = [];

    /// <summary>New log lines.</summary>
    [JsonPropertyName("log_entries")] public IReadOnlyList<JobLogEntry> LogEntries { get; init => field = value ?? []; } = [];
}

/// <summary>The answer of <c>DELETE /2/jobs/{id}</c>, sent as <c>[success, message]</c>.</summary>
/// <param name="Success">Whether the job was cancelled (only queued or waiting jobs can be).</param>
/// <param name="Message">Ganeti's explanation, e.g. <c>Job 999999 not found in queue</c>.</param>
public sealed record JobCancelResult(bool Success, string Message);
