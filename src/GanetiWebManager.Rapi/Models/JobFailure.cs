using System.Globalization;
using System.Text;
using System.Text.Json;

namespace GanetiWebManager.Rapi.Models;

/// <summary>What kind of failure ended a job.</summary>
public enum JobFailureKind
{
    /// <summary><c>OpPrereqError</c>: the checks before any change failed; nothing was changed by that opcode.</summary>
    PrerequisiteFailed,

    /// <summary><c>OpExecError</c>: failed while making changes; the object may be partly changed.</summary>
    ExecutionFailed,

    /// <summary>The job was cancelled.</summary>
    Canceled,

    /// <summary>Any other error class (<c>HypervisorError</c>, <c>NoMasterError</c>, <c>TagError</c>...).</summary>
    Other,
}

/// <summary>
/// A decoded job failure. Ganeti reports a failed opcode's result as <c>[class, [message, error code?]]</c>;
/// opcodes after it get <c>["OpExecError", ["Preceding opcode failed"]]</c>, so the first opcode whose status is
/// <c>error</c> carries the real cause.
/// </summary>
public sealed record JobFailure
{
    private const string PrecedingOpcodeFailed = "Preceding opcode failed";

    /// <summary>Kind of failure.</summary>
    public required JobFailureKind Kind { get; init; }

    /// <summary>Ganeti's exception class, e.g. <c>OpPrereqError</c>; null when the result was a bare string.</summary>
    public string? ErrorClass { get; init; }

    /// <summary>Ganeti's message, unchanged (may span lines, e.g. the tail of an OS script log).</summary>
    public required string Message { get; init; }

    /// <summary>Ganeti's error code (<c>wrong_input</c>, <c>wrong_state</c>, <c>resolver_error</c>,
    /// <c>insufficient_resources</c>, <c>temp_insufficient_resources</c>, <c>unknown_entity</c>,
    /// <c>already_exists</c>...), when given.</summary>
    public string? ErrorCode { get; init; }

    /// <summary>Index of the failed opcode in the job, when known.</summary>
    public int? OpIndex { get; init; }

    /// <summary>Summary of the failed opcode, e.g. <c>INSTANCE_CREATE(web1)</c>.</summary>
    public string? OpSummary { get; init; }

    /// <summary>True when an earlier opcode of the same job had succeeded: part of the change was made
    /// (e.g. a reinstall whose shutdown worked and whose reinstall failed).</summary>
    public bool IsPartial { get; init; }

    /// <summary>True when retrying the same request later can succeed without changing it.</summary>
    public bool IsRetryable => ErrorCode is "temp_insufficient_resources" or "wrong_state"
        || ErrorClass is "NoMasterError";

