using System.Text.Json;
using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Web.Domain.Jobs;
using RapiJobStatus = GanetiWebManager.Rapi.Models.JobStatus;

namespace GanetiWebManager.Web.Features.Jobs;

/// <summary>Copies what Ganeti says of a job onto its row; only real changes touch the row (EF writes nothing otherwise).</summary>
public static class JobMirror
{
    public static Domain.Jobs.JobStatus? MapStatus(RapiJobStatus status) => status switch
    {
        RapiJobStatus.Queued => Domain.Jobs.JobStatus.Queued,
        RapiJobStatus.Waiting => Domain.Jobs.JobStatus.Waiting,
        RapiJobStatus.Running => Domain.Jobs.JobStatus.Running,
        RapiJobStatus.Canceling => Domain.Jobs.JobStatus.Canceling,
        RapiJobStatus.Canceled => Domain.Jobs.JobStatus.Canceled,
        RapiJobStatus.Success => Domain.Jobs.JobStatus.Success,
        RapiJobStatus.Error => Domain.Jobs.JobStatus.Error,
        _ => null, // A status this portal does not know (a newer Ganeti): keep the last known one.
    };

    /// <summary>
    /// Applies a job as <c>GET /2/jobs/N</c> (<paramref name="complete"/>: with log and results) or the bulk listing
    /// (without) returned it. Returns true when the row changed.
    /// </summary>
    public static bool Apply(Job job, JobInfo info, bool complete)
    {
        var changed = false;
        if (MapStatus(info.Status) is { } status && status != job.Status)
        {
            job.Status = status;
            changed = true;
        }

        var opIds = info.Ops.Select(o => o.GetString("OP_ID") ?? "").Where(o => o.Length > 0).ToList();
        if (opIds.Count > 0 && !opIds.SequenceEqual(job.OpIds))
        {
            job.OpIds = opIds;
            changed = true;
        }

        if (info.Summary.Count > 0 && !info.Summary.SequenceEqual(job.Summary))
        {
            job.Summary = [.. info.Summary];
            changed = true;
        }

        changed |= Set(info.ReceivedAt, job.ReceivedAt, v => job.ReceivedAt = v);
        changed |= Set(info.StartedAt, job.StartedAt, v => job.StartedAt = v);
        changed |= Set(info.EndedAt, job.EndedAt, v => job.EndedAt = v);

        if (complete)
        {
            changed |= AppendLog(job, info.LogEntries);
            if (info.IsFinalized && job.Result is null && info.OpResult.Count > 0)
            {
                job.Result = JsonSerializer.Serialize(info.OpResult);
                changed = true;
            }

            if (info.GetFailure() is { } failure && job.ErrorMessage is null)
            {
                job.ErrorMessage = JobErrors.Describe(failure);
                job.ErrorClass = failure.ErrorClass ?? (failure.Kind == JobFailureKind.Canceled ? "Canceled" : null);
                job.ErrorCode = failure.ErrorCode;
                changed = true;
            }
        }

        return changed;
    }

    /// <summary>Appends the log lines newer than the row's last serial; returns true when there were any.</summary>
    public static bool AppendLog(Job job, IEnumerable<JobLogEntry> entries)
    {
        var fresh = entries
            .Where(e => job.LastLogSerial is not { } last || e.Serial > last)
            .OrderBy(e => e.Serial)
            .Select(e => new JobLogLine(e.Serial, e.Timestamp, e.Type, e.Message))
            .ToList();
        if (fresh.Count == 0)
        {
            return false;
        }

        // jobs.log is a JSON array of {serial, time, type, message} (JobLog reads it for the pages).
        var log = JobLog.Parse(job.Log).ToList();
        log.AddRange(fresh);
        job.Log = JsonSerializer.Serialize(log, JobActionTypes.JsonOptions);
        job.LastLogSerial = fresh[^1].Serial;
        return true;
    }

    private static bool Set(DateTimeOffset? value, DateTimeOffset? current, Action<DateTimeOffset?> set)
    {
        // Ganeti's timestamps have microseconds, PostgreSQL keeps microseconds: equal values compare equal.
        if (value is null || value == current)
        {
            return false;
        }

        set(value);
        return true;
    }
}
