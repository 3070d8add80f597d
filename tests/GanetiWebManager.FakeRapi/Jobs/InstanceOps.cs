using System.Globalization;
using System.Text.Json.Nodes;
using GanetiWebManager.FakeRapi.Model;
using static GanetiWebManager.FakeRapi.Jobs.Units;

namespace GanetiWebManager.FakeRapi.Jobs;

/// <summary>
/// What the instance opcodes do to the fake cluster, with the log lines, results and errors a real Ganeti 3.0.2
/// produces (recorded from the sandbox; plain/drbd/Xen behaviour follows rapi.md and Ganeti's code).
/// </summary>
internal static class InstanceOps
{
    private const string SandboxFailure = "OS create script failed (exited with exit code 1), last lines in the log file:\nsandbox OS: failing on request (osparam fail=true)";

    public static async Task<JsonNode?> CreateAsync(OpContext ctx)
    {
        var input = ctx.Op.Input;
        var cluster = ctx.Cluster;
        var name = Str(input["instance_name"])!;
        var template = Str(input["disk_template"]) ?? "diskless";
        var hypervisor = Str(input["hypervisor"]) ?? cluster.Options.EnabledHypervisors[0];
        var os = Str(input["os_type"]);
        var disks = (input["disks"] as JsonArray ?? []).Select(d => d as JsonObject ?? []).ToList();
        var nics = (input["nics"] as JsonArray ?? []).Select(n => n as JsonObject ?? []).ToList();
        FakeNode primary;
        FakeNode? secondary = null;
        string? selectionLog = null;
        await ctx.Cluster.Jobs.StepAsync();
        lock (cluster.Sync)
        {
            if (cluster.FindInstanceInternal(name) is not null)
            {
                throw OpException.Prereq($"Instance '{name}' is already in the cluster", "already_exists");
            }

            if (!cluster.Options.EnabledDiskTemplates.Contains(template))
            {
                throw OpException.Prereq(
                    $"Disk template '{template}' is not enabled in cluster. Enabled disk templates are: {string.Join(',', cluster.Options.EnabledDiskTemplates)}",
                    null);
            }

            if (!cluster.Options.EnabledHypervisors.Contains(hypervisor))
            {
                throw OpException.Prereq(
                    $"Selected hypervisor ({hypervisor}) not enabled in the cluster ({string.Join(", ", cluster.Options.EnabledHypervisors)})");
            }

            if (Str(input["pnode"]) is { } pnodeName)
            {
                primary = cluster.FindNode(pnodeName) ?? throw OpException.UnknownNode(pnodeName);
                if (template == "drbd")
                {
                    var snodeName = Str(input["snode"]) ?? throw OpException.Prereq("The networked disk templates need a mirror node");
                    secondary = cluster.FindNode(snodeName) ?? throw OpException.UnknownNode(snodeName);
                    if (secondary == primary)
                    {
                        throw OpException.Prereq("The secondary node cannot be the primary node");
                    }
                }
            }
            else
            {
                var iallocator = Str(input["iallocator"]) ?? "hail";
                input.Remove("iallocator");
                input.Insert(input.IndexOf("identify_defaults"), "iallocator", iallocator);
                primary = Placement.Best(cluster, null, [])
                    ?? throw OpException.Prereq($"Can't compute nodes using iallocator '{iallocator}': Request failed: No valid allocation solutions", "insufficient_resources");
                if (template == "drbd")
                {
                    secondary = Placement.Best(cluster, primary.GroupUuid, [primary.Name])
                        ?? throw OpException.Prereq($"Can't compute nodes using iallocator '{iallocator}': Request failed: No valid allocation solutions", "insufficient_resources");
                }

                selectionLog = $" - INFO: Selected nodes for instance {name} via iallocator {iallocator}: {primary.Name}{(secondary is null ? "" : ", " + secondary.Name)}";
                input.Insert(input.IndexOf("os_type") + 1, "pnode", primary.Name);
                if (secondary is not null)
                {
                    input["snode"] = secondary.Name;
                }
            }

            InsertAfter(input, "osparams", "osparams_private", new JsonObject());
            InsertAfter(input, "osparams_private", "osparams_secret", new JsonObject());
            ctx.Resolved("pnode", "pnode_uuid", primary.Uuid);
            if (os is null || !cluster.Options.OperatingSystems.Contains(os))
            {
                throw OpException.Exec($"OS Parameters validation failed on node {primary.Name}: Directory for OS {(os ?? "").Split('+')[0]} not found in search path");
            }

            // Ganeti allocates whole 4 MiB extents and records the rounded sizes in the opcode itself.
            foreach (var disk in disks)
            {
                disk["size"] = RoundedDiskSize(template, Long(disk["size"]) ?? 0);
            }

            if (!Bool(input["ignore_ipolicy"]))
            {
                CheckPolicy(cluster, template, disks, nics, input["beparams"] as JsonObject, primary);
            }
        }

        if (selectionLog is not null)
        {
            await ctx.LogAsync(selectionLog);
        }

        if (ctx.DryRun)
        {
            await ctx.LogDryRunAsync();
            return new JsonArray(secondary is null ? [primary.Uuid] : [primary.Uuid, secondary.Uuid]);
        }

        for (var d = 0; d < disks.Count; d++)
        {
            await ctx.LogAsync($"* disk {d}, size {Format(Long(disks[d]["size"]) ?? 0)}");
        }

        await ctx.LogAsync("* creating instance disks...");
        FakeInstance instance;
        lock (cluster.Sync)
        {
            instance = NewInstance(cluster, input, name, template, hypervisor, os, primary, secondary, nics);
            cluster.AddInstance(instance);
        }

        await ctx.LogAsync($"adding instance {name} to cluster config");
        lock (cluster.Sync)
        {
            foreach (var disk in disks)
            {
                instance.Disks.Add(new FakeDisk
                {
                    Uuid = cluster.NewUuid(),
                    Size = RoundedDiskSize(template, Long(disk["size"]) ?? 0),
                    Name = Str(disk["name"]),
                    Mode = Str(disk["mode"]) ?? "rw",
                    Spindles = (int?)Long(disk["spindles"]),
                });
                cluster.Touch(instance);
            }

            instance.DisksActive = disks.Count > 0;
        }

        await ctx.LogAsync("adding disks to cluster config");
        if (disks.Count > 0)
        {
            for (var round = 0; round < 2; round++)
            {
                await ctx.LogAsync($" - INFO: Waiting for instance {name} to sync disks");
                await ctx.LogAsync($" - INFO: Instance {name}'s disks are in sync");
            }

            if (!Bool(input["no_install"]))
            {
                await ctx.LogAsync("* running the instance OS create scripts...");
                if (os.EndsWith("+slow", StringComparison.Ordinal))
                {
                    for (var step = 0; step < 10; step++)
                    {
                        await ctx.Queue.StepAsync();
                    }
                }

                if (IsFailingSandboxOs(os, input["osparams"] as JsonObject))
                {
                    lock (cluster.Sync)
                    {
                        instance.DisksActive = false;
                        cluster.RuntimeChanged(instance);
                    }

                    throw OpException.Exec($"Could not add os for instance {name} on node {primary.Name}: {SandboxFailure}");
                }
            }
        }

        if (Bool(input["start"], true))
        {
            await ctx.LogAsync("* starting instance...");
            lock (cluster.Sync)
            {
                instance.AdminState = "up";
                instance.Running = true;
                instance.DisksActive = true;
                cluster.Touch(instance);
            }
        }
        else
        {
            lock (cluster.Sync)
            {
                instance.DisksActive = false;
                cluster.RuntimeChanged(instance);
            }
        }

        return secondary is null ? new JsonArray(primary.Name) : new JsonArray(primary.Name, secondary.Name);
    }

