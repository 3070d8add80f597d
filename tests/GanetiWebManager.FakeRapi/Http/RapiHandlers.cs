using System.Globalization;
using System.Text.Json.Nodes;
using GanetiWebManager.FakeRapi.Answers;
using GanetiWebManager.FakeRapi.Jobs;
using GanetiWebManager.FakeRapi.Json;
using GanetiWebManager.FakeRapi.Model;
using GanetiWebManager.FakeRapi.Query;
using static GanetiWebManager.FakeRapi.Jobs.Units;

namespace GanetiWebManager.FakeRapi.Http;

/// <summary>
/// The RAPI resources: reads answer from the model (bulk lists from cached bytes), writes build the opcode the real
/// rlib2 would (same keys, same order, same defaults) and submit it as a job.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822:Mark members as static", Justification = "The handlers form one table; some need the cluster, some do not.")]
internal sealed class RapiHandlers(FakeCluster cluster)
{
    private static readonly string[] FeatureList = ["node-migrate-reqv1", "instance-reinstall-reqv1", "instance-create-reqv1", "node-evac-res1"];
    private static readonly string[] Roles = ["master-candidate", "regular", "drained", "offline"];

    public Task<byte[]> Null(RapiCall call) => Done(PythonJson.Null);

    public Task<byte[]> Version(RapiCall call) => Done("2"u8.ToArray());

    public Task<byte[]> Info(RapiCall call) => Cached("info", () => ObjectWriter.ClusterInfo(cluster));

    public Task<byte[]> Features(RapiCall call) => Done(PythonJson.Serialize(Strings(FeatureList)));

    public Task<byte[]> OperatingSystems(RapiCall call) => Done(PythonJson.Serialize(Strings(cluster.Options.OperatingSystems)));

    // ---- Nodes

    public Task<byte[]> Nodes(RapiCall call) => call.QueryBool("bulk")
        ? Cached("nodes?bulk=1", () => PythonJson.Write(w =>
        {
            var usage = NodeUsage.Compute(cluster);
            w.WriteStartArray();
            foreach (var node in cluster.NodeList)
            {
                ObjectWriter.WriteNode(w, cluster, node, usage[node.Name], detail: false);
            }

            w.WriteEndArray();
        }))
        : Cached("nodes", () => ObjectWriter.Links(cluster.NodeList.Select(n => n.Name), "id", "/2/nodes/"));

    public Task<byte[]> Node(RapiCall call)
    {
        lock (cluster.Sync)
        {
            var node = cluster.FindNode(call.Name) ?? throw new RapiHttpException(404);
            var usage = NodeUsage.Compute(cluster);
            return Done(PythonJson.Write(w => ObjectWriter.WriteNode(w, cluster, node, usage[node.Name], detail: true)));
        }
    }

    public Task<byte[]> NodeRole(RapiCall call)
    {
        lock (cluster.Sync)
        {
            var node = cluster.FindNode(call.Name) ?? throw RapiHttpException.Internal("list index out of range");
            return Done(PythonJson.Serialize(FakeCluster.RoleName(cluster.RoleLetter(node))));
        }
    }

    public Task<byte[]> SetNodeRole(RapiCall call)
    {
        if (call.Body is not JsonValue value || !value.TryGetValue<string>(out var role))
        {
            throw RapiHttpException.BadRequest($"Body contents: Type is '{PythonType(call.Body)}', but 'str' is expected");
        }

        if (!Roles.Contains(role))
        {
            throw RapiHttpException.BadRequest($"Can't set '{role}' role");
        }

        var op = Opcodes.Head(call.Source("nodes_name_role", dryRunSupported: false), "OP_NODE_SET_PARAMS");
        op["node_name"] = call.Name;
        op["force"] = call.QueryBool("force");
        switch (role)
        {
            case "regular":
                op["master_candidate"] = false;
                op["offline"] = false;
                op["drained"] = false;
                break;
            case "master-candidate":
                op["master_candidate"] = true;
                break;
            case "drained":
                op["drained"] = true;
                break;
            default:
                op["offline"] = true;
                break;
        }

        op["auto_promote"] = call.QueryBool("auto-promote");
        return Done(call.Submit(op));
    }

    public Task<byte[]> EvacuateNode(RapiCall call)
    {
        var body = BodyParams.Validate(call.BodyObject(), "OP_NODE_EVACUATE",
        [
            new("mode", ParamType.String, Required: true, Values: ["primary-only", "secondary-only", "all"]),
            new("iallocator", ParamType.MaybeString), new("remote_node", ParamType.MaybeString),
            new("early_release", ParamType.Bool), new("ignore_soft_errors", ParamType.Bool),
        ]);
        var op = Opcodes.Head(call.Source("nodes_name_evacuate", dryRunSupported: true, body), "OP_NODE_EVACUATE");
        op["early_release"] = Bool(body["early_release"]);
        op["node_name"] = call.Name;
        CopyIfPresent(body, op, "remote_node", "iallocator");
        if (Str(body["iallocator"]) is null && Str(body["remote_node"]) is null)
        {
            op["iallocator"] = "hail";
        }

        op["mode"] = Str(body["mode"]);
        CopyIfPresent(body, op, "ignore_soft_errors");
        return Done(call.Submit(op));
    }