    /// <summary>Decodes the failure of a job; null unless the job's status is <c>error</c> or <c>canceled</c>.</summary>
    public static JobFailure? FromJob(JobInfo job)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job.Status is not (JobStatus.Error or JobStatus.Canceled))
        {
            return null;
        }

        var failedStatus = job.Status == JobStatus.Canceled ? JobStatus.Canceled : JobStatus.Error;
        var index = IndexOf(job.OpStatus, failedStatus);
        if (index < 0 && job.Status == JobStatus.Canceled)
        {
            index = IndexOf(job.OpStatus, JobStatus.Canceling);
        }

        var partial = index > 0 && job.OpStatus.Take(index).Any(s => s == JobStatus.Success);
        var summary = index >= 0 && index < job.Summary.Count ? job.Summary[index] : null;

        if (job.Status == JobStatus.Canceled)
        {
            var text = index >= 0 && index < job.OpResult.Count && job.OpResult[index].ValueKind == JsonValueKind.String
                ? job.OpResult[index].GetString()!
                : "Job canceled by request";
            return new JobFailure
            {
                Kind = JobFailureKind.Canceled,
                Message = text,
                OpIndex = index >= 0 ? index : null,
                OpSummary = summary,
                IsPartial = partial,
            };
        }

        if (index < 0 || index >= job.OpResult.Count)
        {
            return new JobFailure
            {
                Kind = JobFailureKind.Other,
                Message = "The job failed without a result that says why.",
                OpIndex = index >= 0 ? index : null,
                OpSummary = summary,
                IsPartial = partial,
            };
        }

        return FromOpResult(job.OpResult[index]) with { OpIndex = index, OpSummary = summary, IsPartial = partial };
    }

    /// <summary>Decodes one failed opcode result: <c>[class, [message, code?]]</c>, <c>[class, message]</c> or a
    /// bare string.</summary>
    public static JobFailure FromOpResult(JsonElement opResult)
    {
        string? errorClass = null;
        string message;
        string? code = null;

        if (opResult.ValueKind == JsonValueKind.Array && opResult.GetArrayLength() >= 1
            && opResult[0].ValueKind == JsonValueKind.String)
        {
            errorClass = opResult[0].GetString();
            var args = opResult.GetArrayLength() >= 2 ? opResult[1] : default;
            switch (args.ValueKind)
            {
                case JsonValueKind.Array when args.GetArrayLength() >= 1:
                    message = TextOf(args[0]);
                    if (args.GetArrayLength() >= 2 && args[1].ValueKind == JsonValueKind.String)
                    {
                        code = args[1].GetString();
                    }

                    break;
                case JsonValueKind.Undefined:
                case JsonValueKind.Array:
                    message = errorClass ?? "";
                    break;
                default:
                    message = TextOf(args);
                    break;
            }
        }
        else
        {
            message = TextOf(opResult);
        }

        var kind = errorClass switch
        {
            "OpPrereqError" => JobFailureKind.PrerequisiteFailed,
            "OpExecError" => JobFailureKind.ExecutionFailed,
            _ when errorClass is null && message.StartsWith("Job canceled", StringComparison.Ordinal) => JobFailureKind.Canceled,
            _ => JobFailureKind.Other,
        };

        return new JobFailure { Kind = kind, ErrorClass = errorClass, Message = message, ErrorCode = code };
    }

    /// <summary>A sentence an end user can read, e.g. <c>Ganeti refused the request: The given name (x) does not
    /// resolve (name resolution failed).</c></summary>
    public string ToUserMessage()
    {
        var text = new StringBuilder();
        switch (Kind)
        {
            case JobFailureKind.PrerequisiteFailed:
                text.Append("Ganeti refused the request: ").Append(TrimEnd(Message));
                if (DescribeCode(ErrorCode) is { } description)
                {
                    text.Append(" (").Append(description).Append(')');
                }

                text.Append('.');
                break;
            case JobFailureKind.ExecutionFailed when Message == PrecedingOpcodeFailed:
                text.Append("The operation was not run because an earlier step of the same job failed.");
                break;
            case JobFailureKind.ExecutionFailed:
                text.Append("The operation failed while running: ").Append(TrimEnd(Message)).Append('.');
                break;
            case JobFailureKind.Canceled:
                text.Append("The job was cancelled before it finished.");
                break;
            default:
                text.Append(CultureInfo.InvariantCulture, $"Ganeti reported an error ({ErrorClass ?? "unknown"}): ")
                    .Append(TrimEnd(Message)).Append('.');
                break;
        }

        if (IsPartial)
        {
            text.Append(" Earlier steps of the job had already completed, so part of the change was made.");
        }

        return text.ToString();
    }

    /// <summary>Plain-English meaning of a Ganeti error code; null when there is no code.</summary>
    public static string? DescribeCode(string? code) => code switch
    {
        null or "" => null,
        "resolver_error" => "name resolution failed",
        "wrong_input" => "the request is invalid and must be changed",
        "wrong_state" => "the object is not in a state that allows this; try again once it has changed",
        "insufficient_resources" => "the cluster does not have enough resources",
        "temp_insufficient_resources" => "the cluster does not have enough resources right now; try again later",
        "unknown_entity" => "the object does not exist",
        "already_exists" => "the object already exists",
        "resource_not_unique" => "the resource is not unique",
        "internal_error" => "an internal error in Ganeti",
        "environment_error" => "a problem in the cluster's environment",
        _ => code.Replace('_', ' '),
    };

    private static int IndexOf(IReadOnlyList<JobStatus> statuses, JobStatus wanted)
    {
        for (var i = 0; i < statuses.Count; i++)
        {
            if (statuses[i] == wanted)
            {
                return i;
            }
        }

        return -1;
    }

    private static string TextOf(JsonElement value) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();

    private static string TrimEnd(string message) => message.TrimEnd().TrimEnd('.');
}
