using GanetiWebManager.Web.Features.LiveUpdates;
using Microsoft.Extensions.Options;
using Npgsql;

namespace GanetiWebManager.Web.Features.Quotas;

/// <summary>
/// Settles quota reservations when their job ends (product-spec §5, ADR 0008). It needs no call from the job code:
/// it listens to the <see cref="LiveUpdateHub"/> for job and VM changes (the follower, submitter and reconciler
/// publish every job state they record, the sync every VM it changes) and sweeps at start and every
/// <see cref="QuotaOptions.SweepInterval"/>, which covers jobs that ended while the portal was down. Each pass is a
/// few set-based statements, idempotent and safe to run on several portal instances at once:
/// <list type="bullet">
/// <item>job ended in error or was cancelled (or refused) → released;</item>
/// <item>job succeeded (or ended unseen) → settled once the mirror shows it (the started VM is meant to be up, the
/// created VM exists charged to the owner), or after <see cref="QuotaOptions.SettleGrace"/>; usage never dips between
/// (for a moment it counts both);</item>
/// <item>no job intent after <see cref="QuotaOptions.IntentTimeout"/> (a crash between reservation and intent) → released.</item>
/// </list>
/// </summary>
public sealed partial class QuotaSettler(
    NpgsqlDataSource dataSource,
    LiveUpdateHub liveUpdates,
    IOptions<QuotaOptions> options,
    TimeProvider timeProvider,
    ILogger<QuotaSettler> logger) : BackgroundService
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.SettlerEnabled)
        {
            return;
        }

        using var subscription = liveUpdates.Subscribe(c => c is JobChanged or VirtualMachinesChanged, () =>
        {
            Wake();
            return Task.CompletedTask;
        });
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SettleAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                LogSweepFailed(e); // the next signal or sweep tries again
            }

            // Until a change is signalled or the sweep is due; the loser of the two is cancelled, so no stale
            // semaphore waiter swallows a later signal.
            using var wake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var delay = Task.Delay(options.Value.SweepInterval, timeProvider, wake.Token);
            var signalled = _signal.WaitAsync(wake.Token);
            await Task.WhenAny(delay, signalled);
            await wake.CancelAsync();
        }
    }

    private void Wake()
    {
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // A pass is already due.
        }
    }

    /// <summary>One settlement pass; returns how many reservations it settled or released.</summary>
    internal async Task<int> SettleAsync(CancellationToken ct)
    {
        var now = timeProvider.GetUtcNow();
        var graceCutoff = now - options.Value.SettleGrace;
        var intentCutoff = now - options.Value.IntentTimeout;
        var clusters = new HashSet<int>();
        await using var connection = await dataSource.OpenConnectionAsync(ct);

        // A failed, cancelled or refused job ran nothing: release at once.
        var released = await RunAsync(connection, """
            UPDATE quota_reservations r
               SET state = 'Released', settled_at = $1,
                   outcome = CASE j.status WHEN 'Canceled' THEN 'job cancelled' ELSE 'job failed' END
              FROM jobs j
             WHERE r.job_id = j.id AND r.state = 'Held' AND j.status IN ('Error', 'Canceled')
            RETURNING r.cluster_id
            """, [now], clusters, ct);

        // Succeeded (or ended unseen): the grace period starts when the portal first sees it.
        await RunAsync(connection, """
            UPDATE quota_reservations r
               SET job_ended_at = $1
              FROM jobs j
             WHERE r.job_id = j.id AND r.state = 'Held' AND r.job_ended_at IS NULL AND j.status IN ('Success', 'Unknown')
            RETURNING r.cluster_id
            """, [now], null, ct);

        // Settled once the VM itself carries the charge (or the grace period is over).
        var settled = await RunAsync(connection, """
            UPDATE quota_reservations r
               SET state = 'Settled', settled_at = $1,
                   outcome = CASE WHEN r.job_ended_at < $2 THEN 'settled after the grace period' ELSE 'mirrored' END
             WHERE r.state = 'Held' AND r.job_ended_at IS NOT NULL
               AND (r.job_ended_at < $2
                    OR (r.purpose = 'Start' AND (r.virtual_machine_id IS NULL OR EXISTS (
                            SELECT 1 FROM virtual_machines v
                             WHERE v.id = r.virtual_machine_id AND (v.admin_state = 'up' OR v.missing_since IS NOT NULL))))
                    OR (r.purpose = 'Create' AND EXISTS (
                            SELECT 1 FROM virtual_machines v
                             WHERE v.cluster_id = r.cluster_id AND v.name = lower(r.vm_name) AND v.missing_since IS NULL
                               AND v.owner_user_id IS NOT DISTINCT FROM r.owner_user_id
                               AND v.owner_group_id IS NOT DISTINCT FROM r.owner_group_id)))
            RETURNING r.cluster_id
            """, [now, graceCutoff], clusters, ct);

        // Reserved, but the job intent was never recorded (the portal stopped in between).
        var orphaned = await RunAsync(connection, """
            UPDATE quota_reservations
               SET state = 'Released', settled_at = $1, outcome = 'no job was recorded for it'
             WHERE state = 'Held' AND job_id IS NULL AND created_at < $2
            RETURNING cluster_id
            """, [now, intentCutoff], clusters, ct);

        await RunAsync(connection, """
            DELETE FROM quota_reservations WHERE state <> 'Held' AND settled_at < $1 RETURNING cluster_id
            """, [now - options.Value.Retention], null, ct);

        foreach (var clusterId in clusters)
        {
            liveUpdates.Publish(new QuotaChanged(clusterId));
        }

        var total = released + settled + orphaned;
        if (total > 0)
        {
            LogSettled(released, settled, orphaned);
        }

        return total;
    }

    private static async Task<int> RunAsync(NpgsqlConnection connection, string sql, object[] parameters, HashSet<int>? clusters, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var value in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        var count = 0;
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            count++;
            clusters?.Add(reader.GetInt32(0));
        }

        return count;
    }

    public override void Dispose()
    {
        _signal.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Settling quota reservations failed; the next pass tries again")]
    private partial void LogSweepFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Quota reservations: {Released} released (job failed), {Settled} settled (job done and mirrored), {Orphaned} released (no job)")]
    private partial void LogSettled(int released, int settled, int orphaned);
}