    public Task<byte[]> MigrateNode(RapiCall call)
    {
        JsonObject body;
        if (call.QueryArgs.Count > 0)
        {
            // Legacy form: with any query argument the body is ignored.
            if (call.QueryString("live") is not null && call.QueryString("mode") is not null)
            {
                throw RapiHttpException.BadRequest("Only one of 'live' and 'mode' should be passed");
            }

            body = [];
            if (call.QueryString("live") is not null)
            {
                body["mode"] = call.QueryBool("live") ? "live" : "non-live";
            }
            else if (call.QueryString("mode") is { } mode)
            {
                body["mode"] = mode;
            }
        }
        else
        {
            body = call.BodyObject();
        }

        body = BodyParams.Validate(body, "OP_NODE_MIGRATE",
        [
            new("mode", ParamType.MaybeString, Values: null), new("live", ParamType.Bool), new("target_node", ParamType.MaybeString),
            new("iallocator", ParamType.MaybeString), new("allow_runtime_changes", ParamType.Bool), new("ignore_ipolicy", ParamType.Bool),
        ]);
        if (Str(body["mode"]) is { } m && m is not ("live" or "non-live"))
        {
            throw BodyParams.Invalid("OP_NODE_MIGRATE", "mode");
        }

        var op = Opcodes.Head(call.Source("nodes_name_migrate", dryRunSupported: false, body), "OP_NODE_MIGRATE");
        op["node_name"] = call.Name;
        CopyIfPresent(body, op, "mode", "live", "target_node", "iallocator");
        op["allow_runtime_changes"] = Bool(body["allow_runtime_changes"], true);
        op["ignore_ipolicy"] = Bool(body["ignore_ipolicy"]);
        return Done(call.Submit(op));
    }

    public Task<byte[]> ModifyNode(RapiCall call)
    {
        var body = BodyParams.Validate(call.BodyObject(), "OP_NODE_SET_PARAMS",
        [
            new("force", ParamType.Bool), new("hv_state", ParamType.Dict), new("disk_state", ParamType.Dict),
            new("master_candidate", ParamType.Bool), new("offline", ParamType.Bool), new("drained", ParamType.Bool),
            new("auto_promote", ParamType.Bool), new("master_capable", ParamType.Bool), new("vm_capable", ParamType.Bool),
            new("secondary_ip", ParamType.MaybeString), new("ndparams", ParamType.Dict), new("powered", ParamType.Bool),
        ]);
        var op = Opcodes.Head(call.Source("nodes_name_modify", dryRunSupported: false, body), "OP_NODE_SET_PARAMS");
        op["node_name"] = call.Name;
        op["force"] = Bool(body["force"]);
        CopyIfPresent(body, op, "hv_state", "disk_state", "master_candidate", "offline", "drained");
        op["auto_promote"] = Bool(body["auto_promote"]);
        CopyIfPresent(body, op, "master_capable", "vm_capable", "secondary_ip", "ndparams", "powered");
        return Done(call.Submit(op));
    }

    // ---- Instances

    public Task<byte[]> Instances(RapiCall call) => call.QueryBool("bulk")
        ? Cached("instances?bulk=1", () => ObjectWriter.InstancesBulk(cluster))
        : Cached("instances", () => ObjectWriter.Links(cluster.SortedInstanceNames(), "id", "/2/instances/"));

    public Task<byte[]> Instance(RapiCall call)
    {
        lock (cluster.Sync)
        {
            var instance = cluster.FindInstanceInternal(call.Name) ?? throw new RapiHttpException(404);
            return Done(ObjectWriter.Instance(cluster, instance));
        }
    }

