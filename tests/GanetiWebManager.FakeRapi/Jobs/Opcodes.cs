using System.Text.Json.Nodes;

namespace GanetiWebManager.FakeRapi.Jobs;

/// <summary>Where an opcode comes from: the generic parameters Ganeti puts before <c>OP_ID</c>.</summary>
internal sealed record OpSource
{
    /// <summary>Null for handlers without dry-run support (their opcodes carry no <c>dry_run</c> key).</summary>
    public bool? DryRun { get; init; }

    /// <summary>The reason trail so far (<c>gnt:user</c>, <c>gnt:library:rlib2:…</c> or a parent job's).</summary>
    public JsonArray Reason { get; init; } = [];

    public int Priority { get; init; }

    public JsonNode? Depends { get; init; }

    public string? Comment { get; init; }
}

/// <summary>Builds opcodes in Ganeti's key order and binds them to their executors.</summary>
internal static class Opcodes
{
    public static JsonObject Head(OpSource source, string opId)
    {
        var op = new JsonObject();
        if (source.DryRun is { } dryRun)
        {
            op["dry_run"] = dryRun;
        }

        op["debug_level"] = 0;
        op["priority"] = source.Priority;
        op["depends"] = source.Depends?.DeepClone();
        op["comment"] = source.Comment;
        op["reason"] = source.Reason.DeepClone();
        op["OP_ID"] = opId;
        return op;
    }

    public static FakeOp Bind(JsonObject op)
    {
        var opId = (string)op["OP_ID"]!;
        Func<OpContext, Task<JsonNode?>> execute = opId switch
        {
            "OP_INSTANCE_CREATE" => InstanceOps.CreateAsync,
            "OP_INSTANCE_REMOVE" => InstanceOps.RemoveAsync,
            "OP_INSTANCE_STARTUP" => InstanceOps.StartupAsync,
            "OP_INSTANCE_SHUTDOWN" => InstanceOps.ShutdownAsync,
            "OP_INSTANCE_REBOOT" => InstanceOps.RebootAsync,
            "OP_INSTANCE_RENAME" => InstanceOps.RenameAsync,
            "OP_INSTANCE_REINSTALL" => InstanceOps.ReinstallAsync,
            "OP_INSTANCE_SET_PARAMS" => InstanceOps.SetParamsAsync,
            "OP_INSTANCE_MIGRATE" => InstanceOps.MigrateAsync,
            "OP_INSTANCE_FAILOVER" => InstanceOps.FailoverAsync,
            "OP_INSTANCE_GROW_DISK" => InstanceOps.GrowDiskAsync,
            "OP_INSTANCE_ACTIVATE_DISKS" => InstanceOps.ActivateDisksAsync,
            "OP_INSTANCE_DEACTIVATE_DISKS" => InstanceOps.DeactivateDisksAsync,
            "OP_INSTANCE_REPLACE_DISKS" => InstanceOps.ReplaceDisksAsync,
            "OP_NODE_SET_PARAMS" => NodeOps.SetParamsAsync,
            "OP_NODE_EVACUATE" => NodeOps.EvacuateAsync,
            "OP_NODE_MIGRATE" => NodeOps.MigrateAsync,
            "OP_TAGS_SET" => ClusterOps.TagsSetAsync,
            "OP_TAGS_DEL" => ClusterOps.TagsDelAsync,
            _ => ClusterOps.NothingAsync,
        };
        var locks = new List<string>();
        if ((string?)op["instance_name"] is { } instance)
        {
            locks.Add("instance:" + instance);
        }

        if ((string?)op["node_name"] is { } node && opId != "OP_NODE_MIGRATE" && opId != "OP_NODE_EVACUATE")
        {
            locks.Add("node:" + node);
        }

        if (opId is "OP_TAGS_SET" or "OP_TAGS_DEL")
        {
            locks.Add($"{(string?)op["kind"]}:{(string?)op["name"]}");
        }

        return new FakeOp(op, execute, locks);
    }
}
