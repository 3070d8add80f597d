using GanetiWebManager.Rapi.Exceptions;
using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Domain.Jobs;
using GanetiWebManager.Web.Features.Clusters;
using GanetiWebManager.Web.Features.LiveUpdates;
using Microsoft.EntityFrameworkCore;
using DomainJobStatus = GanetiWebManager.Web.Domain.Jobs.JobStatus;

namespace GanetiWebManager.Web.Features.Jobs;

/// <summary>What became of a submission, as the caller sees it right after asking.</summary>
/// <param name="JobId">The portal's job (null when nothing was recorded: the cluster cannot take jobs at all).</param>
/// <param name="Submission">Where the intent stands: Submitted (running at Ganeti), Pending (unanswered; it is
/// reconciled before anything else is sent), Rejected (refused; nothing runs).</param>
/// <param name="GanetiJobId">Ganeti's job id once accepted.</param>
/// <param name="Message">Why it was refused or is not confirmed yet; null when Ganeti accepted it.</param>
public sealed record JobSubmitResult(long? JobId, JobSubmission Submission, long? GanetiJobId, string? Message)
{
    public bool Accepted => Submission == JobSubmission.Submitted;

    public static JobSubmitResult NotRecorded(string message) => new(null, JobSubmission.Rejected, null, message);
}