    public Task<byte[]> CreateInstance(RapiCall call)
    {
        var raw = call.BodyObject();
        var version = raw["__version__"];
        if (version is null)
        {
            throw RapiHttpException.BadRequest("Instance creation request version 0 is no longer supported");
        }

        if (Long(version) != 1)
        {
            throw RapiHttpException.BadRequest(Long(version) == 0
                ? "Instance creation request version 0 is no longer supported"
                : $"Unsupported request data version {PythonRepr.Value(version).Trim('\'')}");
        }

        raw = (JsonObject)raw.DeepClone();
        raw.Remove("__version__");
        var body = BodyParams.Validate(raw, "OP_INSTANCE_CREATE",
        [
            new("mode", ParamType.String, Required: true, Values: ["create", "import", "remote-import"]),
            new("instance_name", ParamType.NonEmptyString, Required: true),
            new("disks", ParamType.DictList, Required: true), new("nics", ParamType.DictList, Required: true),
            new("disk_template", ParamType.String), new("os_type", ParamType.MaybeString), new("pnode", ParamType.MaybeString),
            new("snode", ParamType.MaybeString), new("iallocator", ParamType.MaybeString), new("hypervisor", ParamType.MaybeString),
            new("beparams", ParamType.Dict), new("hvparams", ParamType.Dict), new("osparams", ParamType.Dict),
            new("osparams_private", ParamType.Dict), new("osparams_secret", ParamType.Dict), new("start", ParamType.Bool),
            new("ip_check", ParamType.Bool), new("name_check", ParamType.Bool), new("conflicts_check", ParamType.Bool),
            new("wait_for_sync", ParamType.Bool), new("no_install", ParamType.Bool), new("tags", ParamType.List),
            new("group_name", ParamType.MaybeString), new("file_storage_dir", ParamType.MaybeString), new("file_driver", ParamType.MaybeString),
            new("identify_defaults", ParamType.Bool), new("force_variant", ParamType.Bool), new("ignore_ipolicy", ParamType.Bool),
            new("opportunistic_locking", ParamType.Bool), new("src_node", ParamType.MaybeString), new("src_path", ParamType.MaybeString),
            new("source_handshake", ParamType.Any), new("source_x509_ca", ParamType.Any), new("source_instance_name", ParamType.Any),
            new("source_shutdown_timeout", ParamType.NonNegativeInt), new("compress", ParamType.String),
            new("instance_communication", ParamType.Bool), new("helper_startup_timeout", ParamType.Int), new("helper_shutdown_timeout", ParamType.Int),
        ],
        new Dictionary<string, string> { ["name"] = "instance_name", ["os"] = "os_type" });

        var template = Str(body["disk_template"]) ?? "diskless";
        var op = Opcodes.Head(call.Source("instances", dryRunSupported: true, body), "OP_INSTANCE_CREATE");
        op["instance_name"] = Str(body["instance_name"]);
        op["force_variant"] = Bool(body["force_variant"]);
        op["wait_for_sync"] = Bool(body["wait_for_sync"], true);
        op["name_check"] = Bool(body["name_check"]);
        op["ignore_ipolicy"] = Bool(body["ignore_ipolicy"]);
        op["opportunistic_locking"] = Bool(body["opportunistic_locking"]);
        op["beparams"] = BeParamsOf(body["beparams"] as JsonObject);
        op["disks"] = body["disks"]?.DeepClone();
        op["disk_template"] = template;
        if (template is "file" or "sharedfile")
        {
            op["file_driver"] = Str(body["file_driver"]) ?? "loop";
        }

        op["hvparams"] = body["hvparams"]?.DeepClone() ?? new JsonObject();
        op["hypervisor"] = Str(body["hypervisor"]) ?? cluster.Options.EnabledHypervisors[0];
        op["identify_defaults"] = Bool(body["identify_defaults"]);
        op["ip_check"] = Bool(body["ip_check"]);
        op["conflicts_check"] = Bool(body["conflicts_check"], true);
        op["mode"] = Str(body["mode"]);
        op["nics"] = body["nics"]?.DeepClone();
        op["osparams"] = body["osparams"]?.DeepClone() ?? new JsonObject();
        op["os_type"] = Str(body["os_type"]);
        CopyIfPresent(body, op, "pnode", "snode");
        if (Str(body["iallocator"]) is { } iallocator)
        {
            op["iallocator"] = iallocator;
        }

        op["source_shutdown_timeout"] = Long(body["source_shutdown_timeout"]) ?? 120;
        op["compress"] = Str(body["compress"]) ?? "none";
        op["start"] = Bool(body["start"], true);
        op["forthcoming"] = false;
        op["commit"] = false;
        op["tags"] = body["tags"]?.DeepClone() ?? new JsonArray();
        op["instance_communication"] = Bool(body["instance_communication"]);
        op["helper_startup_timeout"] = Long(body["helper_startup_timeout"]) ?? 300;
        op["helper_shutdown_timeout"] = Long(body["helper_shutdown_timeout"]) ?? 7200;
        CopyIfPresent(body, op, "no_install", "group_name", "file_storage_dir", "src_node", "src_path", "osparams_private", "osparams_secret");
        return Done(call.Submit(op));
    }

    public Task<byte[]> DeleteInstance(RapiCall call)
    {
        var body = BodyParams.Validate(call.BodyObject(), "OP_INSTANCE_REMOVE", [new("shutdown_timeout", ParamType.NonNegativeInt)]);
        var op = InstanceOp(call, "instances_name", true, "OP_INSTANCE_REMOVE", body);
        op["shutdown_timeout"] = Long(body["shutdown_timeout"]) ?? 120;
        op["ignore_failures"] = false;
        return Done(call.Submit(op));
    }

    public Task<byte[]> StartupInstance(RapiCall call)
    {
        // RAPI ignores a startup body: no temporary parameters through RAPI.
        var op = InstanceOp(call, "instances_name_startup", true, "OP_INSTANCE_STARTUP", null);
        op["force"] = call.QueryBool("force");
        op["ignore_offline_nodes"] = false;
        op["hvparams"] = new JsonObject();
        op["beparams"] = new JsonObject();
        op["no_remember"] = call.QueryBool("no_remember");
        op["startup_paused"] = false;
        op["shutdown_timeout"] = 120;
        return Done(call.Submit(op));
    }

    public Task<byte[]> ShutdownInstance(RapiCall call)
    {
        var body = BodyParams.Validate(call.BodyObject(), "OP_INSTANCE_SHUTDOWN",
        [
            new("timeout", ParamType.NonNegativeInt), new("force", ParamType.Bool), new("ignore_offline_nodes", ParamType.Bool),
            new("admin_state_source", ParamType.String, Values: ["admin", "user"]),
        ]);
        var op = InstanceOp(call, "instances_name_shutdown", true, "OP_INSTANCE_SHUTDOWN", body);
        op["force"] = Bool(body["force"]);
        op["ignore_offline_nodes"] = Bool(body["ignore_offline_nodes"]);
        op["timeout"] = Long(body["timeout"]) ?? 120;
        op["no_remember"] = call.QueryBool("no_remember");
        op["admin_state_source"] = Str(body["admin_state_source"]) ?? "admin";
        return Done(call.Submit(op));
    }