    public static async Task<JsonNode?> RemoveAsync(OpContext ctx)
    {
        await ctx.Queue.StepAsync();
        lock (ctx.Cluster.Sync)
        {
            var instance = Resolve(ctx);
            if (!ctx.DryRun)
            {
                ctx.Cluster.RemoveInstance(instance.Name);
            }
        }

        if (ctx.DryRun)
        {
            await ctx.LogDryRunAsync();
        }

        return null;
    }

    public static async Task<JsonNode?> StartupAsync(OpContext ctx)
    {
        await ctx.Queue.StepAsync();
        lock (ctx.Cluster.Sync)
        {
            var instance = Resolve(ctx);
            CheckPrimaryUsable(ctx.Cluster, instance, "start");
            if (instance.AdminState == "offline")
            {
                throw OpException.Prereq($"Instance '{instance.Name}' is marked to be offline", "wrong_state");
            }

            if (ctx.DryRun)
            {
                return null;
            }

            if (Bool(ctx.Op.Input["no_remember"]))
            {
                instance.Running = true;
                ctx.Cluster.RuntimeChanged(instance);
            }
            else
            {
                ctx.Cluster.SetAdminUp(instance);
            }
        }

        return null;
    }

    public static async Task<JsonNode?> ShutdownAsync(OpContext ctx)
    {
        await ctx.Queue.StepAsync();
        lock (ctx.Cluster.Sync)
        {
            var instance = Resolve(ctx);
            if (instance.AdminState == "offline")
            {
                throw OpException.Prereq($"Instance '{instance.Name}' is marked to be offline", "wrong_state");
            }

            if (!Bool(ctx.Op.Input["ignore_offline_nodes"]))
            {
                CheckPrimaryUsable(ctx.Cluster, instance, "shutdown");
            }

            if (ctx.DryRun)
            {
                return null;
            }

            if (Bool(ctx.Op.Input["no_remember"]))
            {
                instance.Running = false;
                ctx.Cluster.RuntimeChanged(instance);
            }
            else
            {
                ctx.Cluster.SetAdminDown(instance, Str(ctx.Op.Input["admin_state_source"]) ?? "admin");
            }
        }

        return null;
    }

    public static async Task<JsonNode?> RebootAsync(OpContext ctx)
    {
        await ctx.Queue.StepAsync();
        lock (ctx.Cluster.Sync)
        {
            var instance = Resolve(ctx);
            CheckPrimaryUsable(ctx.Cluster, instance, "reboot");
            if (instance.AdminState != "up")
            {
                throw OpException.Prereq($"Instance '{instance.Name}' is marked to be {instance.AdminState}, cannot reboot", "wrong_state");
            }

            if (!ctx.DryRun && !instance.Running)
            {
                instance.Running = true;
                ctx.Cluster.RuntimeChanged(instance);
            }
        }

        await ctx.Queue.StepAsync();
        return null;
    }

    public static async Task<JsonNode?> RenameAsync(OpContext ctx)
    {
        await ctx.Queue.StepAsync();
        var newName = Str(ctx.Op.Input["new_name"])!;
        lock (ctx.Cluster.Sync)
        {
            var instance = Resolve(ctx);
            if (instance.AdminState == "up")
            {
                throw OpException.Prereq($"Instance '{instance.Name}' is marked to be up, cannot rename", "wrong_state");
            }

            if (ctx.Cluster.FindInstanceInternal(newName) is not null)
            {
                throw OpException.Prereq($"Instance '{newName}' is already in the cluster", "already_exists");
            }

            ctx.Cluster.RenameInstance(instance, newName);
        }

        return JsonValue.Create(newName);
    }

