using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using GanetiWebManager.Rapi;
using GanetiWebManager.Rapi.Exceptions;
using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Domain.Jobs;
using GanetiWebManager.Web.Features.Clusters;
using GanetiWebManager.Web.Features.LiveUpdates;
using GanetiWebManager.Web.Features.Sync;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using DomainJobStatus = GanetiWebManager.Web.Domain.Jobs.JobStatus;

namespace GanetiWebManager.Web.Features.Jobs;

/// <summary>
/// Follows every unfinished job the portal knows (its own and discovered ones) to its end: status, timestamps,
/// the log as it grows, the result and the decoded error, each change pushed to open pages. A few jobs per
/// cluster are followed with the <c>/2/jobs/N/wait</c> long-poll, the rest by polling with back-off. When a job
/// ends, the cluster is synced at once so the object's new state shows. Child jobs (node evacuate and migrate)
/// are recorded under their parent and followed too. The follower keeps nothing that the database does not: it
/// picks up every unfinished job at start, so a restart loses nothing.
/// </summary>
public sealed partial class JobFollower(
    IDbContextFactory<AppDbContext> contextFactory,
    ClusterConnector connector,
    LiveUpdateHub liveUpdates,
    SyncRequests syncRequests,
    IOptions<JobsOptions> options,
    TimeProvider timeProvider,
    ILogger<JobFollower> logger) : BackgroundService
{
    private static readonly IReadOnlyList<string> StatusField = ["status"];

    private readonly Channel<long> _requests = Channel.CreateUnbounded<long>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<long, Task> _following = new();
    private readonly ConcurrentDictionary<int, SemaphoreSlim> _longPollSlots = new();

    /// <summary>Starts following a job (a no-op when it is already followed or finished).</summary>
    public void Follow(long jobId) => _requests.Writer.TryWrite(jobId);

    /// <summary>Jobs followed right now.</summary>
    public int FollowingCount => _following.Values.Count(t => !t.IsCompleted);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.FollowerEnabled)
        {
            LogDisabled();
            return;
        }

        if (options.Value.Testing.PauseAt != JobPausePoint.None)
        {
            LogTestingPause(options.Value.Testing.PauseAt);
        }

        var nextScan = DateTimeOffset.MinValue;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (timeProvider.GetUtcNow() >= nextScan)
                {
                    await ScanAsync(stoppingToken);
                    nextScan = timeProvider.GetUtcNow() + options.Value.RescanInterval;
                }

                while (_requests.Reader.TryRead(out var jobId))
                {
                    Start(jobId, stoppingToken);
                }

                using var wake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                var untilScan = nextScan - timeProvider.GetUtcNow();
                var delay = Task.Delay(untilScan > TimeSpan.Zero ? untilScan : TimeSpan.Zero, timeProvider, wake.Token);
                await Task.WhenAny(delay, _requests.Reader.WaitToReadAsync(wake.Token).AsTask());
                await wake.CancelAsync();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down; the database still says which jobs are unfinished.
        }
        finally
        {
            await Task.WhenAll(_following.Values).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private async Task ScanAsync(CancellationToken ct)
    {
        List<long> unfinished;
        try
        {
            await using var db = await contextFactory.CreateDbContextAsync(ct);
            unfinished = await db.Jobs.AsNoTracking()
                .Where(j => j.GanetiJobId != null && Unfinished.Contains(j.Status))
                .Select(j => j.Id)
                .ToListAsync(ct);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or DbUpdateException or InvalidOperationException or TimeoutException)
        {
            LogScanFailed(e);
            return;
        }

        foreach (var done in _following.Where(f => f.Value.IsCompleted).Select(f => f.Key).ToList())
        {
            _following.TryRemove(done, out _);
        }

        foreach (var jobId in unfinished)
        {
            Start(jobId, ct);
        }
    }

    private static readonly DomainJobStatus[] Unfinished =
        [DomainJobStatus.Pending, DomainJobStatus.Queued, DomainJobStatus.Waiting, DomainJobStatus.Running, DomainJobStatus.Canceling];

    private void Start(long jobId, CancellationToken ct)
    {
        if (_following.TryGetValue(jobId, out var running) && !running.IsCompleted)
        {
            return;
        }

        _following[jobId] = FollowGuardedAsync(jobId, ct);
    }

    private async Task FollowGuardedAsync(long jobId, CancellationToken ct)
    {
        await Task.Yield();
        try
        {
            await FollowAsync(jobId, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutting down.
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or DbUpdateException or InvalidOperationException or TimeoutException)
        {
            // The database failed, not the cluster: the next scan picks the job up again.
            LogFollowFailed(jobId, e);
        }
    }

    /// <summary>Follows one job until it ends, disappears, or its cluster is removed.</summary>
    internal async Task FollowAsync(long jobId, CancellationToken ct)
    {
        Job? start;
        Cluster? cluster;
        await using (var db = await contextFactory.CreateDbContextAsync(ct))
        {
            start = await db.Jobs.AsNoTracking().SingleOrDefaultAsync(j => j.Id == jobId, ct);
            cluster = start is null ? null : await db.Clusters.AsNoTracking().SingleOrDefaultAsync(c => c.Id == start.ClusterId, ct);
        }

        if (start?.GanetiJobId is not { } ganetiId || cluster is null)
        {
            return;
        }

        var id = new JobId(ganetiId);
        var wasFinished = start.IsFinished;
        var lastSerial = start.LastLogSerial;
        IReadOnlyList<JsonElement>? previousInfo = null;
        var canLongPoll = options.Value.MaxLongPollsPerCluster > 0;
        var delay = options.Value.PollMinInterval;
        var failures = 0;

        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var client = connector.GetClient(cluster);
            try
            {
                JobInfo? full = null;
                var longPolled = false;
                var slots = _longPollSlots.GetOrAdd(cluster.Id, _ => new SemaphoreSlim(options.Value.MaxLongPollsPerCluster));
                if (canLongPoll && await slots.WaitAsync(0, ct))
                {
                    JobChange? change;
                    longPolled = true;
                    var started = timeProvider.GetTimestamp();
                    try
                    {
                        change = await client.WaitForJobChangeAsync(id, StatusField, previousInfo, lastSerial, ct);
                    }
                    catch (Exception e) when (e is RapiForbiddenException or RapiMethodNotSupportedException)
                    {
                        // A read-only RAPI user may not long-poll: poll instead.
                        canLongPoll = false;
                        continue;
                    }
                    finally
                    {
                        slots.Release();
                    }

                    failures = 0;
                    var statusChanged = change is not null && (previousInfo is null || !SameInfo(previousInfo, change.JobInfo));
                    if (change is not null)
                    {
                        previousInfo = change.JobInfo;
                    }

                    if (statusChanged)
                    {
                        full = await client.GetJobAsync(id, ct);
                    }
                    else if (change is { LogEntries.Count: > 0 })
                    {
                        var updated = await UpdateAsync(jobId, job => JobMirror.AppendLog(job, change.LogEntries), ct);
                        lastSerial = updated?.LastLogSerial ?? lastSerial;
                        if (updated is null)
                        {
                            return;
                        }
                    }
                    else if (timeProvider.GetElapsedTime(started) < options.Value.PollMinInterval)
                    {
                        // An old server answers "no change" at once: do not turn the long-poll into a busy loop.
                        await Task.Delay(options.Value.PollMinInterval, timeProvider, ct);
                    }
                }
                else
                {
                    full = await client.GetJobAsync(id, ct);
                    failures = 0;
                }

                if (full is not null)
                {
                    var before = lastSerial;
                    var updated = await UpdateAsync(jobId, job => JobMirror.Apply(job, full, complete: true), ct);
                    if (updated is null)
                    {
                        return; // The row is gone (its cluster was removed, or it was folded into an intent).
                    }

                    lastSerial = updated.LastLogSerial;
                    if (full.IsFinalized)
                    {
                        await FinishAsync(updated, full, client, wasFinished, ct);
                        return;
                    }

                    if (!longPolled)
                    {
                        delay = lastSerial != before ? options.Value.PollMinInterval : Min(delay * 2, options.Value.PollMaxInterval);
                        await Task.Delay(delay, timeProvider, ct);
                    }
                }
            }
            catch (RapiNotFoundException)
            {
                await MarkVanishedAsync(jobId, ct);
                return;
            }
            catch (RapiException e)
            {
                // Unreachable, timing out, a master failover in progress: the job runs on regardless. Keep asking,
                // less and less often, and re-read the cluster in case an admin changed its connection.
                failures++;
                if (failures == 1 || failures % 10 == 0)
                {
                    LogFollowTrouble(jobId, ganetiId, failures, e.Message);
                }

                await Task.Delay(Min(options.Value.PollMinInterval * (1 << Math.Min(failures, 6)), options.Value.PollMaxInterval * 3), timeProvider, ct);
                await using var db = await contextFactory.CreateDbContextAsync(ct);
                cluster = await db.Clusters.AsNoTracking().SingleOrDefaultAsync(c => c.Id == cluster.Id, ct);
                if (cluster is null)
                {
                    return;
                }
            }
        }
    }

    /// <summary>The job ended: record child jobs, and sync the cluster so the object's new state shows at once.</summary>
    private async Task FinishAsync(Job job, JobInfo info, IGanetiRapiClient client, bool wasFinished, CancellationToken ct)
    {
        var children = info.GetChildJobs();
        if (children.Count > 0)
        {
            await RecordChildrenAsync(job, children, client, ct);
        }

        LogEnded(job.Id, job.GanetiJobId ?? 0, job.Status, job.ErrorMessage);
        if (!wasFinished)
        {
            syncRequests.Request(job.ClusterId);
        }
    }

    private async Task RecordChildrenAsync(Job parent, IReadOnlyList<ChildJob> children, IGanetiRapiClient client, CancellationToken ct)
    {
        var notStarted = children.Where(c => !c.Submitted).Select(c => c.Error ?? "no reason given").ToList();
        foreach (var child in children.Where(c => c.Submitted && c.JobId is not null))
        {
            JobInfo info;
            try
            {
                info = await client.GetJobAsync(child.JobId!.Value, ct);
            }
            catch (RapiNotFoundException)
            {
                continue; // Archived already: nothing to follow.
            }

            await RecordChildAsync(parent, info, complete: true, ct);
        }

        if (notStarted.Count > 0)
        {
            var note = $"Ganeti could not start {notStarted.Count} of {children.Count} follow-up jobs: {string.Join("; ", notStarted)}.";
            await UpdateAsync(parent.Id, job =>
            {
                if (job.ErrorMessage is not null && job.ErrorMessage.Contains(note, StringComparison.Ordinal))
                {
                    return false;
                }

                job.ErrorMessage = job.ErrorMessage is null ? note : job.ErrorMessage + " " + note;
                return true;
            }, ct);
        }
    }

    /// <summary>
    /// Records <paramref name="info"/> as a job spawned by <paramref name="parent"/> (a new row, or the row discovery
    /// made of it before its parent was known) and follows it. A child acts for whoever started its parent.
    /// </summary>
    internal async Task RecordChildAsync(Job parent, JobInfo info, bool complete, CancellationToken ct)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var row = await db.Jobs.SingleOrDefaultAsync(j => j.ClusterId == parent.ClusterId && j.GanetiJobId == info.Id.Value, ct);
        if (row is null)
        {
            var target = await JobTargets.ResolveAsync(db, parent.ClusterId, info, ct);
            row = JobTargets.NewDiscovered(parent.ClusterId, info, target, timeProvider.GetUtcNow());
            db.Jobs.Add(row);
        }

        row.ParentJobId = parent.Id;
        row.Source = parent.Source;
        row.SubmittedByUserId = parent.SubmittedByUserId;
        row.SubmittedByName = parent.SubmittedByName;
        JobMirror.Apply(row, info, complete);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            return; // Recorded by discovery at the same moment; this runs again when the parent's follower ends.
        }

        Publish(row);
        if (!row.IsFinished || !complete)
        {
            Follow(row.Id);
        }
    }

    private async Task MarkVanishedAsync(long jobId, CancellationToken ct)
    {
        var now = timeProvider.GetUtcNow();
        var updated = await UpdateAsync(jobId, job =>
        {
            if (job.IsFinished)
            {
                return false;
            }

            job.Status = DomainJobStatus.Unknown;
            job.EndedAt ??= now;
            job.ErrorMessage = "Ganeti no longer knows this job: it was archived before the portal saw it end. Check the object's state.";
            return true;
        }, ct);
        if (updated is not null)
        {
            LogVanished(jobId, updated.GanetiJobId ?? 0);
            syncRequests.Request(updated.ClusterId);
        }
    }

    /// <summary>
    /// Changes one job row under a row lock (several followers, e.g. of two portal instances, may race) and tells
    /// open pages. Returns the row as saved, or null when it no longer exists.
    /// </summary>
    private async Task<Job?> UpdateAsync(long jobId, Func<Job, bool> change, CancellationToken ct)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var job = await db.Jobs.FromSql($"SELECT * FROM jobs WHERE id = {jobId} FOR UPDATE").SingleOrDefaultAsync(ct);
        if (job is null)
        {
            return null;
        }

        if (change(job))
        {
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            Publish(job);
        }
        else
        {
            await transaction.CommitAsync(ct);
        }

        return job;
    }

    private void Publish(Job job) => liveUpdates.Publish(new JobChanged(job.ClusterId, job.Id, job.VirtualMachineId, job.NodeId));

    private static bool SameInfo(IReadOnlyList<JsonElement> a, IReadOnlyList<JsonElement> b) =>
        a.Count == b.Count && a.Zip(b).All(p => JsonElement.DeepEquals(p.First, p.Second));

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    public override void Dispose()
    {
        foreach (var slots in _longPollSlots.Values)
        {
            slots.Dispose();
        }

        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The job follower is disabled (Jobs:FollowerEnabled = false)")]
    private partial void LogDisabled();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Jobs:Testing:PauseAt is {Point}: every job submission will stop there and hang. This setting is for the crash tests only")]
    private partial void LogTestingPause(JobPausePoint point);

    [LoggerMessage(Level = LogLevel.Error, Message = "Looking for unfinished jobs failed")]
    private partial void LogScanFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Following job {JobId} failed on the portal's side; the next scan resumes it")]
    private partial void LogFollowFailed(long jobId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} (Ganeti {GanetiJobId}) could not be read ({Failures} times in a row): {Message}")]
    private partial void LogFollowTrouble(long jobId, long ganetiJobId, int failures, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} (Ganeti {GanetiJobId}) ended: {Status} {Error}")]
    private partial void LogEnded(long jobId, long ganetiJobId, DomainJobStatus status, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} (Ganeti {GanetiJobId}) vanished from the cluster's queue before it was seen to end")]
    private partial void LogVanished(long jobId, long ganetiJobId);
}
