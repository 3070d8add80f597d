using System.Text.Json.Nodes;
using GanetiWebManager.FakeRapi.Model;

namespace GanetiWebManager.FakeRapi.Jobs;

/// <summary>
/// The fake job queue: jobs go queued → waiting (for the locks of their objects) → running → success/error, one
/// opcode after the other, with log lines that take <see cref="FakeClusterOptions.JobStepDelay"/> each. State is
/// guarded by the cluster's lock; every change wakes the <c>/2/jobs/N/wait</c> long-polls of that job.
/// </summary>
public sealed class JobScheduler
{
    private readonly FakeCluster _cluster;
    private readonly Dictionary<long, FakeJob> _jobs = [];
    private readonly Dictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);
    private TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _nextId = 1;
    private bool _held;
    private TaskCompletionSource? _masterBack;

    internal JobScheduler(FakeCluster cluster)
    {
        _cluster = cluster;
        _held = cluster.Options.HoldJobs;
        if (!_held)
        {
            _released.TrySetResult();
        }
    }

    /// <summary>Whether new jobs stay queued (until <see cref="Release"/>).</summary>
    public bool Held
    {
        get
        {
            lock (_cluster.Sync)
            {
                return _held;
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_cluster.Sync)
            {
                return _jobs.Count;
            }
        }
    }

    /// <summary>Keeps jobs submitted from now on (and those not yet started) queued.</summary>
    public void Hold()
    {
        lock (_cluster.Sync)
        {
            if (!_held)
            {
                _held = true;
                _released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    /// <summary>Lets held jobs run.</summary>
    public void Release()
    {
        lock (_cluster.Sync)
        {
            _held = false;
            _released.TrySetResult();
        }
    }

    public IReadOnlyList<JobSnapshot> List()
    {
        lock (_cluster.Sync)
        {
            return _jobs.Values.OrderBy(j => j.Id).Select(JobSnapshot.Of).ToList();
        }
    }

    public JobSnapshot? Find(long id)
    {
        lock (_cluster.Sync)
        {
            return _jobs.TryGetValue(id, out var job) ? JobSnapshot.Of(job) : null;
        }
    }

    /// <summary>Waits until the job is finalized (tests; RAPI clients poll).</summary>
    public async Task<JobSnapshot> WaitAsync(long id, CancellationToken ct = default)
    {
        while (true)
        {
            Task next;
            lock (_cluster.Sync)
            {
                var job = _jobs.GetValueOrDefault(id) ?? throw new KeyNotFoundException($"No job {id}.");
                if (job.IsFinalized)
                {
                    return JobSnapshot.Of(job);
                }

                next = job.NextChange;
            }

            await next.WaitAsync(ct);
        }
    }

    /// <summary>Waits until no job is pending.</summary>
    public async Task WaitForIdleAsync(CancellationToken ct = default)
    {
        foreach (var id in List().Where(j => j.Status is not ("success" or "error" or "canceled")).Select(j => j.Id))
        {
            await WaitAsync(id, ct);
        }
    }

    internal FakeJob? Get(long id) => _jobs.GetValueOrDefault(id);

    internal IEnumerable<FakeJob> All => _jobs.Values.OrderBy(j => j.Id);

    /// <summary>Queues a job (caller holds the cluster lock): ids are consecutive; every opcode's reason trail gets
    /// Ganeti's <c>gnt:opcode:…</c> entry.</summary>
    internal FakeJob Submit(IReadOnlyList<FakeOp> ops)
    {
        var received = JobTimestamp.From(_cluster.Time.GetUtcNow());
        var job = new FakeJob(_nextId++, ops, received);
        for (var index = 0; index < ops.Count; index++)
        {
            var op = ops[index];
            var source = "gnt:opcode:" + op.OpId["OP_".Length..].ToLowerInvariant();
            ((JsonArray)op.Input["reason"]!).Add(new JsonArray(source, $"job={job.Id};index={index}", received.Nanoseconds));
        }

        _jobs.Add(job.Id, job);
        _ = Task.Run(() => RunAsync(job));
        return job;
    }

    /// <summary><c>DELETE /2/jobs/N</c> as Ganeti 3.0 answers it: only a job still in the queue can be dequeued.</summary>
    internal (bool Success, string Message) Cancel(long id)
    {
        if (_jobs.TryGetValue(id, out var job) && job.Status == "queued" && job.StartedAt is null)
        {
            var now = JobTimestamp.From(_cluster.Time.GetUtcNow());
            foreach (var op in job.Ops)
            {
                op.Status = "canceled";
                op.EndedAt = now;
            }

            job.EndedAt = now;
            job.SignalChange();
            return (true, $"Dequeued job {id}");
        }

        return (false, $"Job {id} not found in queue");
    }

    internal Task StepAsync() => Delay(_cluster.Options.JobStepDelay);

    /// <summary>Master failover: running jobs die (NoMasterError, as on a real cluster), new ones wait for the
    /// new master.</summary>
    internal void MasterLost()
    {
        _masterBack ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    internal void MasterBack()
    {
        _masterBack?.TrySetResult();
        _masterBack = null;
    }

    internal void ThrowIfMasterLost()
    {
        if (_masterBack is not null)
        {
            throw new OpException("NoMasterError", "/var/run/ganeti/socket/ganeti-wconfd");
        }
    }

    private async Task RunAsync(FakeJob job)
    {
        await Delay(_cluster.Options.JobQueueDelay);
        while (true)
        {
            Task gate;
            lock (_cluster.Sync)
            {
                if (job.IsFinalized)
                {
                    return; // canceled while queued
                }

                gate = !_released.Task.IsCompleted ? _released.Task : _masterBack?.Task ?? Task.CompletedTask;
                if (gate.IsCompleted)
                {
                    job.StartedAt = JobTimestamp.From(_cluster.Time.GetUtcNow());
                    break;
                }
            }

            await gate;
        }

        var failed = false;
        foreach (var op in job.Ops)
        {
            if (failed)
            {
                lock (_cluster.Sync)
                {
                    op.Status = "error";
                    op.Result = new OpException("OpExecError", "Preceding opcode failed").ToJson();
                    op.EndedAt = JobTimestamp.From(_cluster.Time.GetUtcNow());
                }

                continue;
            }

            failed = !await RunOpAsync(job, op);
        }

        lock (_cluster.Sync)
        {
            job.EndedAt = JobTimestamp.From(_cluster.Time.GetUtcNow());
            job.SignalChange();
        }
    }

    private async Task<bool> RunOpAsync(FakeJob job, FakeOp op)
    {
        lock (_cluster.Sync)
        {
            op.Status = "waiting";
            op.StartedAt = JobTimestamp.From(_cluster.Time.GetUtcNow());
            job.SignalChange();
        }

        var held = new List<SemaphoreSlim>();
        try
        {
            foreach (var name in op.Locks.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                SemaphoreSlim semaphore;
                lock (_locks)
                {
                    if (!_locks.TryGetValue(name, out semaphore!))
                    {
                        semaphore = new SemaphoreSlim(1, 1);
                        _locks.Add(name, semaphore);
                    }
                }

                await semaphore.WaitAsync();
                held.Add(semaphore);
            }

            lock (_cluster.Sync)
            {
                op.Status = "running";
                op.ExecutedAt = JobTimestamp.From(_cluster.Time.GetUtcNow());
                job.SignalChange();
            }

            JsonNode? result;
            try
            {
                ThrowIfMasterLostLocked();
                result = await op.Execute(new OpContext(_cluster, job, op, this));
                ThrowIfMasterLostLocked();
            }
            catch (OpException ex)
            {
                lock (_cluster.Sync)
                {
                    op.Status = "error";
                    op.Result = ex.ToJson();
                    op.EndedAt = JobTimestamp.From(_cluster.Time.GetUtcNow());
                    job.SignalChange();
                }

                return false;
            }

            lock (_cluster.Sync)
            {
                op.Status = "success";
                op.Result = result;
                op.EndedAt = JobTimestamp.From(_cluster.Time.GetUtcNow());
                job.SignalChange();
            }

            return true;
        }
        finally
        {
            foreach (var semaphore in held)
            {
                semaphore.Release();
            }
        }
    }

    private void ThrowIfMasterLostLocked()
    {
        lock (_cluster.Sync)
        {
            ThrowIfMasterLost();
        }
    }

    private Task Delay(TimeSpan delay) =>
        delay <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(delay, _cluster.Time);
}