    public static async Task<JsonNode?> ReinstallAsync(OpContext ctx)
    {
        await ctx.Queue.StepAsync();
        var input = ctx.Op.Input;
        FakeInstance instance;
        string os;
        lock (ctx.Cluster.Sync)
        {
            instance = Resolve(ctx);
            if (instance.AdminState == "up" || instance.Running)
            {
                throw OpException.Prereq($"Instance '{instance.Name}' is marked to be up, cannot reinstall", "wrong_state");
            }

            os = Str(input["os_type"]) ?? instance.Os;
            if (!ctx.Cluster.Options.OperatingSystems.Contains(os))
            {
                throw OpException.Prereq($"OS '{os}' not in supported OS list for node {instance.PrimaryNode}", "wrong_input");
            }
        }

        if (Str(input["os_type"]) is not null)
        {
            await ctx.LogAsync($"Changing OS scripts to '{os}'...");
        }

        await ctx.LogAsync(" - INFO: Running instance OS create scripts...");
        lock (ctx.Cluster.Sync)
        {
            instance.Os = os;
            if (input["osparams"] is JsonObject osparams)
            {
                instance.CustomOsParams = OrderedParams.From(osparams);
            }

            // The OS change, and the disks activated for the OS scripts and deactivated after.
            ctx.Cluster.Touch(instance, 4);
            if (IsFailingSandboxOs(os, input["osparams"] as JsonObject) && instance.DiskTemplate != "diskless")
            {
                throw OpException.Exec($"Could not install OS for instance '{instance.Name}' on node '{instance.PrimaryNode}': {SandboxFailure}");
            }
        }

        return null;
    }

    public static async Task<JsonNode?> SetParamsAsync(OpContext ctx)
    {
        await ctx.Queue.StepAsync();
        var input = ctx.Op.Input;
        var cluster = ctx.Cluster;
        // Ganeti reports changes in the order its Exec applies them: disks, disk template, NICs, hv, be, OS,
        // OS parameters, admin state.
        var diskResult = new JsonArray();
        var templateResult = new JsonArray();
        var nicResult = new JsonArray();
        var hvResult = new JsonArray();
        var beResult = new JsonArray();
        var osResult = new JsonArray();
        var adminResult = new JsonArray();
        lock (cluster.Sync)
        {
            var instance = Resolve(ctx);
            var bumps = 1;
            var be = input["beparams"] as JsonObject ?? [];
            foreach (var (key, value) in be)
            {
                if (!cluster.Defaults.BeParams.ContainsKey(key) && key != "memory")
                {
                    throw OpException.Prereq($"Unknown parameter '{key}'", "wrong_input");
                }
            }

            var hv = input["hvparams"] as JsonObject ?? [];
            foreach (var (key, _) in hv)
            {
                if (!cluster.Defaults.IsHvParam(instance.Hypervisor, key))
                {
                    throw OpException.Prereq($"Unknown parameter '{key}'", "wrong_input");
                }
            }

            var newBe = instance.CustomBeParams.Clone();
            foreach (var (key, value) in be)
            {
                if (key == "memory")
                {
                    newBe["maxmem"] = value;
                    newBe["minmem"] = value;
                    beResult.Add(new JsonArray("be/maxmem", value?.DeepClone()));
                    beResult.Add(new JsonArray("be/minmem", value?.DeepClone()));
                }
                else
                {
                    newBe[key] = value;
                    beResult.Add(new JsonArray("be/" + key, value?.DeepClone()));
                }
            }

            if (!Bool(input["ignore_ipolicy"]) && be.Count > 0)
            {
                var merged = cluster.Defaults.EffectiveBeParams(newBe);
                CheckRange(cluster, "memory-size", merged.GetInt64("maxmem") ?? 0, "memory-size", instance);
                CheckRange(cluster, "cpu-count", merged.GetInt64("vcpus") ?? 0, "cpu-count", instance);
            }

            var newHv = instance.CustomHvParams.Clone();
            foreach (var (key, value) in hv)
            {
                newHv[key] = value;
                hvResult.Add(new JsonArray("hv/" + key, value?.DeepClone()));
            }

            if (Str(input["os_name"]) is { } osName)
            {
                if (!cluster.Options.OperatingSystems.Contains(osName))
                {
                    throw OpException.Prereq($"OS '{osName}' not in supported OS list for node {instance.PrimaryNode}", "wrong_input");
                }

                osResult.Add(new JsonArray("os", osName));
            }

            if (input["osparams"] is JsonObject { Count: > 0 } osparams)
            {
                foreach (var (key, value) in osparams)
                {
                    osResult.Add(new JsonArray("os/" + key, value?.DeepClone()));
                }
            }

            string? newPrimary = null;
            if (Str(input["pnode"]) is { } pnode)
            {
                var node = cluster.FindNode(pnode) ?? throw OpException.UnknownNode(pnode);
                if (instance.AdminState == "up" || instance.Running)
                {
                    throw OpException.Prereq($"Instance {instance.Name} is still running on {instance.PrimaryNode}", "wrong_state");
                }

                if (instance.DiskTemplate == "drbd")
                {
                    throw OpException.Prereq("Changing the primary node is not supported for disk template drbd; use failover", "wrong_input");
                }

                newPrimary = node.Name;
            }

            bool? offline = input["offline"] is JsonValue o && o.TryGetValue<bool>(out var off) ? off : null;
            if (offline == true && (instance.AdminState == "up" || instance.Running))
            {
                throw OpException.Prereq($"Instance '{instance.Name}' is marked to be up, cannot set it offline", "wrong_state");
            }

            var nicChanges = NicModifications(cluster, instance, input["nics"] as JsonArray ?? [], nicResult);
            var diskChanges = DiskModifications(cluster, instance, input["disks"] as JsonArray ?? [], diskResult);

            string? newTemplate = null;
            if (Str(input["disk_template"]) is { } template && template != instance.DiskTemplate)
            {
                if (instance.AdminState == "up" || instance.Running)
                {
                    throw OpException.Prereq($"Instance '{instance.Name}' is marked to be up, cannot change the disk template", "wrong_state");
                }

                if (!cluster.Options.EnabledDiskTemplates.Contains(template))
                {
                    throw OpException.Prereq($"Disk template '{template}' is not enabled in cluster. Enabled disk templates are: {string.Join(',', cluster.Options.EnabledDiskTemplates)}", null);
                }

                if ((instance.DiskTemplate, template) is not (("plain", "drbd") or ("drbd", "plain")))
                {
                    throw OpException.Prereq($"Unsupported disk template conversion from {instance.DiskTemplate} to {template}", "wrong_input");
                }

                if (template == "drbd" && Str(input["remote_node"]) is null)
                {
                    throw OpException.Prereq("Changing the disk template to a mirrored one requires specifying a secondary node", "wrong_input");
                }

                newTemplate = template;
            }

            JsonArray Changes() => new([.. Enumerable.Concat<JsonNode?>(diskResult, templateResult).Concat(nicResult).Concat(hvResult).Concat(beResult).Concat(osResult).Concat(adminResult).Select(c => c?.DeepClone())]);
            if (ctx.DryRun)
            {
                return Changes();
            }

            instance.CustomBeParams = newBe;
            instance.CustomHvParams = newHv;
            if (Str(input["os_name"]) is { } os)
            {
                instance.Os = os;
            }

            if (input["osparams"] is JsonObject { Count: > 0 } newOsParams)
            {
                instance.CustomOsParams.Overlay(OrderedParams.From(newOsParams));
            }

            if (newPrimary is not null)
            {
                instance.PrimaryNode = newPrimary;
            }

            nicChanges();
            diskChanges();
            if (newTemplate is not null)
            {
                instance.DiskTemplate = newTemplate;
                instance.SecondaryNodes.Clear();
                if (newTemplate == "drbd")
                {
                    instance.SecondaryNodes.Add(Str(input["remote_node"])!);
                }

                templateResult.Add(new JsonArray("disk_template", newTemplate));
            }

            if (offline is { } goOffline)
            {
                instance.AdminState = goOffline ? "offline" : "down";
                adminResult.Add(new JsonArray("admin_state", instance.AdminState));
                bumps = 2;
            }

            cluster.Touch(instance, bumps);
            return Changes();
        }
    }

