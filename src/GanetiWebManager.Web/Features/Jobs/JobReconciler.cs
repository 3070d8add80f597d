using GanetiWebManager.Rapi;
using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Domain.Jobs;
using GanetiWebManager.Web.Features.Clusters;
using GanetiWebManager.Web.Features.LiveUpdates;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using DomainJobStatus = GanetiWebManager.Web.Domain.Jobs.JobStatus;

namespace GanetiWebManager.Web.Features.Jobs;

/// <summary>
/// Resolves intents whose submission is unconfirmed (the portal crashed, or RAPI did not answer): the job that
/// carries the intent's marker in Ganeti's queue is the intent's job, whenever it turns up. Only when the queue
/// has no trace of it, the last call can no longer be answered, and sending again is safe, is the intent sent
/// once more; otherwise it is given up with an explanation (Abandoned). Runs inside the cluster's job pass of the
/// sync, so across portal instances one reconciler at a time handles a cluster.
/// </summary>
public sealed partial class JobReconciler(
    IDbContextFactory<AppDbContext> contextFactory,
    JobSubmitter submitter,
    JobFollower follower,
    LiveUpdateHub liveUpdates,
    IOptions<JobsOptions> options,
    IOptions<RapiSettings> rapiSettings,
    TimeProvider timeProvider,
    ILogger<JobReconciler> logger)
{
    /// <summary>Ganeti's clock and the portal's may differ; a marker-less match allows this much either way.</summary>
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(2);

    /// <summary>The unresolved intents of a cluster (usually none).</summary>
    public async Task<List<Job>> LoadPendingAsync(int clusterId, CancellationToken ct)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        return await db.Jobs.AsNoTracking()
            .Where(j => j.ClusterId == clusterId && j.Submission == JobSubmission.Pending)
            .OrderBy(j => j.Id)
            .ToListAsync(ct);
    }

    /// <summary>
    /// Attaches <paramref name="job"/> to the intent whose marker it carries, if any (an intent given up earlier is
    /// revived: its job ran after all). Ganeti copies a job's reason trail into the jobs it spawns (node evacuate and
    /// migrate), so a job carrying the marker of an intent that already has its job is recorded as that job's child.
    /// Returns true when the job is accounted for here; false when it is not a portal intent's (an outside job).
    /// </summary>
    public async Task<bool> TryAttachByMarkerAsync(int clusterId, JobInfo job, bool complete, CancellationToken ct)
    {
        var markers = JobMarkers.FindIn(job);
        if (markers.Count == 0)
        {
            return false;
        }

        Job? intent;
        await using (var db = await contextFactory.CreateDbContextAsync(ct))
        {
            intent = await db.Jobs.AsNoTracking()
                .Where(j => j.ClusterId == clusterId && j.Marker != null && markers.Contains(j.Marker))
                .OrderBy(j => j.Id)
                .FirstOrDefaultAsync(ct);
        }

        if (intent is null)
        {
            return false; // Another portal's marker (or a wiped database): an outside job to this portal.
        }

        var spawned = JobMarkers.IsSpawnedByAnotherJob(job);
        if (intent.GanetiJobId is null)
        {
            if (spawned)
            {
                // A child whose parent is not attached yet: recorded as seen for now; the parent's end links it.
                return false;
            }

            await JobSubmitter.AttachAsync(contextFactory, intent.Id, clusterId, job.Id.Value, timeProvider.GetUtcNow(), ct);
            LogAttached(intent.Id, job.Id.Value, intent.Marker);
            liveUpdates.Publish(new JobChanged(intent.ClusterId, intent.Id, intent.VirtualMachineId, intent.NodeId));
            follower.Follow(intent.Id);
            return true;
        }

        if (intent.GanetiJobId == job.Id.Value)
        {
            return true;
        }

        if (!spawned)
        {
            // The same intent ran twice. The reconciler never sends before the queue is checked, so this means a
            // request was answered long after its timeout: record it, loudly, under the intent.
            LogDuplicate(intent.Id, intent.Marker, intent.GanetiJobId.Value, job.Id.Value);
        }

        await follower.RecordChildAsync(intent, job, complete, ct);
        return true;
    }

    /// <summary>
    /// Decides the intents still unresolved after every job in <paramref name="queue"/> (the cluster's whole
    /// queue, <c>GET /2/jobs?bulk=1</c>) was checked for their markers.
    /// </summary>
    public async Task ResolveAsync(Cluster cluster, IGanetiRapiClient client, IReadOnlyList<JobInfo> queue, CancellationToken ct)
    {
        var pending = await LoadPendingAsync(cluster.Id, ct);
        var byMarker = pending.Where(p => p.Marker is not null).ToDictionary(p => p.Marker!);
        foreach (var job in queue)
        {
            if (JobMarkers.FindIn(job).Any(byMarker.ContainsKey))
            {
                await TryAttachByMarkerAsync(cluster.Id, job, complete: false, ct);
            }
        }

        pending = await LoadPendingAsync(cluster.Id, ct);
        if (pending.Count == 0)
        {
            return;
        }

        HashSet<long> taken;
        await using (var db = await contextFactory.CreateDbContextAsync(ct))
        {
            var ids = queue.Select(j => j.Id.Value).ToList();
            taken = [.. await db.Jobs.Where(j => j.ClusterId == cluster.Id && j.Source == JobSource.Portal && j.GanetiJobId != null && ids.Contains(j.GanetiJobId.Value))
                .Select(j => j.GanetiJobId!.Value).ToListAsync(ct)];
        }

        var now = timeProvider.GetUtcNow();
        foreach (var intent in pending)
        {
            if (!IsQuiet(intent, now))
            {
                continue; // Its last call may still be answered: decide nothing yet.
            }

            var action = JobActionTypes.TryRead(intent.Operation, intent.Request);
            if (action is { CarriesMarker: false } && FindWithoutMarker(intent, action, queue, taken) is { } match)
            {
                taken.Add(match.Id.Value);
                await JobSubmitter.AttachAsync(contextFactory, intent.Id, cluster.Id, match.Id.Value, now, ct);
                LogAttached(intent.Id, match.Id.Value, intent.Marker);
                liveUpdates.Publish(new JobChanged(intent.ClusterId, intent.Id, intent.VirtualMachineId, intent.NodeId));
                follower.Follow(intent.Id);
                continue;
            }

            var refusal = action is null
                ? $"The portal no longer knows how to send '{intent.Operation}'; it was not sent again."
                : intent.SubmissionAttempts >= 2
                    ? "The request was sent twice without leaving a job in the cluster's queue; it is not sent again."
                    : now - intent.CreatedAt > options.Value.ResendWithin
                        ? $"The request could not be confirmed and is older than {Describe(options.Value.ResendWithin)}, so it was not sent again (it may have run and been archived). Check the object's state and ask again if needed."
                        : await action.WhyNotResendAsync(client, ct);
            if (refusal is not null)
            {
                await AbandonAsync(intent, refusal, ct);
                continue;
            }

            await submitter.ResendAsync(intent, action!, cluster, ct);
        }
    }

    /// <summary>Whether the intent's last call has certainly ended, so that the queue's answer is final.</summary>
    public bool IsQuiet(Job intent, DateTimeOffset now) =>
        now - (intent.LastAttemptAt ?? intent.CreatedAt) >= rapiSettings.Value.RequestTimeout + options.Value.AnswerGrace;

    /// <summary>
    /// For actions RAPI takes no reason for: the earliest job that does what the intent asked, received around its
    /// last call, carrying no portal marker and not yet attached to another intent.
    /// </summary>
    private JobInfo? FindWithoutMarker(Job intent, JobAction action, IReadOnlyList<JobInfo> queue, HashSet<long> taken)
    {
        if (action.ExpectedSummary is not { } summary)
        {
            return null;
        }

        var from = (intent.LastAttemptAt ?? intent.CreatedAt) - ClockSkew;
        var until = (intent.LastAttemptAt ?? intent.CreatedAt) + rapiSettings.Value.RequestTimeout + options.Value.AnswerGrace + ClockSkew;
        return queue
            .Where(j => j.Summary.Contains(summary) && !taken.Contains(j.Id.Value) && JobMarkers.FindIn(j).Count == 0 && !JobMarkers.IsSpawnedByAnotherJob(j))
            .Where(j => j.ReceivedAt is { } received && received >= from && received <= until)
            .OrderBy(j => j.Id.Value)
            .FirstOrDefault();
    }

    private async Task AbandonAsync(Job intent, string reason, CancellationToken ct)
    {
        var now = timeProvider.GetUtcNow();
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var updated = await db.Jobs
            .Where(j => j.Id == intent.Id && j.Submission == JobSubmission.Pending && j.GanetiJobId == null)
            .ExecuteUpdateAsync(u => u
                .SetProperty(j => j.Submission, JobSubmission.Abandoned)
                .SetProperty(j => j.SubmissionError, reason)
                .SetProperty(j => j.Status, DomainJobStatus.Unknown)
                .SetProperty(j => j.ErrorMessage, reason)
                .SetProperty(j => j.EndedAt, now), ct);
        if (updated > 0)
        {
            LogAbandoned(intent.Id, intent.Operation, intent.TargetName, reason);
            liveUpdates.Publish(new JobChanged(intent.ClusterId, intent.Id, intent.VirtualMachineId, intent.NodeId));
        }
    }

    private static string Describe(TimeSpan span) =>
        span.TotalHours >= 1 ? $"{span.TotalHours:0.#} hours" : $"{span.TotalMinutes:0} minutes";

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} found in the cluster's queue as Ganeti job {GanetiJobId} (marker {Marker})")]
    private partial void LogAttached(long jobId, long ganetiJobId, string? marker);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} was given up: {Operation} {Target}: {Reason}")]
    private partial void LogAbandoned(long jobId, string operation, string target, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {JobId} (marker {Marker}) is Ganeti job {Attached}, yet Ganeti job {Other} carries its marker too")]
    private partial void LogDuplicate(long jobId, string? marker, long attached, long other);
}