    public Task<byte[]> RebootInstance(RapiCall call)
    {
        var body = BodyParams.Validate(call.BodyObject(), "OP_INSTANCE_REBOOT", [new("shutdown_timeout", ParamType.NonNegativeInt)]);
        var type = call.QueryString("type") ?? "hard";
        if (type is not ("soft" or "hard" or "full"))
        {
            throw BodyParams.Invalid("OP_INSTANCE_REBOOT", "reboot_type");
        }

        var op = InstanceOp(call, "instances_name_reboot", true, "OP_INSTANCE_REBOOT", body);
        op["shutdown_timeout"] = Long(body["shutdown_timeout"]) ?? 120;
        op["ignore_secondaries"] = call.QueryBool("ignore_secondaries");
        op["reboot_type"] = type;
        return Done(call.Submit(op));
    }

    public Task<byte[]> RenameInstance(RapiCall call)
    {
        var body = BodyParams.Validate(call.BodyObject(), "OP_INSTANCE_RENAME",
            [new("new_name", ParamType.NonEmptyString, Required: true), new("ip_check", ParamType.Bool), new("name_check", ParamType.Bool)]);
        var op = InstanceOp(call, "instances_name_rename", false, "OP_INSTANCE_RENAME", body);
        op["new_name"] = Str(body["new_name"]);
        op["name_check"] = Bool(body["name_check"]);
        op["ip_check"] = Bool(body["ip_check"]);
        return Done(call.Submit(op));
    }

    public Task<byte[]> ReinstallInstance(RapiCall call)
    {
        string? os;
        bool start;
        JsonObject? osparams;
        if (call.HasBody && call.Body is JsonObject { Count: > 0 })
        {
            if (call.QueryArgs.Count > 0)
            {
                throw RapiHttpException.BadRequest("Can't combine query and body parameters");
            }

            var body = BodyParams.Validate(call.BodyObject(), "OP_INSTANCE_REINSTALL",
                [new("os", ParamType.MaybeString), new("start", ParamType.Bool), new("osparams", ParamType.MaybeDict)]);
            (os, start, osparams) = (Str(body["os"]), Bool(body["start"], true), body["osparams"] as JsonObject);
        }
        else
        {
            (os, start, osparams) = (call.QueryString("os"), !call.QueryBool("nostartup"), null);
        }

        // rlib2 builds these opcodes itself: they carry no rlib2 reason and no dry_run.
        var source = new OpSource();
        var shutdown = Opcodes.Head(source, "OP_INSTANCE_SHUTDOWN");
        shutdown["instance_name"] = call.Name;
        shutdown["force"] = false;
        shutdown["ignore_offline_nodes"] = false;
        shutdown["timeout"] = 120;
        shutdown["no_remember"] = false;
        shutdown["admin_state_source"] = "admin";
        var reinstall = Opcodes.Head(source, "OP_INSTANCE_REINSTALL");
        reinstall["instance_name"] = call.Name;
        reinstall["force_variant"] = false;
        if (os is not null)
        {
            reinstall["os_type"] = os;
        }

        reinstall["osparams"] = osparams?.DeepClone() ?? new JsonObject();
        reinstall["osparams_private"] = new JsonObject();
        reinstall["osparams_secret"] = new JsonObject();
        if (!start)
        {
            return Done(call.Submit(shutdown, reinstall));
        }

        var startup = Opcodes.Head(source, "OP_INSTANCE_STARTUP");
        startup["instance_name"] = call.Name;
        startup["force"] = false;
        startup["ignore_offline_nodes"] = false;
        startup["hvparams"] = new JsonObject();
        startup["beparams"] = new JsonObject();
        startup["no_remember"] = false;
        startup["startup_paused"] = false;
        startup["shutdown_timeout"] = 120;
        return Done(call.Submit(shutdown, reinstall, startup));
    }

