using System.Text.Json;
using GanetiWebManager.FakeRapi.Tests.TestSupport;
using GanetiWebManager.Rapi;
using GanetiWebManager.Rapi.Exceptions;
using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Rapi.Requests;

namespace GanetiWebManager.FakeRapi.Tests.Jobs;

/// <summary>
/// What the real sandbox cannot show: DRBD and plain disks, secondary nodes, Xen, node evacuation and migration with
/// child jobs; and the job machinery (timeouts of the long-poll, multi-opcode failures).
/// </summary>
public sealed class JobTests
{
    [Fact]
    public async Task CreateInstanceAsync_Drbd_SecondaryNodeAndMetadataInDiskUsage()
    {
        await using var server = await FakeRapiServer.StartAsync(new FakeClusterOptions { Nodes = 3 });
        using var client = FakeClients.Rapi(server);
        var nodes = server.Cluster.NodeNames;

        var job = await client.WaitForJobCompletionAsync(await client.CreateInstanceAsync(Drbd("db1", nodes[0], nodes[1])));

        job.Status.ShouldBe(JobStatus.Success, job.GetFailure()?.ToUserMessage());
        job.OpResult[0].EnumerateArray().Select(e => e.GetString()).ShouldBe([nodes[0], nodes[1]]);
        var instance = await client.GetInstanceAsync("db1");
        instance.DiskTemplate.ShouldBe("drbd");
        instance.SecondaryNodes.ShouldBe([nodes[1]]);
        instance.DiskSizes.ShouldBe([10240L]);
        instance.DiskUsage.ShouldBe(10240 + 128);
        (await client.GetNodeAsync(nodes[1])).SecondaryInstances.ShouldBe(["db1"]);
        var query = (await client.QueryAsync("instance", ["snodes", "snodes.group"], QueryFilter.Equal("name", "db1"))).Rows.Single();
        query["snodes"].AsStringList().ShouldBe([nodes[1]]);
        query["snodes.group"].AsStringList().ShouldBe(["default"]);
    }

    [Fact]
    public async Task CreateInstanceAsync_DrbdWithoutSecondary_FailsLikeGaneti()
    {
        await using var server = await FakeRapiServer.StartAsync(new FakeClusterOptions { Nodes = 2 });
        using var client = FakeClients.Rapi(server);

        var job = await client.WaitForJobCompletionAsync(await client.CreateInstanceAsync(Drbd("db1", server.Cluster.NodeNames[0], null)));

        job.GetFailure()!.Message.ShouldBe("The networked disk templates need a mirror node");
        job.GetFailure()!.ErrorCode.ShouldBe("wrong_input");
    }

    [Fact]
    public async Task MigrateAndFailover_Drbd_SwapPrimaryAndSecondary()
    {
        await using var server = await FakeRapiServer.StartAsync(new FakeClusterOptions { Nodes = 3 });
        using var client = FakeClients.Rapi(server);
        var nodes = server.Cluster.NodeNames;
        await Run(client, client.CreateInstanceAsync(Drbd("db1", nodes[0], nodes[1])));
        var serial = (await client.GetInstanceAsync("db1")).SerialNo;

        await Run(client, client.MigrateInstanceAsync("db1"));
        var migrated = await client.GetInstanceAsync("db1");
        migrated.PrimaryNode.ShouldBe(nodes[1]);
        migrated.SecondaryNodes.ShouldBe([nodes[0]]);
        migrated.SerialNo.ShouldBe(serial);

        var wrongTarget = await client.WaitForJobCompletionAsync(await client.MigrateInstanceAsync("db1", new MigrateInstanceRequest { TargetNode = nodes[2] }));
        wrongTarget.GetFailure()!.ErrorCode.ShouldBe("wrong_input");

        await Run(client, client.FailoverInstanceAsync("db1"));
        (await client.GetInstanceAsync("db1")).PrimaryNode.ShouldBe(nodes[0]);
    }

