using GanetiWebManager.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace GanetiWebManager.Web.Features.Sync;

/// <summary>
/// Schedules the sync of every cluster: each part on its own cadence (<see cref="SyncOptions"/>), at most
/// <see cref="SyncOptions.MaxConcurrentClusters"/> clusters at once, immediately when
/// <see cref="SyncRequests"/> asks. Across several portal instances each cluster is synced by exactly one of
/// them: the one holding its PostgreSQL advisory lock (product-spec §14). A failing cluster is retried at
/// its normal interval, so it recovers by itself within one interval of the cluster coming back.
/// </summary>
public sealed partial class ClusterSyncService(
    ClusterSynchronizer synchronizer,
    ClusterSnapshots snapshots,
    IDbContextFactory<AppDbContext> contextFactory,
    NpgsqlDataSource dataSource,
    SyncRequests requests,
    IOptions<SyncOptions> options,
    TimeProvider timeProvider,
    ILogger<ClusterSyncService> logger) : BackgroundService
{
    // First key of the two-int advisory lock space reserved for "cluster sync"; the second is the cluster id.
    private const int LockClass = 0x47_57_53_59; // "GWSY"
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ClusterListRefresh = TimeSpan.FromSeconds(15);

    private readonly Dictionary<int, ClusterSchedule> _schedules = [];
    private readonly Dictionary<int, NpgsqlConnection> _locks = [];
    private readonly Dictionary<int, Task> _running = [];
    private DateTimeOffset _clusterListLoadedAt = DateTimeOffset.MinValue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            LogDisabled();
            return;
        }

        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await RunDueAsync(stoppingToken);
                await WaitForWorkAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        finally
        {
            await Task.WhenAll(_running.Values).ContinueWith(_ => { }, TaskScheduler.Default);
            foreach (var connection in _locks.Values)
            {
                await connection.DisposeAsync();
            }
        }
    }

    private async Task RunDueAsync(CancellationToken ct)
    {
        var now = timeProvider.GetUtcNow();
        if (now - _clusterListLoadedAt >= ClusterListRefresh)
        {
            await RefreshClusterListAsync(ct);
            _clusterListLoadedAt = now;
        }

        while (requests.Reader.TryRead(out var requested))
        {
            if (!_schedules.ContainsKey(requested))
            {
                // A cluster added a moment ago: pick it up without waiting for the next list refresh.
                await RefreshClusterListAsync(ct);
            }

            if (_schedules.TryGetValue(requested, out var schedule))
            {
                schedule.RequestEverything();
            }
        }

        foreach (var finished in _running.Where(r => r.Value.IsCompleted).Select(r => r.Key).ToList())
        {
            _running.Remove(finished);
        }

        foreach (var (clusterId, schedule) in _schedules)
        {
            if (_running.Count >= options.Value.MaxConcurrentClusters)
            {
                break;
            }

            if (_running.ContainsKey(clusterId))
            {
                continue;
            }

            var parts = schedule.DueParts(now, options.Value);
            if (parts != SyncParts.None)
            {
                schedule.MarkStarted(parts, now, options.Value);
                _running[clusterId] = RunOneAsync(clusterId, parts, ct);
            }
        }
    }

    private async Task RunOneAsync(int clusterId, SyncParts parts, CancellationToken ct)
    {
        // Yield first: the scheduler loop must not wait for this pass's synchronous prefix.
        await Task.Yield();
        try
        {
            if (!await HoldLockAsync(clusterId, ct))
            {
                return; // Another portal instance syncs this cluster.
            }

            await synchronizer.SyncAsync(clusterId, parts, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutting down.
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or DbUpdateException or TimeoutException)
        {
            // The database failed, not the cluster: log it and try again at the next interval.
            LogPassFailed(clusterId, e);
            await ReleaseLockAsync(clusterId);
        }
    }

    private async Task<bool> HoldLockAsync(int clusterId, CancellationToken ct)
    {
        if (_locks.TryGetValue(clusterId, out var held))
        {
            if (held.FullState == System.Data.ConnectionState.Open)
            {
                return true;
            }

            // The connection died, and the lock with it: try to take it again.
            await ReleaseLockAsync(clusterId);
        }

        var connection = await dataSource.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock($1, $2)", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = LockClass });
        command.Parameters.Add(new NpgsqlParameter { Value = clusterId });
        if (await command.ExecuteScalarAsync(ct) is true)
        {
            lock (_locks)
            {
                _locks[clusterId] = connection;
            }

            // Another instance may have synced the cluster while this one did not hold the lock.
            snapshots.Forget(clusterId);
            return true;
        }

        await connection.DisposeAsync();
        return false;
    }

    private async Task ReleaseLockAsync(int clusterId)
    {
        NpgsqlConnection? connection;
        lock (_locks)
        {
            _locks.Remove(clusterId, out connection);
        }

        if (connection is not null)
        {
            await connection.DisposeAsync(); // Closing the session releases its advisory locks.
        }
    }

    private async Task RefreshClusterListAsync(CancellationToken ct)
    {
        List<int> ids;
        await using (var db = await contextFactory.CreateDbContextAsync(ct))
        {
            ids = await db.Clusters.AsNoTracking().Select(c => c.Id).ToListAsync(ct);
        }

        foreach (var id in ids.Where(id => !_schedules.ContainsKey(id)))
        {
            _schedules[id] = new ClusterSchedule();
        }

        foreach (var gone in _schedules.Keys.Except(ids).ToList())
        {
            _schedules.Remove(gone);
            if (!_running.ContainsKey(gone))
            {
                await ReleaseLockAsync(gone);
            }
        }
    }

    private async Task WaitForWorkAsync(CancellationToken ct)
    {
        using var wake = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var tick = Task.Delay(Tick, timeProvider, wake.Token);
        var request = requests.Reader.WaitToReadAsync(wake.Token).AsTask();
        var finished = _running.Values.Where(t => !t.IsCompleted).ToList();
        await Task.WhenAny([tick, request, .. finished]);
        await wake.CancelAsync();
        ct.ThrowIfCancellationRequested();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster sync is disabled (Sync:Enabled = false)")]
    private partial void LogDisabled();

    [LoggerMessage(Level = LogLevel.Error, Message = "A sync pass of cluster {ClusterId} failed on the portal's side")]
    private partial void LogPassFailed(int clusterId, Exception exception);

    /// <summary>When each part of one cluster is next due.</summary>
    private sealed class ClusterSchedule
    {
        private readonly Dictionary<SyncParts, DateTimeOffset> _next = [];
        private bool _everythingRequested = true; // A cluster seen for the first time is synced at once.

        public void RequestEverything() => _everythingRequested = true;

        public SyncParts DueParts(DateTimeOffset now, SyncOptions options)
        {
            if (_everythingRequested)
            {
                return SyncParts.Info | SyncParts.Nodes | SyncParts.Instances | SyncParts.Runtime;
            }

            var parts = SyncParts.None;
            foreach (var (part, _) in Intervals(options))
            {
                if (!_next.TryGetValue(part, out var due) || now >= due)
                {
                    parts |= part;
                }
            }

            // A full listing is an instance pass that fetches everything.
            if (parts.HasFlag(SyncParts.FullListing))
            {
                parts |= SyncParts.Instances;
            }

            return parts;
        }

        public void MarkStarted(SyncParts parts, DateTimeOffset now, SyncOptions options)
        {
            if (_everythingRequested)
            {
                _everythingRequested = false;
                if (!_next.ContainsKey(SyncParts.FullListing))
                {
                    _next[SyncParts.FullListing] = now + options.FullRefreshInterval;
                }
            }

            foreach (var (part, interval) in Intervals(options))
            {
                if (parts.HasFlag(part))
                {
                    _next[part] = now + interval;
                }
            }
        }

        private static IEnumerable<(SyncParts Part, TimeSpan Interval)> Intervals(SyncOptions options) =>
        [
            (SyncParts.Info, options.ClusterInfoInterval),
            (SyncParts.Nodes, options.NodeInterval),
            (SyncParts.Instances, options.ConfigInterval),
            (SyncParts.Runtime, options.RuntimeInterval),
            (SyncParts.Jobs, options.JobInterval),
            (SyncParts.FullListing, options.FullRefreshInterval),
        ];
    }
}