    public Task<byte[]> ModifyInstance(RapiCall call)
    {
        var body = BodyParams.Validate(call.BodyObject(), "OP_INSTANCE_SET_PARAMS",
        [
            new("force", ParamType.Bool), new("force_variant", ParamType.Bool), new("ignore_ipolicy", ParamType.Bool),
            new("nics", ParamType.List), new("disks", ParamType.List), new("beparams", ParamType.Dict), new("hvparams", ParamType.Dict),
            new("ext_params", ParamType.Dict), new("osparams", ParamType.Dict), new("osparams_private", ParamType.Dict),
            new("os_name", ParamType.MaybeString), new("disk_template", ParamType.MaybeString), new("remote_node", ParamType.MaybeString),
            new("iallocator", ParamType.MaybeString), new("file_driver", ParamType.MaybeString), new("file_storage_dir", ParamType.MaybeString),
            new("pnode", ParamType.MaybeString), new("runtime_mem", ParamType.NonNegativeInt), new("offline", ParamType.Bool),
            new("wait_for_sync", ParamType.Bool), new("conflicts_check", ParamType.Bool), new("hotplug", ParamType.Bool),
            new("hotplug_if_possible", ParamType.Bool), new("instance_communication", ParamType.Bool),
        ],
        new Dictionary<string, string> { ["custom_beparams"] = "beparams", ["custom_hvparams"] = "hvparams" });
        var op = InstanceOp(call, "instances_name_modify", false, "OP_INSTANCE_SET_PARAMS", body);
        op["force"] = Bool(body["force"]);
        op["force_variant"] = Bool(body["force_variant"]);
        op["ignore_ipolicy"] = Bool(body["ignore_ipolicy"]);
        op["nics"] = body["nics"]?.DeepClone() ?? new JsonArray();
        op["disks"] = body["disks"]?.DeepClone() ?? new JsonArray();
        op["beparams"] = body["beparams"]?.DeepClone() ?? new JsonObject();
        op["hvparams"] = body["hvparams"]?.DeepClone() ?? new JsonObject();
        op["ext_params"] = body["ext_params"]?.DeepClone() ?? new JsonObject();
        op["osparams"] = body["osparams"]?.DeepClone() ?? new JsonObject();
        op["wait_for_sync"] = Bool(body["wait_for_sync"], true);
        CopyIfPresent(body, op, "offline", "os_name", "osparams_private", "disk_template", "remote_node", "iallocator", "file_driver",
            "file_storage_dir", "pnode", "runtime_mem", "instance_communication");
        op["conflicts_check"] = Bool(body["conflicts_check"], true);
        op["hotplug"] = Bool(body["hotplug"]);
        op["hotplug_if_possible"] = Bool(body["hotplug_if_possible"]);
        return Done(call.Submit(op));
    }

    public Task<byte[]> MigrateInstance(RapiCall call)
    {
        var body = BodyParams.Validate(call.BodyObject(), "OP_INSTANCE_MIGRATE",
        [
            new("mode", ParamType.MaybeString), new("cleanup", ParamType.Bool), new("target_node", ParamType.MaybeString),
            new("iallocator", ParamType.MaybeString), new("allow_failover", ParamType.Bool), new("allow_runtime_changes", ParamType.Bool),
            new("ignore_ipolicy", ParamType.Bool), new("ignore_hvversions", ParamType.Bool),
        ]);
        if (Str(body["mode"]) is { } mode && mode is not ("live" or "non-live"))
        {
            throw BodyParams.Invalid("OP_INSTANCE_MIGRATE", "mode");
        }

        var op = InstanceOp(call, "instances_name_migrate", false, "OP_INSTANCE_MIGRATE", body);
        CopyIfPresent(body, op, "mode", "target_node");
        op["allow_runtime_changes"] = Bool(body["allow_runtime_changes"], true);
        op["ignore_ipolicy"] = Bool(body["ignore_ipolicy"]);
        op["cleanup"] = Bool(body["cleanup"]);
        CopyIfPresent(body, op, "iallocator");
        op["allow_failover"] = Bool(body["allow_failover"]);
        op["ignore_hvversions"] = Bool(body["ignore_hvversions"]);
        return Done(call.Submit(op));
    }

    public Task<byte[]> FailoverInstance(RapiCall call)
    {
        var body = BodyParams.Validate(call.BodyObject(), "OP_INSTANCE_FAILOVER",
        [
            new("iallocator", ParamType.MaybeString), new("ignore_consistency", ParamType.Bool), new("target_node", ParamType.MaybeString),
            new("shutdown_timeout", ParamType.NonNegativeInt), new("cleanup", ParamType.Bool), new("ignore_ipolicy", ParamType.Bool),
        ]);
        var op = InstanceOp(call, "instances_name_failover", false, "OP_INSTANCE_FAILOVER", body);
        op["shutdown_timeout"] = Long(body["shutdown_timeout"]) ?? 120;
        op["ignore_consistency"] = Bool(body["ignore_consistency"]);
        CopyIfPresent(body, op, "target_node", "iallocator");
        op["ignore_ipolicy"] = Bool(body["ignore_ipolicy"]);
        op["cleanup"] = Bool(body["cleanup"]);
        return Done(call.Submit(op));
    }

    public Task<byte[]> ReplaceDisks(RapiCall call)
    {
        if (call.Body is null or JsonObject { Count: 0 })
        {
            throw BodyParams.Invalid("OP_INSTANCE_REPLACE_DISKS", "mode");
        }

        var body = BodyParams.Validate(call.BodyObject(), "OP_INSTANCE_REPLACE_DISKS",
        [
            new("mode", ParamType.String, Required: true, Values: ["replace_on_primary", "replace_on_secondary", "replace_new_secondary", "replace_auto"]),
            new("disks", ParamType.Any), new("remote_node", ParamType.MaybeString), new("iallocator", ParamType.MaybeString),
            new("early_release", ParamType.Bool), new("ignore_ipolicy", ParamType.Bool),
        ]);
        var disks = new JsonArray();
        switch (body["disks"])
        {
            case null:
                break;
            case JsonArray list when list.All(d => Long(d) is not null):
                foreach (var d in list)
                {
                    disks.Add(Long(d));
                }

                break;
            case JsonValue text when Str(text) is { } s:
                foreach (var part in s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    disks.Add(int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                        ? index
                        : throw RapiHttpException.BadRequest($"Invalid disk index passed: {PythonRepr.Str(part)}"));
                }

                break;
            default:
                throw BodyParams.Invalid("OP_INSTANCE_REPLACE_DISKS", "disks");
        }

        var op = InstanceOp(call, "instances_name_replace_disks", false, "OP_INSTANCE_REPLACE_DISKS", body);
        op["early_release"] = Bool(body["early_release"]);
        op["ignore_ipolicy"] = Bool(body["ignore_ipolicy"]);
        op["mode"] = Str(body["mode"]);
        op["disks"] = disks;
        CopyIfPresent(body, op, "remote_node", "iallocator");
        return Done(call.Submit(op));
    }

