using System.Text.Json.Serialization;
using GanetiWebManager.Rapi.Serialization;

namespace GanetiWebManager.Rapi.Models;

/// <summary>The status of a Ganeti job or of one of its opcodes.</summary>
[JsonConverter(typeof(JobStatusJsonConverter))]
public enum JobStatus
{
    /// <summary>A status string this library does not know (a newer Ganeti).</summary>
    Unknown = 0,

    /// <summary><c>queued</c>: accepted, not started.</summary>
    Queued,

    /// <summary><c>waiting</c>: waiting for locks or dependencies.</summary>
    Waiting,

    /// <summary><c>canceling</c>: a cancel was requested while the job was waiting.</summary>
    Canceling,

    /// <summary><c>running</c>.</summary>
    Running,

    /// <summary><c>success</c>: every opcode succeeded.</summary>
    Success,

    /// <summary><c>error</c>: an opcode failed.</summary>
    Error,

    /// <summary><c>canceled</c>.</summary>
    Canceled,
}

/// <summary>Helpers for <see cref="JobStatus"/>.</summary>
public static class JobStatusExtensions
{
    /// <summary>True for <c>success</c>, <c>error</c> and <c>canceled</c>: the job will not change any more.</summary>
    public static bool IsFinalized(this JobStatus status) =>
        status is JobStatus.Success or JobStatus.Error or JobStatus.Canceled;

    /// <summary>The wire spelling of the status (<c>queued</c>, <c>running</c>...).</summary>
    public static string ToRapiString(this JobStatus status) => status switch
    {
        JobStatus.Queued => "queued",
        JobStatus.Waiting => "waiting",
        JobStatus.Canceling => "canceling",
        JobStatus.Running => "running",
        JobStatus.Success => "success",
        JobStatus.Error => "error",
        JobStatus.Canceled => "canceled",
        _ => "unknown",
    };

    /// <summary>Maps the wire spelling to the enum; unknown strings give <see cref="JobStatus.Unknown"/>.</summary>
    public static JobStatus ParseRapiString(string? value) => value switch
    {
        "queued" => JobStatus.Queued,
        "waiting" => JobStatus.Waiting,
        "canceling" => JobStatus.Canceling,
        "running" => JobStatus.Running,
        "success" => JobStatus.Success,
        "error" => JobStatus.Error,
        "canceled" => JobStatus.Canceled,
        _ => JobStatus.Unknown,
    };
}
