using GanetiWebManager.Rapi;
using GanetiWebManager.Rapi.Exceptions;
using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Domain.Jobs;
using GanetiWebManager.Web.Features.LiveUpdates;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace GanetiWebManager.Web.Features.Jobs;

/// <summary>What one job pass found.</summary>
public sealed record JobPassResult(int Discovered, int PendingIntents);

/// <summary>
/// The job part of a cluster's sync (<c>SyncParts.Jobs</c>, every <c>Sync:JobInterval</c>): jobs that appeared in
/// Ganeti's queue since <see cref="ClusterSyncState.LastSeenJobId"/> are recorded, attached to the VM, node or
/// cluster they act on, and followed; one that carries a portal intent's marker is attached to that intent
/// instead. Unresolved intents are reconciled against the whole queue. A pass with nothing new writes nothing.
/// </summary>
public sealed partial class JobDiscovery(
    IDbContextFactory<AppDbContext> contextFactory,
    JobReconciler reconciler,
    JobFollower follower,
    LiveUpdateHub liveUpdates,
    IOptions<JobsOptions> options,
    TimeProvider timeProvider,
    ILogger<JobDiscovery> logger)
{
    // Clusters that may have recent jobs whose VM or node the portal did not have yet (unknown after a start).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, bool> _unlinked = new();

    /// <summary>Notes that a job of the cluster was recorded without the id of its VM or node.</summary>
    public void NoteUnlinked(int clusterId) => _unlinked[clusterId] = true;

    /// <summary>One pass for one cluster. RAPI failures propagate (the synchronizer records them on the cluster).</summary>
    public async Task<JobPassResult> SyncJobsAsync(Cluster cluster, IGanetiRapiClient client, CancellationToken ct)
    {
        var ids = (await client.GetJobIdsAsync(ct)).Select(i => i.Value).Order().ToList();
        var lastSeen = cluster.Sync.LastSeenJobId;
        if (lastSeen is { } seen && ids.Count > 0 && ids[^1] < seen)
        {
            // Every id is below the last one seen: the cluster was re-created. Start over as on first contact.
            lastSeen = null;
        }

        var pending = await reconciler.LoadPendingAsync(cluster.Id, ct);

        var floor = lastSeen ?? 0;
        List<long> unknownIds = [.. ids.Where(id => id > floor)];
        if (unknownIds.Count > 0)
        {
            // Only when Ganeti has new jobs: an idle cluster's pass reads just its (usually empty) intents.
            await using var db = await contextFactory.CreateDbContextAsync(ct);
            var known = await db.Jobs.Where(j => j.ClusterId == cluster.Id && j.GanetiJobId > floor)
                .Select(j => j.GanetiJobId!.Value).ToListAsync(ct);
            unknownIds = [.. unknownIds.Except(known)];
        }

        // New jobs: in full one by one when few, from one bulk listing when many (and on first contact, where
        // only the unfinished and the most recent few are of interest, and which needs their statuses).
        IReadOnlyList<JobInfo>? queue = null;
        var found = new List<(JobInfo Job, bool Complete)>();
        if (unknownIds.Count > 0)
        {
            if (lastSeen is null || unknownIds.Count > options.Value.SingleFetchLimit)
            {
                queue = await client.GetJobsAsync(ct);
                var wanted = unknownIds.ToHashSet();
                var listed = queue.Where(j => wanted.Contains(j.Id.Value)).ToList();
                if (lastSeen is null)
                {
                    var recent = listed.OrderByDescending(j => j.Id.Value).Take(options.Value.FirstContactRecentJobs).Select(j => j.Id.Value).ToHashSet();
                    var markers = pending.Select(p => p.Marker).OfType<string>().ToHashSet();
                    listed = [.. listed.Where(j => !j.IsFinalized || recent.Contains(j.Id.Value) || JobMarkers.FindIn(j).Any(markers.Contains))];
                }

                found.AddRange(listed.Select(j => (j, false)));
            }
            else
            {
                foreach (var id in unknownIds)
                {
                    try
                    {
                        found.Add((await client.GetJobAsync(new JobId(id), ct), true));
                    }
                    catch (RapiNotFoundException)
                    {
                        // Archived between the two requests: nothing left to show.
                    }
                }
            }
        }

        var discovered = 0;
        foreach (var (job, complete) in found.OrderBy(f => f.Job.Id.Value))
        {
            if (await reconciler.TryAttachByMarkerAsync(cluster.Id, job, complete, ct))
            {
                continue;
            }

            if (await RecordAsync(cluster.Id, job, complete, ct))
            {
                discovered++;
            }
        }

        // Intents whose call has certainly ended and whose job did not turn up among the new ones: check the
        // whole queue before anything is sent again.
        var now = timeProvider.GetUtcNow();
        pending = pending.Count == 0 ? pending : await reconciler.LoadPendingAsync(cluster.Id, ct);
        if (pending.Any(p => reconciler.IsQuiet(p, now)))
        {
            queue ??= await client.GetJobsAsync(ct);
            await reconciler.ResolveAsync(cluster, client, queue, ct);
        }

        if (_unlinked.GetValueOrDefault(cluster.Id, true))
        {
            _unlinked[cluster.Id] = await LinkCreatedObjectsAsync(cluster.Id, ct);
        }

        if (ids.Count > 0 && ids[^1] != cluster.Sync.LastSeenJobId && ids[^1] > (lastSeen ?? -1))
        {
            await using var db = await contextFactory.CreateDbContextAsync(ct);
            await db.Clusters.Where(c => c.Id == cluster.Id)
                .ExecuteUpdateAsync(u => u.SetProperty(c => c.Sync.LastSeenJobId, ids[^1]), ct);
        }

        if (discovered > 0)
        {
            LogDiscovered(cluster.Slug, discovered);
        }

        return new JobPassResult(discovered, pending.Count);
    }

    /// <summary>Records one job started outside the portal; false when it is recorded already.</summary>
    private async Task<bool> RecordAsync(int clusterId, JobInfo info, bool complete, CancellationToken ct)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        if (await db.Jobs.AnyAsync(j => j.ClusterId == clusterId && j.GanetiJobId == info.Id.Value, ct))
        {
            return false;
        }

        var target = await JobTargets.ResolveAsync(db, clusterId, info, ct);
        var job = JobTargets.NewDiscovered(clusterId, info, target, timeProvider.GetUtcNow());
        JobMirror.Apply(job, info, complete);
        db.Jobs.Add(job);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return false; // Recorded at the same moment by the follower (a child job) or the submitter.
        }

        liveUpdates.Publish(new JobChanged(clusterId, job.Id, job.VirtualMachineId, job.NodeId));
        if (job.TargetKind != JobTargetKind.Cluster && job.VirtualMachineId is null && job.NodeId is null)
        {
            NoteUnlinked(clusterId);
        }

        if (!job.IsFinished || !complete)
        {
            // Unfinished jobs are followed to their end; finished ones from the bulk listing still lack their
            // log and result, which the follower's first read fills in.
            follower.Follow(job.Id);
        }

        return true;
    }

    /// <summary>
    /// A job that creates a VM is discovered before the sync mirrors the VM: link such jobs to their object once it
    /// exists. Returns whether some recent job is still unlinked (so the next pass tries again). Statements that find
    /// nothing write nothing.
    /// </summary>
    private async Task<bool> LinkCreatedObjectsAsync(int clusterId, CancellationToken ct)
    {
        var since = timeProvider.GetUtcNow() - TimeSpan.FromDays(1);
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        await db.Database.ExecuteSqlAsync(
            $"""
            UPDATE jobs j SET virtual_machine_id = v.id
            FROM virtual_machines v
            WHERE j.cluster_id = {clusterId} AND j.virtual_machine_id IS NULL AND j.target_kind = 'VirtualMachine'
              AND j.created_at > {since} AND v.cluster_id = j.cluster_id AND v.name = j.target_name
            """, ct);
        await db.Database.ExecuteSqlAsync(
            $"""
            UPDATE jobs j SET node_id = n.id
            FROM nodes n
            WHERE j.cluster_id = {clusterId} AND j.node_id IS NULL AND j.target_kind = 'Node'
              AND j.created_at > {since} AND n.cluster_id = j.cluster_id AND n.name = j.target_name
            """, ct);
        return await db.Jobs.AnyAsync(
            j => j.ClusterId == clusterId && j.CreatedAt > since
                 && ((j.TargetKind == JobTargetKind.VirtualMachine && j.VirtualMachineId == null) || (j.TargetKind == JobTargetKind.Node && j.NodeId == null)),
            ct);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster {Cluster}: {Count} jobs started outside the portal discovered")]
    private partial void LogDiscovered(string cluster, int count);
}
