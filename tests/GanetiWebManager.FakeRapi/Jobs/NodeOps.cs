using System.Text.Json.Nodes;
using GanetiWebManager.FakeRapi.Model;
using static GanetiWebManager.FakeRapi.Jobs.Units;

namespace GanetiWebManager.FakeRapi.Jobs;

/// <summary>Node opcodes: role and flag changes, evacuation and migration (both submit child jobs).</summary>
internal static class NodeOps
{
    private static readonly string[] PassedOn = ["mode", "iallocator", "target_node"];

    public static async Task<JsonNode?> SetParamsAsync(OpContext ctx)
    {
        await ctx.Queue.StepAsync();
        var input = ctx.Op.Input;
        var cluster = ctx.Cluster;
        lock (cluster.Sync)
        {
            var node = Resolve(ctx);
            var isMaster = node.Name == cluster.Master;
            bool? candidate = input["master_candidate"] is JsonValue c ? Bool(c) : null;
            bool? offline = input["offline"] is JsonValue o ? Bool(o) : null;
            bool? drained = input["drained"] is JsonValue d ? Bool(d) : null;
            if (isMaster && (candidate == false || offline == true || drained == true))
            {
                throw OpException.Prereq("The master role can be changed only via master-failover", "wrong_input");
            }

            var result = new JsonArray();
            var old = (node.MasterCandidate, node.Drained, node.Offline);
            var next = old;
            if (offline == true)
            {
                next = (false, false, true);
            }
            else if (drained == true)
            {
                next = (false, true, false);
            }
            else if (candidate == true)
            {
                next = (true, false, false);
            }
            else
            {
                next = (candidate ?? next.MasterCandidate, drained ?? next.Drained, offline ?? next.Offline);
                if (!next.MasterCandidate && !next.Drained && !next.Offline && node.MasterCapable
                    && cluster.NodeList.Count(n => n != node && n.MasterCandidate) < cluster.Options.CandidatePoolSize)
                {
                    // Ganeti refills the candidate pool: a node set to "regular" stays a candidate while the pool has room.
                    next = (true, false, false);
                }
            }

            if (ctx.DryRun)
            {
                return result;
            }

            cluster.Touch(node);
            if (next != old)
            {
                if (next.MasterCandidate != old.MasterCandidate)
                {
                    result.Add(new JsonArray("master_candidate", next.MasterCandidate ? "True" : "False"));
                }

                if (next.Drained != old.Drained)
                {
                    result.Add(new JsonArray("drained", next.Drained ? "True" : "False"));
                }

                if (next.Offline != old.Offline)
                {
                    result.Add(new JsonArray("offline", next.Offline ? "True" : "False"));
                }

                (node.MasterCandidate, node.Drained, node.Offline) = next;
                cluster.Touch(node);
                cluster.InvalidateInstancesOn(node.Name);
            }

            return result;
        }
    }