/// <summary>
/// Sends jobs to Ganeti through an outbox (product-spec §6). Every submission first commits its intent (a job
/// row with a unique marker) and only then calls RAPI with the marker as <c>?reason=</c>; Ganeti's job id is
/// committed afterwards. A crash anywhere leaves a row that <see cref="JobReconciler"/> resolves against the
/// cluster's queue before anything is sent again, so no intent is lost and none runs twice. A refusal
/// (4xx) ends the intent as Rejected; an unanswered call (timeout, reset, 5xx, master failover) is never
/// repeated blindly, it stays Pending for reconciliation.
/// </summary>
public sealed partial class JobSubmitter(
    IDbContextFactory<AppDbContext> contextFactory,
    ClusterConnector connector,
    JobFollower follower,
    LiveUpdateHub liveUpdates,
    JobTestingPause pause,
    TimeProvider timeProvider,
    ILogger<JobSubmitter> logger) : IDisposable
{
    // Once the intent is committed, the call belongs to the portal, not to the page that asked: a closed
    // browser tab must not cut a request in half. Only the portal's shutdown stops it.
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>
    /// Records the intent to run <paramref name="action"/> on <paramref name="target"/> for <paramref name="requester"/>,
    /// sends it, and returns once Ganeti accepted, refused or failed to answer. The job is then followed in the
    /// background; watch it through <see cref="JobChanged"/>. Callers check permissions first.
    /// A callback given as <c>alongIntent</c> runs inside the intent's transaction once the job row has its id:
    /// rows that belong to the job (a quota reservation, ADR 0008) are linked to it atomically, before any RAPI call.
    /// </summary>
    public Task<JobSubmitResult> SubmitAsync(JobActionTarget target, JobAction action, JobRequester requester, CancellationToken ct = default) =>
        SubmitAsync(target, action, requester, alongIntent: null, ct);

    /// <inheritdoc cref="SubmitAsync(JobActionTarget, JobAction, JobRequester, CancellationToken)"/>
    public async Task<JobSubmitResult> SubmitAsync(
        JobActionTarget target, JobAction action, JobRequester requester, Func<AppDbContext, Job, CancellationToken, Task>? alongIntent, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(action);
        ArgumentNullException.ThrowIfNull(requester);

        Cluster? cluster;
        await using (var db = await contextFactory.CreateDbContextAsync(ct))
        {
            cluster = await db.Clusters.AsNoTracking().SingleOrDefaultAsync(c => c.Id == target.ClusterId, ct);
        }

        if (cluster is null)
        {
            return JobSubmitResult.NotRecorded("The cluster no longer exists.");
        }

        if (cluster.IsReadOnly)
        {
            return JobSubmitResult.NotRecorded($"Cluster {cluster.Slug} is read-only (the portal has no RAPI credentials for it): it is mirrored, never changed.");
        }

        if (cluster.PresentedCertificateSha256 is not null)
        {
            return JobSubmitResult.NotRecorded($"Cluster {cluster.Slug} presented a new certificate; an admin must check and accept it before the portal sends anything.");
        }

        var job = await RecordIntentAsync(target, action, requester, alongIntent, ct);
        Publish(job);
        return await SendAsync(job, action, cluster);
    }

    /// <summary>
    /// Sends an intent found unresolved after a crash once more. The attempt is counted and committed before the
    /// call, so a crash during it cannot lead to a third one.
    /// </summary>
    internal async Task<JobSubmitResult> ResendAsync(Job intent, JobAction action, Cluster cluster, CancellationToken ct)
    {
        await using (var db = await contextFactory.CreateDbContextAsync(ct))
        {
            var now = timeProvider.GetUtcNow();
            var counted = await db.Jobs
                .Where(j => j.Id == intent.Id && j.Submission == JobSubmission.Pending && j.SubmissionAttempts == intent.SubmissionAttempts)
                .ExecuteUpdateAsync(u => u.SetProperty(j => j.SubmissionAttempts, j => j.SubmissionAttempts + 1).SetProperty(j => j.LastAttemptAt, now), ct);
            if (counted == 0)
            {
                // Someone else resolved or re-sent it meanwhile: never send twice.
                return new JobSubmitResult(intent.Id, JobSubmission.Pending, null, "Already being handled.");
            }

            intent.SubmissionAttempts++;
            intent.LastAttemptAt = now;
        }

        LogResending(intent.Id, intent.Operation, intent.TargetName, intent.Marker);
        return await SendAsync(intent, action, cluster);
    }

    private async Task<Job> RecordIntentAsync(
        JobActionTarget target, JobAction action, JobRequester requester, Func<AppDbContext, Job, CancellationToken, Task>? alongIntent, CancellationToken ct)
    {
        var now = timeProvider.GetUtcNow();
        var job = new Job
        {
            ClusterId = target.ClusterId,
            Source = JobSource.Portal,
            Operation = action.Operation,
            Request = action.ToJson(),
            Submission = JobSubmission.Pending,
            Status = DomainJobStatus.Pending,
            TargetKind = target.Kind,
            VirtualMachineId = target.VirtualMachineId,
            NodeId = target.NodeId,
            TargetName = target.Name,
            SubmittedByUserId = requester.UserId,
            SubmittedByName = requester.UserName,
            CreatedAt = now,
            // Counted now: the first call follows the commit immediately, and a crash before it is then
            // indistinguishable from a lost call, which is what reconciliation assumes anyway.
            SubmissionAttempts = 1,
            LastAttemptAt = now,
        };

        await using var db = await contextFactory.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        db.Jobs.Add(job);
        await db.SaveChangesAsync(ct);
        job.Marker = JobMarkers.Create(job.Id); // carries the row id, known only after the insert
        await db.SaveChangesAsync(ct);
        if (alongIntent is not null)
        {
            // The caller's rows for this job (e.g. its quota reservation) commit with the intent or not at all.
            await alongIntent(db, job, ct);
        }

        await transaction.CommitAsync(ct);
        return job;
    }

    private async Task<JobSubmitResult> SendAsync(Job job, JobAction action, Cluster cluster)
    {
        var ct = _stopping.Token;
        await pause.AtAsync(JobPausePoint.BeforeSubmit, job, ct);

        JobId ganetiId;
        try
        {
            ganetiId = await action.SubmitAsync(connector.GetClient(cluster), action.CarriesMarker ? job.Marker : null, ct);
        }
        catch (Exception e) when ((e is RapiException rapi && JobErrors.ProvesNothingQueued(rapi)) || e is ArgumentException)
        {
            var message = e is RapiException refused ? JobErrors.DescribeRefusal(refused) : $"The request is invalid: {e.Message}";
            LogRejected(job.Id, job.Operation, job.TargetName, message);
            await RejectAsync(job.Id, message);
            return new JobSubmitResult(job.Id, JobSubmission.Rejected, null, message);
        }
        catch (Exception e) when (e is RapiException || (e is OperationCanceledException && ct.IsCancellationRequested))
        {
            // Ganeti may or may not have queued it. Sending it again now could run it twice: leave it for the
            // reconciler, which looks for the marker in the queue first.
            var message = "The cluster did not confirm the request (" + e.Message.TrimEnd('.') +
                          "). The portal checks the cluster's job queue before doing anything else.";
            LogUnconfirmed(job.Id, job.Operation, job.TargetName, e.Message);
            await MarkUnconfirmedAsync(job.Id, message);
            return new JobSubmitResult(job.Id, JobSubmission.Pending, null, message);
        }

        job.GanetiJobId = ganetiId.Value;
        await pause.AtAsync(JobPausePoint.AfterAccept, job, ct);
        await AttachAsync(contextFactory, job.Id, job.ClusterId, ganetiId.Value, timeProvider.GetUtcNow(), CancellationToken.None);
        await pause.AtAsync(JobPausePoint.AfterCommit, job, ct);
        LogSubmitted(job.Id, job.Operation, job.TargetName, ganetiId.Value);
        Publish(job);
        follower.Follow(job.Id);
        return new JobSubmitResult(job.Id, JobSubmission.Submitted, ganetiId.Value, null);
    }

    /// <summary>
    /// Records that the intent's job is Ganeti job <paramref name="ganetiJobId"/>: from the submitter's own answer, or
    /// from the reconciler finding the marker after a crash. Idempotent, so both may do it. A row discovery made for
    /// the same job in the meantime (possible only for actions without a marker) is folded into the intent.
    /// </summary>
    internal static async Task<bool> AttachAsync(
        IDbContextFactory<AppDbContext> contextFactory, long jobId, int clusterId, long ganetiJobId, DateTimeOffset now, CancellationToken ct)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.Jobs
            .Where(j => j.ClusterId == clusterId && j.GanetiJobId == ganetiJobId && j.Id != jobId && j.Source == JobSource.Outside)
            .ExecuteDeleteAsync(ct);
        var job = await db.Jobs.FromSql($"SELECT * FROM jobs WHERE id = {jobId} FOR UPDATE").SingleOrDefaultAsync(ct);
        if (job is null || job.GanetiJobId is { } existing && existing != ganetiJobId)
        {
            return false;
        }

        if (job.GanetiJobId is null)
        {
            job.GanetiJobId = ganetiJobId;
            job.Submission = JobSubmission.Submitted;
            job.SubmittedAt = now;
            job.SubmissionError = null;
            if (!job.IsFinished || job.Status == DomainJobStatus.Unknown)
            {
                // An intent given up as lost whose job turns up after all is followed like any other.
                job.Status = DomainJobStatus.Queued;
                job.EndedAt = null;
                job.ErrorMessage = null;
            }
        }

        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return true;
    }

    private async Task RejectAsync(long jobId, string message)
    {
        var now = timeProvider.GetUtcNow();
        await using var db = await contextFactory.CreateDbContextAsync();
        var job = await db.Jobs.SingleAsync(j => j.Id == jobId);
        if (job.Submission != JobSubmission.Pending)
        {
            return;
        }

        job.Submission = JobSubmission.Rejected;
        job.SubmissionError = message;
        job.Status = DomainJobStatus.Error;
        job.ErrorMessage = message;
        job.EndedAt = now;
        await db.SaveChangesAsync();
        Publish(job);
    }

    private async Task MarkUnconfirmedAsync(long jobId, string message)
    {
        await using var db = await contextFactory.CreateDbContextAsync();
        await db.Jobs.Where(j => j.Id == jobId && j.Submission == JobSubmission.Pending)
            .ExecuteUpdateAsync(u => u.SetProperty(j => j.SubmissionError, message));
        var job = await db.Jobs.AsNoTracking().SingleAsync(j => j.Id == jobId);
        Publish(job);
    }

    private void Publish(Job job) => liveUpdates.Publish(new JobChanged(job.ClusterId, job.Id, job.VirtualMachineId, job.NodeId));

    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} ({Operation} {Target}) submitted as Ganeti job {GanetiJobId}")]
    private partial void LogSubmitted(long jobId, string operation, string target, long ganetiJobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} ({Operation} {Target}) was refused: {Message}")]
    private partial void LogRejected(long jobId, string operation, string target, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} ({Operation} {Target}) is unconfirmed, left for reconciliation: {Message}")]
    private partial void LogUnconfirmed(long jobId, string operation, string target, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} ({Operation} {Target}) is not in the cluster's queue; sending it once more (marker {Marker})")]
    private partial void LogResending(long jobId, string operation, string target, string? marker);
}