    public static async Task<JsonNode?> MigrateAsync(OpContext ctx) => await MoveAsync(ctx, failover: false);

    public static async Task<JsonNode?> FailoverAsync(OpContext ctx) => await MoveAsync(ctx, failover: true);

    public static async Task<JsonNode?> GrowDiskAsync(OpContext ctx)
    {
        await ctx.Queue.StepAsync();
        var input = ctx.Op.Input;
        FakeInstance instance;
        int index;
        long newSize;
        long amount;
        lock (ctx.Cluster.Sync)
        {
            instance = Resolve(ctx);
            index = (int)(Long(input["disk"]) ?? 0);
            if (index < 0 || index >= instance.Disks.Count)
            {
                throw OpException.Prereq($"Invalid disk index: {index} (instace has disks 0 to {instance.Disks.Count - 1}", "wrong_input");
            }

            var current = instance.Disks[index].Size;
            amount = Long(input["amount"]) ?? 0;
            newSize = Bool(input["absolute"]) ? amount : current + amount;
            if (newSize < current)
            {
                throw OpException.Prereq($"Requested size ({newSize}) is smaller than current disk size ({current})", "wrong_input");
            }

            amount = newSize - current;
            if (!Bool(input["ignore_ipolicy"]))
            {
                var (min, max) = ctx.Cluster.Defaults.PolicyRange("disk-size");
                if (newSize < min || newSize > max)
                {
                    throw OpException.Prereq(
                        $"Instance allocation to group {GroupOf(ctx.Cluster, instance).Uuid} ({GroupOf(ctx.Cluster, instance).Name}) violates policy: disk-size/{index} value {newSize} is not in range [{min}, {max}]",
                        "wrong_input");
                }
            }
        }

        await ctx.LogAsync($"Growing disk {index} of instance '{instance.Name}' by {Format(amount)} to {Format(newSize)}");
        lock (ctx.Cluster.Sync)
        {
            instance.Disks[index].Size = newSize;
            ctx.Cluster.Touch(instance);
        }

        if (Bool(input["wait_for_sync"], true))
        {
            await ctx.LogAsync($" - INFO: Waiting for instance {instance.Name} to sync disks");
            await ctx.LogAsync($" - INFO: Instance {instance.Name}'s disks are in sync");
        }

        return null;
    }

    public static async Task<JsonNode?> ActivateDisksAsync(OpContext ctx)
    {
        await ctx.Queue.StepAsync();
        lock (ctx.Cluster.Sync)
        {
            var instance = Resolve(ctx);
            CheckPrimaryUsable(ctx.Cluster, instance, "activate disks of");
            var result = new JsonArray();
            for (var d = 0; d < instance.Disks.Count; d++)
            {
                result.Add(new JsonArray(instance.PrimaryNode, $"disk/{d}", DevicePath(instance, d)));
            }

            if (!instance.DisksActive)
            {
                instance.DisksActive = true;
                ctx.Cluster.Touch(instance);
            }

            return result;
        }
    }

    public static async Task<JsonNode?> DeactivateDisksAsync(OpContext ctx)
    {
        await ctx.Queue.StepAsync();
        lock (ctx.Cluster.Sync)
        {
            var instance = Resolve(ctx);
            if (!Bool(ctx.Op.Input["force"]) && (instance.AdminState == "up" || instance.Running))
            {
                throw OpException.Prereq($"Instance '{instance.Name}' is marked to be up, cannot shutdown disks", "wrong_state");
            }

            if (instance.DisksActive)
            {
                instance.DisksActive = false;
                ctx.Cluster.Touch(instance);
            }
        }

        return null;
    }