    public Task<byte[]> ActivateDisks(RapiCall call)
    {
        var op = InstanceOp(call, "instances_name_activate_disks", false, "OP_INSTANCE_ACTIVATE_DISKS", null);
        op["ignore_size"] = call.QueryBool("ignore_size");
        op["wait_for_sync"] = false;
        return Done(call.Submit(op));
    }

    public Task<byte[]> DeactivateDisks(RapiCall call)
    {
        var op = InstanceOp(call, "instances_name_deactivate_disks", false, "OP_INSTANCE_DEACTIVATE_DISKS", null);
        op["force"] = call.QueryBool("force");
        return Done(call.Submit(op));
    }

    public Task<byte[]> GrowDisk(RapiCall call)
    {
        var body = BodyParams.Validate(call.BodyObject(), "OP_INSTANCE_GROW_DISK",
        [
            new("amount", ParamType.NonNegativeInt, Required: true), new("absolute", ParamType.Bool), new("wait_for_sync", ParamType.Bool),
            new("ignore_ipolicy", ParamType.Bool),
        ]);
        var op = InstanceOp(call, "instances_name_disk_grow", false, "OP_INSTANCE_GROW_DISK", body);
        op["wait_for_sync"] = Bool(body["wait_for_sync"], true);
        op["disk"] = int.Parse(call.Route.Groups["disk"].Value, CultureInfo.InvariantCulture);
        op["amount"] = Long(body["amount"]);
        op["absolute"] = Bool(body["absolute"]);
        op["ignore_ipolicy"] = Bool(body["ignore_ipolicy"]);
        return Done(call.Submit(op));
    }

    public Task<byte[]> Console(RapiCall call)
    {
        lock (cluster.Sync)
        {
            var instance = cluster.FindInstanceInternal(call.Name) ?? throw RapiHttpException.Internal("list index out of range");
            if (!instance.Running || InstanceState.PrimaryHealth(cluster, instance) != InstanceState.NodeHealth.Ok)
            {
                throw new RapiHttpException(503, "Instance console unavailable");
            }

            var console = InstanceConsole.Describe(cluster, instance) ?? throw RapiHttpException.Internal("Internal Server Error");
            return Done(PythonJson.Serialize(console));
        }
    }

    // ---- Tags of any object

    public Task<byte[]> GetTags(RapiCall call)
    {
        lock (cluster.Sync)
        {
            var (kind, _) = TagKind(call);
            IEnumerable<string> tags = kind switch
            {
                "cluster" => cluster.Tags,
                "instance" => cluster.FindInstanceInternal(call.Name)?.Tags ?? throw RapiHttpException.LuxiError($"Instance name {call.Name} not found", "unknown_entity"),
                "node" => cluster.FindNode(call.Name)?.Tags ?? throw RapiHttpException.LuxiError($"Node name {call.Name} not found", "unknown_entity"),
                "nodegroup" => cluster.FindGroup(call.Name)?.Tags ?? throw RapiHttpException.LuxiError($"Node group name {call.Name} not found", "unknown_entity"),
                _ => cluster.FindNetwork(call.Name)?.Tags ?? throw RapiHttpException.LuxiError($"Network name {call.Name} not found", "unknown_entity"),
            };
            return Done(PythonJson.Serialize(Strings(tags)));
        }
    }

    public Task<byte[]> AddTags(RapiCall call) => ChangeTags(call, "OP_TAGS_SET");

    public Task<byte[]> RemoveTags(RapiCall call) => ChangeTags(call, "OP_TAGS_DEL");

    public Task<byte[]> RedistributeConfig(RapiCall call) =>
        Done(call.Submit(Opcodes.Head(call.Source("redist_config", dryRunSupported: false), "OP_CLUSTER_REDIST_CONF")));

    public Task<byte[]> ModifyCluster(RapiCall call)
    {
        var body = call.BodyObject();
        if (body.ContainsKey("compression_tools"))
        {
            throw new RapiHttpException(403);
        }

        var op = Opcodes.Head(call.Source("cluster_modify", dryRunSupported: false, body), "OP_CLUSTER_SET_PARAMS");
        foreach (var (key, value) in body)
        {
            if (key is not ("priority" or "depends" or "comment"))
            {
                op[key] = value?.DeepClone();
            }
        }

        return Done(call.Submit(op));
    }

    // ---- Groups and networks