    public static async Task<JsonNode?> EvacuateAsync(OpContext ctx)
    {
        await ctx.Queue.StepAsync();
        var input = ctx.Op.Input;
        var cluster = ctx.Cluster;
        var mode = Str(input["mode"])!;
        List<(string Instance, string Target, bool Replace)> moves;
        FakeNode node;
        List<string> names;
        lock (cluster.Sync)
        {
            node = Resolve(ctx);
            var remote = Str(input["remote_node"]);
            if (remote is not null)
            {
                var remoteNode = cluster.FindNode(remote) ?? throw OpException.UnknownNode(remote);
                if (remoteNode == node)
                {
                    throw OpException.Prereq("Can not use evacuated node as a new secondary node", "wrong_input");
                }

                if (mode != "secondary-only")
                {
                    throw OpException.Prereq("Without the use of an iallocator only secondary instances can be evacuated", "wrong_input");
                }
            }

            if (mode == "all")
            {
                throw OpException.Prereq(
                    "Due to an issue with the iallocator interface it is not possible to evacuate all instances at once; specify explicitly whether to evacuate primary or secondary instances",
                    "wrong_input");
            }

            var instances = cluster.InstanceMap.Values
                .Where(i => mode == "primary-only" ? i.PrimaryNode == node.Name : i.SecondaryNodes.Contains(node.Name))
                .OrderBy(i => i.Name, StringComparer.Ordinal)
                .ToList();
            names = instances.Select(i => i.Name).ToList();
            moves = [];
            foreach (var instance in instances)
            {
                if (mode == "primary-only")
                {
                    if (instance.DiskTemplate is "file" or "plain" or "blockdev")
                    {
                        throw OpException.Prereq(
                            $"Can't compute node evacuation using iallocator '{Str(input["iallocator"]) ?? "hail"}': Request failed: Instance {instance.Name} has disk template {instance.DiskTemplate} and cannot be moved",
                            "insufficient_resources");
                    }

                    var target = instance.DiskTemplate == "drbd"
                        ? instance.SecondaryNodes[0]
                        : Placement.Best(cluster, node.GroupUuid, [node.Name])?.Name
                            ?? throw OpException.Prereq($"Can't compute node evacuation using iallocator '{Str(input["iallocator"]) ?? "hail"}': Request failed: No valid allocation solutions", "insufficient_resources");
                    moves.Add((instance.Name, target, false));
                }
                else
                {
                    var target = remote ?? Placement.Best(cluster, node.GroupUuid, [node.Name, instance.PrimaryNode])?.Name
                        ?? throw OpException.Prereq($"Can't compute node evacuation using iallocator '{Str(input["iallocator"]) ?? "hail"}': Request failed: No valid allocation solutions", "insufficient_resources");
                    moves.Add((instance.Name, target, true));
                }
            }
        }

        await ctx.LogAsync(names.Count > 0
            ? $" - INFO: Evacuating instances from node '{node.Name}': {Join(names)}"
            : $" - INFO: No instances to evacuate from node '{node.Name}'");
        if (ctx.DryRun)
        {
            await ctx.LogDryRunAsync();
            return null;
        }

        if (moves.Count > 0)
        {
            await ctx.LogAsync($" - INFO: Instances to be moved: {Join(moves.Select(m => $"{m.Instance} (to {m.Target})"))}");
        }

        var earlyRelease = Bool(input["early_release"]);
        return SubmitChildren(ctx, moves.Select(m =>
        {
            var op = Opcodes.Head(ChildSource(ctx), m.Replace ? "OP_INSTANCE_REPLACE_DISKS" : "OP_INSTANCE_MIGRATE");
            op["instance_name"] = m.Instance;
            if (m.Replace)
            {
                op["early_release"] = earlyRelease;
                op["ignore_ipolicy"] = false;
                op["mode"] = "replace_new_secondary";
                op["disks"] = new JsonArray();
                op["remote_node"] = m.Target;
            }
            else
            {
                op["mode"] = "live";
                op["target_node"] = m.Target;
                op["allow_runtime_changes"] = false;
                op["ignore_ipolicy"] = false;
                op["cleanup"] = false;
                op["allow_failover"] = true;
                op["ignore_hvversions"] = true;
            }

            return op;
        }));
    }

    public static async Task<JsonNode?> MigrateAsync(OpContext ctx)
    {
        await ctx.Queue.StepAsync();
        var input = ctx.Op.Input;
        List<string> instances;
        lock (ctx.Cluster.Sync)
        {
            var node = Resolve(ctx);
            instances = ctx.Cluster.InstanceMap.Values.Where(i => i.PrimaryNode == node.Name).Select(i => i.Name).Order(StringComparer.Ordinal).ToList();
        }

        return SubmitChildren(ctx, instances.Select(name =>
        {
            var op = Opcodes.Head(ChildSource(ctx), "OP_INSTANCE_MIGRATE");
            op["instance_name"] = name;
            foreach (var key in PassedOn)
            {
                if (input[key] is JsonValue value)
                {
                    op[key] = value.DeepClone();
                }
            }

            op["allow_runtime_changes"] = Bool(input["allow_runtime_changes"], true);
            op["ignore_ipolicy"] = Bool(input["ignore_ipolicy"]);
            op["cleanup"] = false;
            op["allow_failover"] = false;
            op["ignore_hvversions"] = false;
            return op;
        }));
    }

    private static OpSource ChildSource(OpContext ctx) => new()
    {
        Reason = (JsonArray)ctx.Op.Input["reason"]!.DeepClone(),
        Priority = ctx.Op.Priority,
        Comment = "Submitted by " + ctx.Op.OpId,
    };

    /// <summary>Ganeti's ResultWithJobs: the child jobs are submitted and the result names them.</summary>
    private static JsonObject SubmitChildren(OpContext ctx, IEnumerable<JsonObject> ops)
    {
        var jobs = new JsonArray();
        lock (ctx.Cluster.Sync)
        {
            foreach (var op in ops.ToList())
            {
                var child = ctx.Queue.Submit([Opcodes.Bind(op)]);
                jobs.Add(new JsonArray(true, child.Id));
            }
        }

        return new JsonObject { ["jobs"] = jobs };
    }

    private static FakeNode Resolve(OpContext ctx)
    {
        var name = Str(ctx.Op.Input["node_name"])!;
        var node = ctx.Cluster.FindNode(name) ?? throw OpException.UnknownNode(name);
        ctx.Resolved("node_name", "node_uuid", node.Uuid);
        return node;
    }
}