    public static async Task<JsonNode?> ReplaceDisksAsync(OpContext ctx)
    {
        await ctx.Queue.StepAsync();
        var input = ctx.Op.Input;
        var mode = Str(input["mode"])!;
        FakeInstance instance;
        string newSecondary = "";
        lock (ctx.Cluster.Sync)
        {
            instance = Resolve(ctx);
            if (instance.DiskTemplate != "drbd" || instance.SecondaryNodes.Count != 1)
            {
                throw OpException.Prereq($"The instance has a strange layout, expected one secondary but found {instance.SecondaryNodes.Count}", "internal_error");
            }

            if (mode == "replace_new_secondary")
            {
                if (Str(input["remote_node"]) is { } remote)
                {
                    var node = ctx.Cluster.FindNode(remote) ?? throw OpException.UnknownNode(remote);
                    if (node.Name == instance.PrimaryNode || node.Name == instance.SecondaryNodes[0])
                    {
                        throw OpException.Prereq($"The specified node is already the {(node.Name == instance.PrimaryNode ? "primary" : "secondary")} node of the instance", "wrong_input");
                    }

                    newSecondary = node.Name;
                }
                else
                {
                    var exclude = new[] { instance.PrimaryNode, instance.SecondaryNodes[0] };
                    newSecondary = Placement.Best(ctx.Cluster, GroupOf(ctx.Cluster, instance).Uuid, exclude)?.Name
                        ?? throw OpException.Prereq("Can't compute nodes using iallocator 'hail': Request failed: No valid allocation solutions", "insufficient_resources");
                }
            }
        }

        var disks = Enumerable.Range(0, instance.Disks.Count).ToList();
        var steps = mode switch
        {
            "replace_auto" => new List<string>
            {
                $"Checking disk/{Join(disks.Select(d => d.ToString(CultureInfo.InvariantCulture)))} consistency on node {instance.PrimaryNode}",
                $" - INFO: No disks need replacement for instance '{instance.Name}'",
            },
            "replace_new_secondary" => new List<string>
            {
                $"Replacing disk(s) {Join(disks.Select(d => d.ToString(CultureInfo.InvariantCulture)))} for instance '{instance.Name}'",
                $"Current primary node: {instance.PrimaryNode}",
                $"Current seconary node: {instance.SecondaryNodes[0]}",
                $"New secondary node: {newSecondary}",
                "STEP 1/6 Check device existence",
                "STEP 2/6 Check peer consistency",
                "STEP 3/6 Allocate new storage",
                "STEP 4/6 Changing drbd configuration",
                "STEP 5/6 Sync devices",
                "STEP 6/6 Removing old storage",
            },
            _ => new List<string>
            {
                $"Replacing disk(s) {Join(disks.Select(d => d.ToString(CultureInfo.InvariantCulture)))} for instance '{instance.Name}'",
                $"Current primary node: {instance.PrimaryNode}",
                $"Current seconary node: {instance.SecondaryNodes[0]}",
                "STEP 1/6 Check device existence",
                "STEP 2/6 Check peer consistency",
                "STEP 3/6 Allocate new storage",
                "STEP 4/6 Changing drbd configuration",
                "STEP 5/6 Sync devices",
                "STEP 6/6 Removing old storage",
            },
        };
        foreach (var step in steps)
        {
            await ctx.LogAsync(step);
        }

        lock (ctx.Cluster.Sync)
        {
            if (mode == "replace_new_secondary")
            {
                instance.SecondaryNodes[0] = newSecondary;
            }

            ctx.Cluster.Touch(instance);
        }

        return null;
    }

    /// <summary>The instance the opcode names; adds its UUID to the opcode as Ganeti does once it is found.</summary>
    public static FakeInstance Resolve(OpContext ctx)
    {
        var name = Str(ctx.Op.Input["instance_name"])!;
        var instance = ctx.Cluster.FindInstanceInternal(name) ?? throw OpException.UnknownInstance(name);
        ctx.Resolved("instance_name", "instance_uuid", instance.Uuid);
        return instance;
    }

    public static bool IsFailingSandboxOs(string os, JsonObject? osparams) =>
        os.StartsWith("sandbox+", StringComparison.Ordinal) && osparams?["fail"] is JsonValue v && Str(v) == "true";

