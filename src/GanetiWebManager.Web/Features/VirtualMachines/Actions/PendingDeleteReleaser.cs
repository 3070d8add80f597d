using GanetiWebManager.Web.Domain.Jobs;
using GanetiWebManager.Web.Features.LiveUpdates;
using Npgsql;

namespace GanetiWebManager.Web.Features.VirtualMachines.Actions;

/// <summary>
/// Clears "pending delete" from a VM whose delete job failed, was cancelled or never reached Ganeti: the VM is
/// still there and usable, and must not stay greyed out. (A delete that succeeded needs nothing here: the sync
/// removes the row once Ganeti no longer has the instance, and its quota usage goes with it.) Woken by job changes
/// on the <see cref="LiveUpdateHub"/>, and once at start for jobs that ended while the portal was down; one
/// idempotent statement, safe on several portal instances.
/// </summary>
public sealed partial class PendingDeleteReleaser(NpgsqlDataSource dataSource, LiveUpdateHub liveUpdates, ILogger<PendingDeleteReleaser> logger) : BackgroundService
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var subscription = liveUpdates.Subscribe(c => c is JobChanged { VirtualMachineId: not null }, () =>
        {
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException)
            {
                // A pass is already due.
            }

            return Task.CompletedTask;
        });
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ReleaseAsync(stoppingToken);
                await _signal.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                LogFailed(e);
                await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken);
            }
        }
    }

    /// <summary>One pass; returns the VMs whose flag it cleared.</summary>
    internal async Task<int> ReleaseAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand(
            """
            UPDATE virtual_machines v SET pending_delete = false
             WHERE v.pending_delete
               AND EXISTS (SELECT 1 FROM jobs j WHERE j.virtual_machine_id = v.id AND j.operation = $1)
               AND NOT EXISTS (
                   SELECT 1 FROM jobs j
                    WHERE j.virtual_machine_id = v.id AND j.operation = $1
                      AND NOT (j.status IN ('Error', 'Canceled') OR j.submission IN ('Rejected', 'Abandoned')))
            RETURNING v.cluster_id, v.id
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = JobOperations.InstanceRemove });
        List<(int Cluster, long Vm)> cleared = [];
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                cleared.Add((reader.GetInt32(0), reader.GetInt64(1)));
            }
        }

        foreach (var group in cleared.GroupBy(c => c.Cluster))
        {
            liveUpdates.Publish(new VirtualMachinesChanged(group.Key, [.. group.Select(c => c.Vm)]));
        }

        return cleared.Count;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Clearing the pending-delete flag of failed deletes failed; the next job change retries")]
    private partial void LogFailed(Exception exception);
}
