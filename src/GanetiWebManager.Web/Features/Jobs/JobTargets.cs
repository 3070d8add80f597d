using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Jobs;
using Microsoft.EntityFrameworkCore;

namespace GanetiWebManager.Web.Features.Jobs;

/// <summary>Works out what a job found in Ganeti's queue acts on, and records it.</summary>
public static class JobTargets
{
    /// <summary>
    /// The object of a job, from its first opcode: <c>instance_name</c> → that VM, <c>node_name</c> → that node,
    /// a tags opcode by its <c>kind</c> and <c>name</c>, anything else → the cluster. The summary
    /// (<c>INSTANCE_STARTUP(web1)</c>) is the fallback when the opcodes are not available.
    /// </summary>
    public static (JobTargetKind Kind, string? Name) Describe(JobInfo job)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job.Ops.Count > 0)
        {
            var op = job.Ops[0];
            if (op.GetString("instance_name") is { Length: > 0 } instance)
            {
                return (JobTargetKind.VirtualMachine, instance);
            }

            if (op.GetString("node_name") is { Length: > 0 } node)
            {
                return (JobTargetKind.Node, node);
            }

            switch (op.GetString("kind"))
            {
                case "instance" when op.GetString("name") is { Length: > 0 } tagged:
                    return (JobTargetKind.VirtualMachine, tagged);
                case "node" when op.GetString("name") is { Length: > 0 } tagged:
                    return (JobTargetKind.Node, tagged);
                default:
                    break;
            }

            if (op.GetString("group_name") is { Length: > 0 } group)
            {
                return (JobTargetKind.Cluster, $"group {group}");
            }

            if (op.GetString("network_name") is { Length: > 0 } network)
            {
                return (JobTargetKind.Cluster, $"network {network}");
            }

            return (JobTargetKind.Cluster, null);
        }

        // INSTANCE_STARTUP(web1) / NODE_EVACUATE(node2) / CLUSTER_VERIFY
        if (job.Summary.Count > 0 && job.Summary[0] is { } summary)
        {
            var open = summary.IndexOf('(', StringComparison.Ordinal);
            var name = open > 0 && summary.EndsWith(')') ? summary[(open + 1)..^1] : null;
            if (name is { Length: > 0 } && summary.StartsWith("INSTANCE_", StringComparison.Ordinal))
            {
                return (JobTargetKind.VirtualMachine, name);
            }

            if (name is { Length: > 0 } && summary.StartsWith("NODE_", StringComparison.Ordinal))
            {
                return (JobTargetKind.Node, name);
            }
        }

        return (JobTargetKind.Cluster, null);
    }

    /// <summary>The target with the ids of the portal's rows for it (null when the portal has no such VM or node yet).</summary>
    public static async Task<JobActionTarget> ResolveAsync(AppDbContext db, int clusterId, JobInfo job, CancellationToken ct)
    {
        var (kind, name) = Describe(job);
        switch (kind)
        {
            case JobTargetKind.VirtualMachine:
                var vmName = name!.ToLowerInvariant();
                var vmId = await db.VirtualMachines.Where(v => v.ClusterId == clusterId && v.Name == vmName)
                    .Select(v => (long?)v.Id).SingleOrDefaultAsync(ct);
                return new JobActionTarget(clusterId, kind, vmName, VirtualMachineId: vmId);
            case JobTargetKind.Node:
                var nodeName = name!.ToLowerInvariant();
                var nodeId = await db.Nodes.Where(n => n.ClusterId == clusterId && n.Name == nodeName)
                    .Select(n => (int?)n.Id).SingleOrDefaultAsync(ct);
                return new JobActionTarget(clusterId, kind, nodeName, NodeId: nodeId);
            default:
                var slug = name ?? await db.Clusters.Where(c => c.Id == clusterId).Select(c => c.Slug).SingleAsync(ct);
                return new JobActionTarget(clusterId, JobTargetKind.Cluster, slug);
        }
    }

    /// <summary>A row for a job the portal did not submit (source Outside), before its details are applied.</summary>
    public static Job NewDiscovered(int clusterId, JobInfo job, JobActionTarget target, DateTimeOffset now) => new()
    {
        ClusterId = clusterId,
        GanetiJobId = job.Id.Value,
        Source = JobSource.Outside,
        Operation = OperationOf(job),
        Submission = JobSubmission.Submitted,
        Status = Domain.Jobs.JobStatus.Queued,
        TargetKind = target.Kind,
        VirtualMachineId = target.VirtualMachineId,
        NodeId = target.NodeId,
        TargetName = target.Name.Length > 253 ? target.Name[..253] : target.Name,
        CreatedAt = now,
        SubmittedAt = job.ReceivedAt,
    };

    /// <summary>
    /// The portal's name for what a Ganeti job does: <c>OP_INSTANCE_STARTUP</c> → <c>instance.startup</c>, the names
    /// the portal's own actions use. A reinstall arrives as shutdown + reinstall + startup: the opcode that is
    /// neither names it.
    /// </summary>
    public static string OperationOf(JobInfo job)
    {
        var opIds = job.Ops.Select(o => o.GetString("OP_ID")).OfType<string>().ToList();
        if (opIds.Count == 0)
        {
            opIds = [.. job.Summary.Select(s => "OP_" + (s.IndexOf('(', StringComparison.Ordinal) is var i and > 0 ? s[..i] : s))];
        }

        var main = opIds.Count > 1
            ? opIds.FirstOrDefault(o => o is not ("OP_INSTANCE_SHUTDOWN" or "OP_INSTANCE_STARTUP")) ?? opIds[0]
            : opIds.FirstOrDefault();
        if (main is null)
        {
            return "unknown";
        }

        var name = (main.StartsWith("OP_", StringComparison.Ordinal) ? main[3..] : main).ToLowerInvariant();
        var split = name.IndexOf('_', StringComparison.Ordinal);
        var operation = split > 0 ? name[..split] + "." + name[(split + 1)..] : name;
        return operation.Length > 64 ? operation[..64] : operation;
    }
}