    private static async Task<JsonNode?> MoveAsync(OpContext ctx, bool failover)
    {
        await ctx.Queue.StepAsync();
        var input = ctx.Op.Input;
        var cluster = ctx.Cluster;
        FakeInstance instance;
        FakeNode target;
        string? selection = null;
        bool running;
        lock (cluster.Sync)
        {
            instance = Resolve(ctx);
            var verb = failover ? "failovers" : "migrations";
            if (instance.DiskTemplate is "file" or "plain" or "blockdev")
            {
                throw OpException.Prereq($"Instance's disk layout '{instance.DiskTemplate}' does not allow {verb}", "wrong_state");
            }

            running = instance.Running;
            if (!failover && !running)
            {
                if (!Bool(input["allow_failover"]))
                {
                    throw OpException.Prereq($"Can't migrate, please use failover: Instance {instance.Name} is not running", "wrong_state");
                }

                failover = true;
            }

            if (!failover)
            {
                var hv = cluster.Defaults.HvParams[instance.Hypervisor]?["migration_mode"];
                InsertAfter(input, "instance_uuid", "mode", Str(input["mode"]) ?? Str(hv) ?? "live");
            }

            var targetName = Str(input["target_node"]);
            if (instance.DiskTemplate == "drbd")
            {
                var secondary = instance.SecondaryNodes[0];
                if (targetName is not null && targetName != secondary)
                {
                    throw OpException.Prereq($"Instances with disk template drbd cannot be {(failover ? "failed over" : "migrated")} to arbitrary nodes (neither an iallocator nor a target node can be passed)", "wrong_input");
                }

                target = cluster.FindNode(secondary)!;
            }
            else if (targetName is not null)
            {
                target = cluster.FindNode(targetName) ?? throw OpException.UnknownNode(targetName);
                if (target.Name == instance.PrimaryNode)
                {
                    throw OpException.Prereq($"Instance {instance.Name} is already on the node {target.Name}", "wrong_input");
                }

                ctx.Resolved("target_node", "target_node_uuid", target.Uuid);
            }
            else
            {
                var iallocator = Str(input["iallocator"]) ?? "hail";
                InsertAfter(input, "cleanup", "iallocator", iallocator);
                target = Placement.Best(cluster, GroupOf(cluster, instance).Uuid, [instance.PrimaryNode])
                    ?? throw OpException.Prereq($"Can't compute nodes using iallocator '{iallocator}': Request failed: No valid allocation solutions", "insufficient_resources");
                selection = $" - INFO: Selected nodes for instance {instance.Name} via iallocator {iallocator}: {target.Name}";
            }

            var source = cluster.FindNode(instance.PrimaryNode);
            if (running && source is { Down: true } && !Bool(input["ignore_consistency"]))
            {
                throw OpException.Exec($"Could not shutdown instance {instance.Name} on node {source.Name}: Error 7: Failed to connect to {source.PrimaryIp} port 1811");
            }
        }

        var sourceNode = instance.PrimaryNode;
        if (!running && failover)
        {
            await ctx.LogAsync(" - INFO: Not checking memory on the secondary node as instance will not be started");
        }

        if (selection is not null)
        {
            await ctx.LogAsync(selection);
        }

        var lines = failover
            ? running
                ? new[]
                {
                    $"Failover instance {instance.Name}", "* checking disk consistency between source and target", "* shutting down instance on source node",
                    $"* closing instance disks on node {sourceNode}", "* deactivating the instance's disks on source node",
                    $"* activating the instance's disks on target node {target.Name}", $"* starting the instance on the target node {target.Name}",
                }
                : new[]
                {
                    $"Failover instance {instance.Name}", "* not checking disk consistency as instance is not running", "* shutting down instance on source node",
                    $"* closing instance disks on node {sourceNode}", "* deactivating the instance's disks on source node",
                }
            : new[]
            {
                $"Migrating instance {instance.Name}", "* checking disk consistency between source and target", $"* closing instance disks on node {target.Name}",
                $"* opening instance disks on node {sourceNode} in shared mode", $"* opening instance disks on node {target.Name} in shared mode",
                $"* preparing {target.Name} to accept the instance", $"* migrating instance to {target.Name}", "* starting memory transfer",
                "* memory transfer complete", $"* closing instance disks on node {sourceNode}", $"* opening instance disks on node {target.Name} in exclusive mode", "* done",
            };
        foreach (var line in lines)
        {
            await ctx.LogAsync(line);
        }

        lock (cluster.Sync)
        {
            if (instance.DiskTemplate == "drbd")
            {
                instance.SecondaryNodes[0] = sourceNode;
            }

            // Ganeti switches the primary node with a dedicated configuration call that bumps neither serial_no nor
            // mtime; a failover of a running instance deactivates and reactivates its disks, which does (twice).
            instance.PrimaryNode = target.Name;
            if (failover && running)
            {
                cluster.Touch(instance, 2);
            }
            else
            {
                cluster.RuntimeChanged(instance);
            }

            cluster.Changed();
        }

        return null;
    }

    private static FakeInstance NewInstance(
        FakeCluster cluster, JsonObject input, string name, string template, string hypervisor, string os, FakeNode primary, FakeNode? secondary, List<JsonObject> nics)
    {
        var instance = new FakeInstance
        {
            Uuid = cluster.NewUuid(),
            Name = name,
            Os = os,
            Hypervisor = hypervisor,
            PrimaryNode = primary.Name,
            DiskTemplate = template,
            CTime = cluster.Now(),
            AdminState = "down",
            CustomBeParams = OrderedParams.From(input["beparams"] as JsonObject),
            CustomHvParams = OrderedParams.From(input["hvparams"] as JsonObject),
            CustomOsParams = OrderedParams.From(input["osparams"] as JsonObject),
        };
        instance.MTime = instance.CTime;
        if (secondary is not null)
        {
            instance.SecondaryNodes.Add(secondary.Name);
        }

        if (input["tags"] is JsonArray tags)
        {
            instance.Tags.AddRange(tags.Select(Str).OfType<string>());
        }

        foreach (var nic in nics)
        {
            instance.Nics.Add(NewNic(cluster, nic));
        }

        if (hypervisor is "kvm" or "xen-hvm")
        {
            instance.NetworkPort = cluster.NextNetworkPort();
        }

        return instance;
    }

    private static FakeNic NewNic(FakeCluster cluster, JsonObject spec)
    {
        var network = Str(spec["network"]) is { } networkName ? cluster.FindNetwork(networkName) : null;
        var custom = new OrderedParams();
        foreach (var key in new[] { "mode", "link", "vlan" })
        {
            if (spec[key] is JsonValue value)
            {
                custom[key] = value;
            }
        }

        var mac = Str(spec["mac"]);
        var ip = Str(spec["ip"]);
        if (ip == "pool" && network is not null)
        {
            var prefix = network.Network[..network.Network.IndexOf(".0/", StringComparison.Ordinal)];
            for (var host = 2; ; host++)
            {
                var candidate = string.Create(CultureInfo.InvariantCulture, $"{prefix}.{host / 256}.{host % 256}");
                if (network.UsedAddresses.Add(candidate))
                {
                    ip = candidate;
                    break;
                }
            }
        }
        else if (ip is not null && network is not null)
        {
            network.UsedAddresses.Add(ip);
        }

        return new FakeNic
        {
            Uuid = cluster.NewUuid(),
            Mac = mac is null or "auto" or "generate" ? cluster.NewMac() : mac,
            Ip = ip == "pool" ? null : ip,
            Mode = Str(spec["mode"]) ?? (string)cluster.Defaults.NicParams["mode"]!,
            Link = Str(spec["link"]) ?? Str(spec["bridge"]) ?? cluster.Defaults.DefaultNicLink,
            Name = Str(spec["name"]),
            NetworkUuid = network?.Uuid,
            Vlan = Str(spec["vlan"]),
            Custom = custom,
        };
    }