    public Task<byte[]> Groups(RapiCall call) => call.QueryBool("bulk")
        ? Cached("groups?bulk=1", () => PythonJson.Write(w =>
        {
            w.WriteStartArray();
            foreach (var group in cluster.GroupList.OrderBy(g => g.Name, StringComparer.Ordinal))
            {
                ObjectWriter.WriteGroup(w, cluster, group);
            }

            w.WriteEndArray();
        }))
        : Cached("groups", () => ObjectWriter.Links(cluster.GroupList.Select(g => g.Name).Order(StringComparer.Ordinal), "name", "/2/groups/"));

    public Task<byte[]> Group(RapiCall call)
    {
        lock (cluster.Sync)
        {
            var group = cluster.FindGroup(call.Name) ?? throw new RapiHttpException(404);
            return Done(PythonJson.Write(w => ObjectWriter.WriteGroup(w, cluster, group)));
        }
    }

    public Task<byte[]> Networks(RapiCall call) => call.QueryBool("bulk")
        ? Cached("networks?bulk=1", () => PythonJson.Write(w =>
        {
            w.WriteStartArray();
            foreach (var network in cluster.NetworkList.OrderBy(n => n.Name, StringComparer.Ordinal))
            {
                ObjectWriter.WriteNetwork(w, cluster, network);
            }

            w.WriteEndArray();
        }))
        : Cached("networks", () => ObjectWriter.Links(cluster.NetworkList.Select(n => n.Name).Order(StringComparer.Ordinal), "name", "/2/networks/"));

    public Task<byte[]> Network(RapiCall call)
    {
        lock (cluster.Sync)
        {
            var network = cluster.FindNetwork(call.Name) ?? throw new RapiHttpException(404);
            return Done(PythonJson.Write(w => ObjectWriter.WriteNetwork(w, cluster, network)));
        }
    }

    // ---- Jobs

    public Task<byte[]> Jobs(RapiCall call)
    {
        lock (cluster.Sync)
        {
            if (call.QueryBool("bulk"))
            {
                return Done(PythonJson.Serialize(new JsonArray(cluster.Jobs.All.Select(j => (JsonNode?)JobFields.Object(j, JobFields.Bulk)).ToArray())));
            }

            return Done(PythonJson.Write(w =>
            {
                w.WriteStartArray();
                foreach (var job in cluster.Jobs.All)
                {
                    w.WriteStartObject();
                    w.WriteNumber("id", job.Id);
                    w.WriteString("uri", "/2/jobs/" + job.Id.ToString(CultureInfo.InvariantCulture));
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            }));
        }
    }

    public Task<byte[]> Job(RapiCall call)
    {
        var id = long.Parse(call.Route.Groups["id"].Value, CultureInfo.InvariantCulture);
        lock (cluster.Sync)
        {
            // Ganeti 3.0.2 answers an unknown job with 200 and every field null (?fields= is ignored).
            var job = cluster.Jobs.Get(id);
            return Done(PythonJson.Serialize(job is null ? JobFields.Unknown(id) : JobFields.Object(job, JobFields.Detail)));
        }
    }

    public Task<byte[]> CancelJob(RapiCall call)
    {
        var id = long.Parse(call.Route.Groups["id"].Value, CultureInfo.InvariantCulture);
        lock (cluster.Sync)
        {
            var (success, message) = cluster.Jobs.Cancel(id);
            return Done(PythonJson.Serialize(new JsonArray(success, message)));
        }
    }

    public async Task<byte[]> WaitForJobChange(RapiCall call)
    {
        if (!call.HasBody || call.Body is null)
        {
            throw RapiHttpException.Internal("'NoneType' object is not subscriptable");
        }

        var body = call.Body as JsonObject ?? throw RapiHttpException.Internal("list indices must be integers or slices, not str");
        if (!body.TryGetPropertyValue("fields", out var fieldsNode))
        {
            throw RapiHttpException.BadRequest("Required parameter 'fields' is missing");
        }

        if (fieldsNode is not JsonArray fieldArray || fieldArray.Any(f => Str(f) is null))
        {
            throw RapiHttpException.BadRequest("'fields' must be a list of strings");
        }

        var previousInfo = body["previous_job_info"];
        if (previousInfo is not (null or JsonArray))
        {
            throw RapiHttpException.BadRequest("'previous_job_info' must be a list");
        }

        var previousSerial = body["previous_log_serial"];
        if (previousSerial is not null && Long(previousSerial) is null)
        {
            throw RapiHttpException.BadRequest("'previous_log_serial' must be a number");
        }

        var fields = fieldArray.Select(f => Str(f)!).ToList();
        var id = long.Parse(call.Route.Groups["id"].Value, CultureInfo.InvariantCulture);
        var deadline = cluster.Time.GetUtcNow() + cluster.Options.JobWaitTimeout;
        while (true)
        {
            Task next;
            lock (cluster.Sync)
            {
                var job = cluster.Jobs.Get(id) ?? throw RapiHttpException.Internal("Can't load job file");
                var (info, logs) = JobUpdate(job, fields, previousSerial);
                if (job.IsFinalized || logs.Count > 0 || !JsonNode.DeepEquals(info, previousInfo))
                {
                    return Answer(info, logs);
                }

                next = job.NextChange;
            }

            var remaining = deadline - cluster.Time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                return Answer(previousInfo?.DeepClone(), []);
            }

            try
            {
                await next.WaitAsync(remaining, cluster.Time);
            }
            catch (TimeoutException)
            {
                return Answer(previousInfo?.DeepClone(), []);
            }
        }

        static byte[] Answer(JsonNode? info, JsonArray logs) =>
            PythonJson.Serialize(new JsonObject { ["job_info"] = info, ["log_entries"] = logs });
    }

