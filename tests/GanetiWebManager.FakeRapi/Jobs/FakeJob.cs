using System.Text.Json.Nodes;
using GanetiWebManager.FakeRapi.Model;

namespace GanetiWebManager.FakeRapi.Jobs;

/// <summary>A job-queue timestamp: <c>[seconds, microseconds]</c>.</summary>
internal readonly record struct JobTimestamp(long Seconds, long Microseconds)
{
    public static JobTimestamp From(DateTimeOffset time)
    {
        var micro = (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
        return new JobTimestamp(micro / 1_000_000, micro % 1_000_000);
    }

    /// <summary>The reason trail's nanoseconds.</summary>
    public long Nanoseconds => (Seconds * 1_000_000_000) + (Microseconds * 1000);

    public JsonArray ToJson() => [Seconds, Microseconds];
}

internal sealed record JobLogLine(long Serial, JobTimestamp Time, string Type, string Message)
{
    public JsonArray ToJson() => [Serial, Time.ToJson(), Type, Message];
}

/// <summary>One opcode of a job: its parameters as Ganeti records them, its state, log and result.</summary>
internal sealed class FakeOp
{
    public FakeOp(JsonObject input, Func<OpContext, Task<JsonNode?>> execute, IReadOnlyList<string> locks)
    {
        Input = input;
        Execute = execute;
        Locks = locks;
    }

    /// <summary>The opcode as <c>GET /2/jobs/N</c> shows it in <c>ops</c>.</summary>
    public JsonObject Input { get; }

    public Func<OpContext, Task<JsonNode?>> Execute { get; }

    /// <summary>Names of the objects the opcode locks (jobs on the same object wait for each other).</summary>
    public IReadOnlyList<string> Locks { get; }

    public string OpId => (string)Input["OP_ID"]!;

    public string Status { get; set; } = "queued";

    public JsonNode? Result { get; set; }

    public List<JobLogLine> Log { get; } = [];

    public JobTimestamp? StartedAt { get; set; }

    public JobTimestamp? ExecutedAt { get; set; }

    public JobTimestamp? EndedAt { get; set; }

    public int Priority => (int)(Units.Long(Input["priority"]) ?? 0);

    /// <summary>The summary Ganeti shows: the opcode without <c>OP_</c> and, for most, the object in parentheses.</summary>
    public string Summary
    {
        get
        {
            var name = OpId["OP_".Length..];
            var target = OpId switch
            {
                "OP_TAGS_SET" or "OP_TAGS_DEL" or "OP_INSTANCE_RENAME" => null,
                _ when Input["instance_name"] is JsonValue i => (string?)i,
                _ when Input["node_name"] is JsonValue n => (string?)n,
                _ when Input["group_name"] is JsonValue g => (string?)g,
                _ when Input["network_name"] is JsonValue w => (string?)w,
                _ => null,
            };
            return target is null ? name : $"{name}({target})";
        }
    }
}

/// <summary>A job of the fake queue. Its state is guarded by the cluster's lock.</summary>
internal sealed class FakeJob
{
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public FakeJob(long id, IReadOnlyList<FakeOp> ops, JobTimestamp received)
    {
        Id = id;
        Ops = ops;
        ReceivedAt = received;
    }

    public long Id { get; }

    public IReadOnlyList<FakeOp> Ops { get; }

    public JobTimestamp ReceivedAt { get; }

    public JobTimestamp? StartedAt { get; set; }

    public JobTimestamp? EndedAt { get; set; }

    public long LastLogSerial { get; set; }

    /// <summary>Ganeti's calcJobStatus: success if every opcode succeeded; else the first error/canceling/canceled
    /// opcode decides; else the last opcode that is neither queued nor successful; else queued.</summary>
    public string Status
    {
        get
        {
            var status = "queued";
            var allSuccess = true;
            foreach (var op in Ops)
            {
                if (op.Status is "error" or "canceling" or "canceled")
                {
                    return op.Status;
                }

                allSuccess &= op.Status == "success";
                if (op.Status is not ("success" or "queued"))
                {
                    status = op.Status;
                }
            }

            return allSuccess ? "success" : status;
        }
    }

    public bool IsFinalized => Status is "success" or "error" or "canceled";

    /// <summary>Completes when the job changes next (a status or a log line).</summary>
    public Task NextChange => _changed.Task;

    public void SignalChange()
    {
        var previous = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        previous.TrySetResult();
    }
}

/// <summary>A job as tests see it.</summary>
public sealed record JobSnapshot(
    long Id,
    string Status,
    IReadOnlyList<string> Summary,
    IReadOnlyList<string> OpIds,
    IReadOnlyList<string> OpStatus,
    string ReasonTrail,
    JsonArray Ops,
    JsonArray OpResult)
{
    internal static JobSnapshot Of(FakeJob job) => new(
        job.Id,
        job.Status,
        job.Ops.Select(o => o.Summary).ToList(),
        job.Ops.Select(o => o.OpId).ToList(),
        job.Ops.Select(o => o.Status).ToList(),
        job.Ops.Count > 0 ? job.Ops[0].Input["reason"]?.ToJsonString() ?? "[]" : "[]",
        new JsonArray(job.Ops.Select(o => (JsonNode?)o.Input.DeepClone()).ToArray()),
        new JsonArray(job.Ops.Select(o => o.Result?.DeepClone()).ToArray()));
}

/// <summary>A failed opcode: Ganeti's exception class and its arguments (<c>[message]</c> or
/// <c>[message, error code]</c>).</summary>
internal sealed class OpException(string errorClass, string message, string? code = null) : Exception(message)
{
    public string ErrorClass { get; } = errorClass;

    public string? Code { get; } = code;

    public static OpException Prereq(string message, string? code = "wrong_input") => new("OpPrereqError", message, code);

    public static OpException Exec(string message) => new("OpExecError", message);

    public static OpException UnknownInstance(string name) => Prereq($"Instance '{name}' not known", "unknown_entity");

    public static OpException UnknownNode(string name) => Prereq($"Node '{name}' not known", "unknown_entity");

    public JsonArray ToJson()
    {
        var args = new JsonArray(Message);
        if (Code is not null)
        {
            args.Add(Code);
        }

        return [ErrorClass, args];
    }
}

/// <summary>What an executing opcode may use: the cluster, log lines that take time, dry-run.</summary>
internal sealed class OpContext(FakeCluster cluster, FakeJob job, FakeOp op, JobScheduler queue)
{
    public FakeCluster Cluster { get; } = cluster;

    public FakeJob Job { get; } = job;

    public FakeOp Op { get; } = op;

    public JobScheduler Queue { get; } = queue;

    public bool DryRun => (bool?)Op.Input["dry_run"] ?? false;

    /// <summary>Adds a log line to the job (<c>message</c> type) and lets the step's time pass.</summary>
    public async Task LogAsync(string message)
    {
        lock (Cluster.Sync)
        {
            Queue.ThrowIfMasterLost();
            Job.LastLogSerial++;
            Op.Log.Add(new JobLogLine(Job.LastLogSerial, JobTimestamp.From(Cluster.Time.GetUtcNow()), "message", message));
            Job.SignalChange();
        }

        await Queue.StepAsync();
    }

    /// <summary>Ends a dry run after the checks, as Ganeti does.</summary>
    public Task LogDryRunAsync() => LogAsync(" - INFO: dry-run mode requested, not actually executing the operation");

    /// <summary>Adds the resolved UUID right after the name parameter, as Ganeti's LUs do once the name is checked.</summary>
    public void Resolved(string nameKey, string uuidKey, string uuid)
    {
        lock (Cluster.Sync)
        {
            if (Op.Input.ContainsKey(uuidKey))
            {
                return;
            }

            var index = Op.Input.IndexOf(nameKey);
            Op.Input.Insert(index < 0 ? Op.Input.Count : index + 1, uuidKey, uuid);
        }
    }
}