    /// <summary>Applies NIC modifications (legacy <c>[op, {params}]</c> or <c>[action, target, {params}]</c>)
    /// after the checks: returns the change to apply once every parameter is known to be valid.</summary>
    private static Action NicModifications(FakeCluster cluster, FakeInstance instance, JsonArray modifications, JsonArray changes)
    {
        var actions = new List<Action>();
        var count = instance.Nics.Count;
        foreach (var item in modifications)
        {
            var (action, index, parameters) = ParseModification(item, count);
            switch (action)
            {
                case "add":
                    var nic = NewNic(cluster, parameters);
                    var at = index < 0 || index > count ? count : index;
                    actions.Add(() => instance.Nics.Insert(Math.Min(at, instance.Nics.Count), nic));
                    changes.Add(new JsonArray($"nic.{at}", $"add:mac={nic.Mac},ip={nic.Ip ?? "None"},mode={nic.Mode},link={nic.Link},vlan={nic.Vlan ?? ""},network={(nic.NetworkUuid is null ? "None" : cluster.FindNetworkByUuid(nic.NetworkUuid)!.Name)}"));
                    count++;
                    break;
                case "remove":
                    var removeAt = index < 0 ? count - 1 : index;
                    if (removeAt < 0 || removeAt >= count)
                    {
                        throw OpException.Prereq($"Invalid NIC index {removeAt}, valid values are 0 to {count - 1}", "wrong_input");
                    }

                    actions.Add(() => instance.Nics.RemoveAt(removeAt));
                    changes.Add(new JsonArray($"nic.{removeAt}", "remove"));
                    count--;
                    break;
                default:
                    if (index < 0 || index >= count)
                    {
                        throw OpException.Prereq($"Invalid NIC index {index}, valid values are 0 to {count - 1}", "wrong_input");
                    }

                    foreach (var (key, value) in parameters)
                    {
                        var target = index;
                        var text = Str(value);
                        actions.Add(() =>
                        {
                            var current = instance.Nics[target];
                            switch (key)
                            {
                                case "ip": current.Ip = text; break;
                                case "mac": current.Mac = text ?? current.Mac; break;
                                case "mode": current.Mode = text ?? current.Mode; current.Custom["mode"] = value; break;
                                case "link": current.Link = text ?? current.Link; current.Custom["link"] = value; break;
                                case "name": current.Name = text; break;
                                case "vlan": current.Vlan = text; break;
                                default: break;
                            }
                        });
                        changes.Add(new JsonArray($"nic.{key}/{index}", value?.DeepClone()));
                    }

                    break;
            }
        }

        return () => actions.ForEach(a => a());
    }

    private static Action DiskModifications(FakeCluster cluster, FakeInstance instance, JsonArray modifications, JsonArray changes)
    {
        var actions = new List<Action>();
        var count = instance.Disks.Count;
        foreach (var item in modifications)
        {
            var (action, index, parameters) = ParseModification(item, count);
            switch (action)
            {
                case "add":
                    if (instance.DiskTemplate == "diskless")
                    {
                        throw OpException.Prereq("Disk operations not supported for diskless instances", "wrong_input");
                    }

                    var size = Long(parameters["size"]) ?? throw OpException.Prereq("Missing disk size", "wrong_input");
                    var disk = new FakeDisk { Uuid = cluster.NewUuid(), Size = RoundedDiskSize(instance.DiskTemplate, size), Name = Str(parameters["name"]), Mode = Str(parameters["mode"]) ?? "rw" };
                    var at = index < 0 || index > count ? count : index;
                    actions.Add(() => instance.Disks.Insert(Math.Min(at, instance.Disks.Count), disk));
                    changes.Add(new JsonArray($"disk/{at}", $"add:size={disk.Size},mode={disk.Mode}"));
                    count++;
                    break;
                case "remove":
                    var removeAt = index < 0 ? count - 1 : index;
                    if (removeAt < 0 || removeAt >= count)
                    {
                        throw OpException.Prereq($"Invalid disk index {removeAt}, valid values are 0 to {count - 1}", "wrong_input");
                    }

                    if (instance.Running)
                    {
                        throw OpException.Prereq("Cannot remove disks from a running instance without hotplug", "wrong_state");
                    }

                    actions.Add(() => instance.Disks.RemoveAt(removeAt));
                    changes.Add(new JsonArray($"disk/{removeAt}", "remove"));
                    count--;
                    break;
                default:
                    if (index < 0 || index >= count)
                    {
                        throw OpException.Prereq($"Invalid disk index {index}, valid values are 0 to {count - 1}", "wrong_input");
                    }

                    foreach (var (key, value) in parameters)
                    {
                        var target = index;
                        actions.Add(() =>
                        {
                            switch (key)
                            {
                                case "mode": instance.Disks[target].Mode = Str(value) ?? "rw"; break;
                                case "name": instance.Disks[target].Name = Str(value); break;
                                default: break;
                            }
                        });
                        changes.Add(new JsonArray($"disk.{key}/{index}", value?.DeepClone()));
                    }

                    break;
            }
        }

        return () => actions.ForEach(a => a());
    }