    // ---- Query

    public Task<byte[]> Query(RapiCall call)
    {
        JsonNode? fields = null;
        JsonNode? filter = null;
        if (call.Method == "PUT")
        {
            var body = call.BodyObject();
            fields = body["fields"]?.DeepClone();
            filter = body.ContainsKey("qfilter") ? body["qfilter"]?.DeepClone() : body["filter"]?.DeepClone();
        }

        if (fields is null)
        {
            var text = call.QueryString("fields");
            if (string.IsNullOrEmpty(text))
            {
                throw RapiHttpException.BadRequest("Missing 'fields' query argument");
            }

            fields = Strings(text.Split(',').Select(f => f.Trim()));
        }

        return Done(QueryEngine.Run(cluster, call.Name, fields, filter));
    }

    public Task<byte[]> QueryFields(RapiCall call)
    {
        var names = call.QueryString("fields")?.Split(',').Select(f => f.Trim()).ToList();
        return Done(QueryEngine.Fields(call.Name, names));
    }

    // ---- Helpers

    private static (JsonNode? Info, JsonArray Logs) JobUpdate(FakeJob job, IReadOnlyList<string> fields, JsonNode? previousSerial)
    {
        // Ganeti queries the job with all fields at once: one unknown field and every value is null, no log lines.
        if (fields.Any(f => !JobFields.Get(job, f).Known))
        {
            return (new JsonArray(fields.Select(_ => (JsonNode?)null).ToArray()), []);
        }

        var info = new JsonArray(fields.Select(f => JobFields.Get(job, f).Value).ToArray());
        var after = Long(previousSerial);
        var logs = new JsonArray();
        foreach (var line in job.Ops.SelectMany(o => o.Log))
        {
            if (previousSerial is null || line.Serial > after)
            {
                logs.Add(line.ToJson());
            }
        }

        return (info, logs);
    }

    private Task<byte[]> ChangeTags(RapiCall call, string opId)
    {
        var (kind, handler) = TagKind(call);
        var op = Opcodes.Head(call.Source(handler, dryRunSupported: true), opId);
        op["kind"] = kind;
        op["tags"] = Strings(call.QueryList("tag"));
        if (kind != "cluster")
        {
            op["name"] = call.Name;
        }

        return Done(call.Submit(op));
    }

    private static (string Kind, string Handler) TagKind(RapiCall call) => call.Path.Split('/')[2] switch
    {
        "instances" => ("instance", "instances_name_tags"),
        "nodes" => ("node", "nodes_name_tags"),
        "groups" => ("nodegroup", "groups_name_tags"),
        "networks" => ("network", "networks_name_tags"),
        _ => ("cluster", "tags"),
    };

    private static JsonObject InstanceOp(RapiCall call, string handler, bool dryRun, string opId, JsonObject? body)
    {
        var op = Opcodes.Head(call.Source(handler, dryRun, body), opId);
        op["instance_name"] = call.Name;
        return op;
    }

    /// <summary>The legacy <c>memory</c> beparam becomes <c>maxmem</c> and <c>minmem</c>, as Ganeti upgrades it.</summary>
    private static JsonObject BeParamsOf(JsonObject? beparams)
    {
        var result = new JsonObject();
        if (beparams is null)
        {
            return result;
        }

        foreach (var (key, value) in beparams)
        {
            if (key != "memory")
            {
                result[key] = value?.DeepClone();
            }
        }

        if (beparams["memory"] is { } memory)
        {
            result["maxmem"] = memory.DeepClone();
            result["minmem"] = memory.DeepClone();
        }

        return result;
    }

    private static void CopyIfPresent(JsonObject from, JsonObject to, params string[] keys)
    {
        foreach (var key in keys)
        {
            if (from.TryGetPropertyValue(key, out var value) && value is not null)
            {
                to[key] = value.DeepClone();
            }
        }
    }

    private static string PythonType(JsonNode? node) => node switch
    {
        JsonObject => "dict",
        JsonArray => "list",
        JsonValue v when v.TryGetValue<bool>(out _) => "bool",
        JsonValue v when v.TryGetValue<long>(out _) => "int",
        JsonValue v when v.TryGetValue<double>(out _) => "float",
        null => "NoneType",
        _ => "str",
    };

    private static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode?)v).ToArray());

    private Task<byte[]> Cached(string key, Func<byte[]> build)
    {
        lock (cluster.Sync)
        {
            var version = cluster.Version;
            if (!cluster.Cache.TryGet(key, version, out var body))
            {
                body = build();
                cluster.Cache.Set(key, version, body);
            }

            return Task.FromResult(body);
        }
    }

    private static Task<byte[]> Done(byte[] body) => Task.FromResult(body);
}