    [Fact]
    public async Task ReplaceDisksAsync_DrbdNewSecondary_MovesSecondary()
    {
        await using var server = await FakeRapiServer.StartAsync(new FakeClusterOptions { Nodes = 3 });
        using var client = FakeClients.Rapi(server);
        var nodes = server.Cluster.NodeNames;
        await Run(client, client.CreateInstanceAsync(Drbd("db1", nodes[0], nodes[1])));

        var job = await Run(client, client.ReplaceInstanceDisksAsync("db1", new ReplaceDisksRequest { Mode = ReplaceDisksMode.ReplaceNewSecondary, RemoteNode = nodes[2] }));

        (await client.GetInstanceAsync("db1")).SecondaryNodes.ShouldBe([nodes[2]]);
        job.LogEntries.Select(e => e.Message).ShouldContain("STEP 6/6 Removing old storage");
        job.Ops[0]["disks"].GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task EvacuateNodeAsync_PrimaryOnly_ChildJobsMoveEveryInstance()
    {
        await using var server = await FakeRapiServer.StartAsync(new FakeClusterOptions { Nodes = 3, EnabledDiskTemplates = ["drbd", "sharedfile", "diskless"] });
        using var client = FakeClients.Rapi(server);
        var nodes = server.Cluster.NodeNames;
        await Run(client, client.CreateInstanceAsync(Drbd("db1", nodes[1], nodes[2])));
        await Run(client, client.CreateInstanceAsync(Shared("web1", nodes[1])));
        await Run(client, client.CreateInstanceAsync(Shared("web2", nodes[1]) with { Start = false }));

        var parent = await Run(client, client.EvacuateNodeAsync(nodes[1], new EvacuateNodeRequest { Mode = NodeEvacuationMode.PrimaryOnly, IAllocator = "hail", Reason = "ct evac" }));

        var children = parent.GetChildJobs();
        children.Count.ShouldBe(3);
        children.ShouldAllBe(c => c.Submitted);
        parent.LogEntries.Select(e => e.Message).ShouldContain($" - INFO: Evacuating instances from node '{nodes[1]}': db1, web1, web2");
        foreach (var child in children)
        {
            var job = await client.WaitForJobCompletionAsync(child.JobId!.Value);
            job.Status.ShouldBe(JobStatus.Success, job.GetFailure()?.ToUserMessage());
            job.Ops[0]["OP_ID"].GetString().ShouldBe("OP_INSTANCE_MIGRATE");
            job.Ops[0]["comment"].GetString().ShouldBe("Submitted by OP_NODE_EVACUATE");
            job.Ops[0]["allow_failover"].GetBoolean().ShouldBeTrue();
            var trail = job.Ops[0]["reason"].EnumerateArray().Select(r => r[0].GetString()).ToList();
            trail.ShouldBe(["gnt:user", "gnt:library:rlib2:nodes_name_evacuate", "gnt:opcode:node_evacuate", "gnt:opcode:instance_migrate"]);
        }

        (await client.GetNodeAsync(nodes[1])).PrimaryInstances.ShouldBeEmpty();
        (await client.GetInstanceAsync("db1")).PrimaryNode.ShouldBe(nodes[2]);
        (await client.GetInstanceAsync("web2")).Status.ShouldBe("ADMIN_down");
    }

    [Fact]
    public async Task EvacuateNodeAsync_SecondaryOnly_ReplaceDisksChildJobs()
    {
        await using var server = await FakeRapiServer.StartAsync(new FakeClusterOptions { Nodes = 3 });
        using var client = FakeClients.Rapi(server);
        var nodes = server.Cluster.NodeNames;
        await Run(client, client.CreateInstanceAsync(Drbd("db1", nodes[0], nodes[1])));

        var parent = await Run(client, client.EvacuateNodeAsync(nodes[1], new EvacuateNodeRequest { Mode = NodeEvacuationMode.SecondaryOnly, IAllocator = "hail" }));

        var child = await client.WaitForJobCompletionAsync(parent.GetChildJobs().Single().JobId!.Value);
        child.Ops[0]["OP_ID"].GetString().ShouldBe("OP_INSTANCE_REPLACE_DISKS");
        child.Ops[0]["mode"].GetString().ShouldBe("replace_new_secondary");
        (await client.GetInstanceAsync("db1")).SecondaryNodes.ShouldBe([nodes[2]]);
    }

    [Fact]
    public async Task MigrateNodeAsync_Node_ChildJobPerPrimaryInstance()
    {
        await using var server = await FakeRapiServer.StartAsync(new FakeClusterOptions { Nodes = 2, EnabledDiskTemplates = ["sharedfile", "diskless"] });
        using var client = FakeClients.Rapi(server);
        var nodes = server.Cluster.NodeNames;
        await Run(client, client.CreateInstanceAsync(Shared("web1", nodes[0])));
        await Run(client, client.CreateInstanceAsync(Shared("web2", nodes[0])));

        var parent = await Run(client, client.MigrateNodeAsync(nodes[0], new MigrateNodeRequest { Mode = MigrationMode.Live, TargetNode = nodes[1] }));

        parent.LogEntries.ShouldBeEmpty();
        var children = parent.GetChildJobs();
        children.Count.ShouldBe(2);
        foreach (var child in children)
        {
            var job = await client.WaitForJobCompletionAsync(child.JobId!.Value);
            job.Status.ShouldBe(JobStatus.Success, job.GetFailure()?.ToUserMessage());
            job.Ops[0]["target_node"].GetString().ShouldBe(nodes[1]);
            job.Ops[0]["comment"].GetString().ShouldBe("Submitted by OP_NODE_MIGRATE");
        }

        (await client.GetNodeAsync(nodes[0])).PrimaryInstances.ShouldBeEmpty();
        (await client.GetNodeAsync(nodes[1])).PrimaryInstances.ShouldBe(["web1", "web2"]);
    }

    [Fact]
    public async Task SetNodeRoleAsync_DrainedThenOffline_RolesAndInstanceStatus()
    {
        await using var server = await FakeRapiServer.StartAsync(new FakeClusterOptions { Nodes = 3, Instances = 30 });
        using var client = FakeClients.Rapi(server);
        var node = server.Cluster.NodeNames[2];

        var drained = await Run(client, client.SetNodeRoleAsync(node, NodeRole.Drained));
        drained.OpResult[0].GetRawText().ShouldBe("""[["master_candidate", "False"], ["drained", "True"]]""");
        (await client.GetNodeRoleAsync(node)).ShouldBe(NodeRole.Drained);

        await Run(client, client.SetNodeRoleAsync(node, NodeRole.Offline));
        var offline = await client.GetNodeAsync(node);
        offline.RoleCode.ShouldBe("O");
        offline.MemoryFree.ShouldBeNull();
        offline.PrimaryInstances.ShouldNotBeEmpty();
        (await client.GetInstanceAsync(offline.PrimaryInstances[0])).Status.ShouldBe("ERROR_nodeoffline");
        var cells = (await client.QueryAsync("node", ["name", "mfree"], QueryFilter.Equal("name", node))).Rows.Single();
        cells["mfree"].Status.ShouldBe(QueryCellStatus.NodeOffline);
    }

    [Fact]
    public async Task GetInstanceConsoleAsync_Hypervisors_RapiShapes()
    {
        await using var server = await FakeRapiServer.StartAsync(new FakeClusterOptions { Instances = 200, Seed = 8 });
        using var client = FakeClients.Rapi(server);
        var instances = (await client.GetInstancesAsync()).Where(i => i.Status == "running").ToList();

        var pvm = instances.First(i => i.HvParams.ContainsKey("bootloader_path"));
        var ssh = await client.GetInstanceConsoleAsync(pvm.Name);
        ssh.Kind.ShouldBe(ConsoleKind.Ssh);
        ssh.Host.ShouldBe(pvm.PrimaryNode);
        ssh.User.ShouldBe("root");
        ssh.Command.ShouldBe(["/usr/lib/ganeti/tools/xen-console-wrapper", "xm", pvm.Name]);

        var hvm = instances.First(i => i.HvParams.ContainsKey("device_model"));
        var vnc = await client.GetInstanceConsoleAsync(hvm.Name);
        vnc.Kind.ShouldBe(ConsoleKind.Vnc);
        vnc.Port.ShouldBe(hvm.NetworkPort);
        vnc.Display.ShouldBe(hvm.NetworkPort - 5900);

        var kvm = instances.First(i => i.HvParams.ContainsKey("kvm_path"));
        await Should.ThrowAsync<RapiInternalServerErrorException>(() => client.GetInstanceConsoleAsync(kvm.Name));
    }

    [Fact]
    public async Task ModifyInstanceAsync_DisksNicsTemplate_Applied()
    {
        await using var server = await FakeRapiServer.StartAsync(new FakeClusterOptions { Nodes = 2 });
        using var client = FakeClients.Rapi(server);
        var nodes = server.Cluster.NodeNames;
        await Run(client, client.CreateInstanceAsync(new CreateInstanceRequest
        {
            Name = "vm1", DiskTemplate = "plain", Hypervisor = "kvm", OsType = "debootstrap+default", PrimaryNode = nodes[0],
            Disks = [new DiskDefinition { Size = 10240 }], Nics = [new NicDefinition()], Start = false,
        }));

        var modify = await Run(client, client.ModifyInstanceAsync("vm1", new ModifyInstanceRequest
        {
            Disks = [DeviceModification.Add(new Dictionary<string, object?> { ["size"] = 2048 })],
            Nics = [DeviceModification.Add(new Dictionary<string, object?> { ["link"] = "br1" })],
            HvParams = new Dictionary<string, object?> { ["boot_order"] = "cdrom" },
        }));
        await Run(client, client.ModifyInstanceAsync("vm1", new ModifyInstanceRequest { DiskTemplate = "drbd", RemoteNode = nodes[1] }));

        var instance = await client.GetInstanceAsync("vm1");
        instance.DiskSizes.ShouldBe([10240L, 2048L]);
        instance.NicLinks.ShouldBe(["gnt-br0", "br1"]);
        instance.HvParams.GetString("boot_order").ShouldBe("cdrom");
        instance.CustomHvParams.GetString("boot_order").ShouldBe("cdrom");
        instance.DiskTemplate.ShouldBe("drbd");
        instance.SecondaryNodes.ShouldBe([nodes[1]]);
        modify.OpResult[0].EnumerateArray().Select(c => c[0].GetString()).ShouldBe(["disk/1", "nic.1", "hv/boot_order"]);
    }

    [Fact]
    public async Task ReinstallInstanceAsync_OsFailsWithStart_StartupOpcodeFailsAsPreceding()
    {
        await using var server = await FakeRapiServer.StartAsync(new FakeClusterOptions());
        using var client = FakeClients.Rapi(server);
        await Run(client, client.CreateInstanceAsync(new CreateInstanceRequest
        {
            Name = "vm1", DiskTemplate = "file", Hypervisor = "fake", OsType = "sandbox+default", PrimaryNode = server.Cluster.NodeNames[0],
            Disks = [new DiskDefinition { Size = 1024 }], Nics = [new NicDefinition()],
        }));

        var job = await client.WaitForJobCompletionAsync(await client.ReinstallInstanceAsync(
            "vm1", new ReinstallInstanceRequest { Os = "sandbox+minimal", OsParams = new Dictionary<string, object?> { ["fail"] = "true" } }));

        job.Status.ShouldBe(JobStatus.Error);
        job.OpStatus.ShouldBe([JobStatus.Success, JobStatus.Error, JobStatus.Error]);
        job.OpResult[2].GetRawText().ShouldBe("""["OpExecError", ["Preceding opcode failed"]]""");
        var failure = job.GetFailure()!;
        failure.OpIndex.ShouldBe(1);
        failure.Message.ShouldStartWith("Could not install OS for instance 'vm1'");
        failure.IsPartial.ShouldBeTrue();
    }

    [Fact]
    public async Task WaitForJobChangeAsync_NothingChanges_AnswersPreviousInfoAfterTheTimeout()
    {
        await using var server = await FakeRapiServer.StartAsync(new FakeClusterOptions { HoldJobs = true, JobWaitTimeout = TimeSpan.FromMilliseconds(400) });
        using var client = FakeClients.Rapi(server);
        var id = await client.RedistributeConfigAsync();
        var queued = JsonDocument.Parse("\"queued\"").RootElement;
        var started = TimeProvider.System.GetTimestamp();

        var change = await client.WaitForJobChangeAsync(id, ["status"], [queued], null);

        TimeProvider.System.GetElapsedTime(started).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(350));
        change!.JobInfo.Single().GetString().ShouldBe("queued");
        change.LogEntries.ShouldBeEmpty();

        var waiting = client.WaitForJobChangeAsync(id, ["status"], [queued], null);
        server.Cluster.Jobs.Release();
        (await waiting)!.JobInfo.Single().GetString().ShouldNotBe("queued");
    }