    private static (string Action, int Index, JsonObject Parameters) ParseModification(JsonNode? item, int count)
    {
        if (item is not JsonArray array || array.Count is < 2 or > 3)
        {
            throw OpException.Prereq("Invalid modification list", "wrong_input");
        }

        var parameters = array[^1] as JsonObject ?? [];
        if (array.Count == 2)
        {
            return array[0] switch
            {
                JsonValue v when Str(v) is "add" => ("add", -1, parameters),
                JsonValue v when Str(v) is "remove" => ("remove", -1, parameters),
                JsonValue v when Long(v) is { } index => ("modify", (int)index, parameters),
                _ => throw OpException.Prereq("Invalid modification list", "wrong_input"),
            };
        }

        var action = Str(array[0]) ?? throw OpException.Prereq("Invalid modification list", "wrong_input");
        var target = Long(array[1]) is { } i ? (int)i : count;
        return (action is "attach" ? "add" : action is "detach" ? "remove" : action, target, parameters);
    }

    private static void CheckPolicy(FakeCluster cluster, string template, List<JsonObject> disks, List<JsonObject> nics, JsonObject? beparams, FakeNode primary)
    {
        var violations = new List<string>();
        var be = cluster.Defaults.EffectiveBeParams(OrderedParams.From(beparams));
        Check("memory-size", be.GetInt64("maxmem") ?? 128, "memory-size");
        Check("cpu-count", be.GetInt64("vcpus") ?? 1, "cpu-count");
        if (template != "diskless")
        {
            Check("disk-count", disks.Count, "disk-count");
        }

        Check("nic-count", nics.Count, "nic-count");
        for (var d = 0; d < disks.Count; d++)
        {
            Check("disk-size", RoundedDiskSize(template, Long(disks[d]["size"]) ?? 0), $"disk-size/{d}");
        }

        if (violations.Count > 0)
        {
            var group = cluster.FindGroupByUuid(primary.GroupUuid)!;
            throw OpException.Prereq($"Instance allocation to group {group.Uuid} ({group.Name}) violates policy: {string.Join(", ", violations)}", "wrong_input");
        }

        void Check(string spec, long value, string label)
        {
            var (min, max) = cluster.Defaults.PolicyRange(spec);
            if (value < min || value > max)
            {
                violations.Add($"{label} value {value} is not in range [{min}, {max}]");
            }
        }
    }

    private static void CheckRange(FakeCluster cluster, string spec, long value, string label, FakeInstance instance)
    {
        var (min, max) = cluster.Defaults.PolicyRange(spec);
        if (value < min || value > max)
        {
            var group = GroupOf(cluster, instance);
            throw OpException.Prereq($"Instance allocation to group {group.Uuid} ({group.Name}) violates policy: {label} value {value} is not in range [{min}, {max}]", "wrong_input");
        }
    }

    private static void CheckPrimaryUsable(FakeCluster cluster, FakeInstance instance, string verb)
    {
        var node = cluster.FindNode(instance.PrimaryNode)!;
        if (node.Offline)
        {
            throw OpException.Prereq($"Can't {verb} instance {instance.Name}: primary node {node.Name} is offline", "wrong_state");
        }

        if (node.Down)
        {
            throw OpException.Exec($"Could not contact node {node.Name}: Error 7: Failed to connect to {node.PrimaryIp} port 1811");
        }
    }

    /// <summary>Disks are allocated in 4 MiB extents (the sandbox turned a 1 MiB request into 4).</summary>
    private static long RoundedDiskSize(string template, long size) =>
        template is "diskless" ? size : (size + 3) / 4 * 4;

    private static string DevicePath(FakeInstance instance, int index) => instance.DiskTemplate switch
    {
        "sharedfile" => $"/srv/ganeti/shared-file-storage/{instance.Name}/{instance.Disks[index].Uuid}.sharedfile.disk{index}",
        "file" => $"/srv/ganeti/file-storage/{instance.Name}/{instance.Disks[index].Uuid}.file.disk{index}",
        "drbd" => $"/dev/drbd{(Math.Abs(instance.Disks[index].Uuid.GetHashCode(StringComparison.Ordinal)) % 100) + index}",
        _ => $"/dev/xenvg/{instance.Disks[index].Uuid}.disk{index}",
    };

    private static FakeGroup GroupOf(FakeCluster cluster, FakeInstance instance) =>
        cluster.FindGroupByUuid(cluster.FindNode(instance.PrimaryNode)!.GroupUuid)!;

    private static void InsertAfter(JsonObject target, string afterKey, string key, JsonNode? value)
    {
        if (target.ContainsKey(key))
        {
            return;
        }

        var index = target.IndexOf(afterKey);
        target.Insert(index < 0 ? target.Count : index + 1, key, value);
    }
}

/// <summary>Where an iallocator would put things: vm-capable, online nodes with the most free memory first.</summary>
internal static class Placement
{
    public static FakeNode? Best(FakeCluster cluster, string? groupUuid, IReadOnlyCollection<string> exclude)
    {
        var candidates = Candidates(cluster, groupUuid, exclude);
        return candidates.Count > 0 ? candidates[0] : null;
    }

    public static IReadOnlyList<FakeNode> Candidates(FakeCluster cluster, string? groupUuid, IReadOnlyCollection<string> exclude)
    {
        var used = cluster.NodeList.ToDictionary(n => n.Name, _ => 0L, StringComparer.Ordinal);
        foreach (var instance in cluster.InstanceMap.Values)
        {
            if (instance.Running && used.ContainsKey(instance.PrimaryNode))
            {
                used[instance.PrimaryNode] += InstanceState.MaxMem(cluster, instance);
            }
        }

        return cluster.NodeList
            .Where(n => n.VmCapable && !n.Offline && !n.Drained && !n.Down && !exclude.Contains(n.Name) && (groupUuid is null || n.GroupUuid == groupUuid))
            .OrderByDescending(n => n.MemoryTotal - n.MemoryNode - used[n.Name])
            .ThenBy(n => n.Name, StringComparer.Ordinal)
            .ToList();
    }
}