    [Fact]
    public async Task Jobs_SameInstance_SecondWaitsForTheFirst()
    {
        // Steps long enough that a loaded machine's polling still sees the second job wait; its status is read
        // once per poll (reading both jobs in turn raced with the first one's end).
        await using var server = await FakeRapiServer.StartAsync(new FakeClusterOptions { Instances = 3, JobStepDelay = TimeSpan.FromMilliseconds(400) });
        using var client = FakeClients.Rapi(server);
        var name = server.Cluster.InstanceNames.First(n => server.Cluster.GetInstance(n).Status == "running");

        var first = await client.RebootInstanceAsync(name);
        var second = await client.RebootInstanceAsync(name);
        var sawWaiting = false;
        JobInfo job;
        while (!(job = await client.GetJobAsync(second)).IsFinalized)
        {
            sawWaiting |= job.Status == JobStatus.Waiting;
            await Task.Delay(20);
        }

        sawWaiting.ShouldBeTrue();
        var times = (await client.QueryAsync("job", ["id", "opexec", "opend"], QueryFilter.Or(QueryFilter.Equal("id", first.Value), QueryFilter.Equal("id", second.Value)))).Rows;
        static long Micro(JsonElement stamps) => (stamps[0][0].GetInt64() * 1_000_000) + stamps[0][1].GetInt64();
        Micro(times[1]["opexec"].Value).ShouldBeGreaterThanOrEqualTo(Micro(times[0]["opend"].Value)); // ran only once the first had finished
    }

    private static CreateInstanceRequest Drbd(string name, string primary, string? secondary) => new()
    {
        Name = name, DiskTemplate = "drbd", Hypervisor = "kvm", OsType = "debootstrap+default", PrimaryNode = primary, SecondaryNode = secondary,
        Disks = [new DiskDefinition { Size = 10240 }], Nics = [new NicDefinition()], BeParams = new Dictionary<string, object?> { ["memory"] = 1024 },
    };

    private static CreateInstanceRequest Shared(string name, string primary) => new()
    {
        Name = name, DiskTemplate = "sharedfile", Hypervisor = "fake", OsType = "sandbox+default", PrimaryNode = primary,
        Disks = [new DiskDefinition { Size = 1024 }], Nics = [new NicDefinition()],
    };

    private static async Task<JobInfo> Run(GanetiRapiClient client, Task<JobId> submit)
    {
        var job = await client.WaitForJobCompletionAsync(await submit);
        job.Status.ShouldBe(JobStatus.Success, job.GetFailure()?.ToUserMessage());
        return job;
    }
}
