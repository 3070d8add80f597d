using GanetiWebManager.Rapi.Exceptions;
using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Rapi.Requests;
using Xunit.Abstractions;

namespace GanetiWebManager.Rapi.Tests.Contract;

/// <summary>
/// Moving instances between the two nodes and working on their disks, with a <c>sharedfile</c> instance (movable
/// without DRBD); what the sync relies on: migrate changes the primary node without touching serial_no and mtime.
/// </summary>
public abstract class RapiInstanceOperationsContractTests(IRapiContractTarget target, ITestOutputHelper output)
    : RapiContractTestBase(target, output)
{
    [Fact]
    public async Task MigrateAndFailover_SharedFileInstance_PrimaryMovesSerialOnlyOnFailover()
    {
        var name = NewInstanceName();
        await RunJobAsync(Client.CreateInstanceAsync(SharedFileInstance(name)), "create sharedfile");
        var before = await Client.GetInstanceAsync(name);
        before.PrimaryNode.ShouldBe(Target.Nodes[0]);

        var migrated = await RunJobAsync(
            Client.MigrateInstanceAsync(name, new MigrateInstanceRequest { Mode = MigrationMode.Live, TargetNode = Target.Nodes[1], Reason = "ct migrate" }), "migrate");

        var after = await Client.GetInstanceAsync(name);
        after.PrimaryNode.ShouldBe(Target.Nodes[1]);
        after.Status.ShouldBe("running");
        after.SerialNo.ShouldBe(before.SerialNo); // the sync must poll pnode: migrate bumps nothing
        after.MTime.ShouldBe(before.MTime);
        migrated.Summary.ShouldBe([$"INSTANCE_MIGRATE({name})"]);
        var op = migrated.Ops[0];
        op["mode"].GetString().ShouldBe("live");
        op["target_node"].GetString().ShouldBe(Target.Nodes[1]);
        op["instance_uuid"].GetString().ShouldBe(before.Uuid);
        migrated.LogEntries.Select(e => e.Message).ShouldContain($"Migrating instance {name}");
        migrated.LogEntries.Select(e => e.Message).ShouldContain("* done");
        var query = (await Client.QueryAsync("instance", ["pnode", "serial_no"], QueryFilter.Equal("name", name))).Rows.ShouldHaveSingleItem();
        query["pnode"].AsString().ShouldBe(Target.Nodes[1]);

        await RunJobAsync(Client.FailoverInstanceAsync(name, new FailoverInstanceRequest { TargetNode = Target.Nodes[0] }), "failover");

        var back = await Client.GetInstanceAsync(name);
        back.PrimaryNode.ShouldBe(Target.Nodes[0]);
        back.Status.ShouldBe("running");
        // A failover of a running instance deactivates and reactivates its disks: those are configuration changes.
        back.SerialNo!.Value.ShouldBeGreaterThan(after.SerialNo!.Value);
    }

    [Fact]
    public async Task MigrateInstanceAsync_Stopped_FailsWrongStateAndSuggestsFailover()
    {
        var name = NewInstanceName();
        await RunJobAsync(Client.CreateInstanceAsync(SharedFileInstance(name) with { Start = false }), "create stopped");

        var job = await RunJobExpectingFailureAsync(Client.MigrateInstanceAsync(name, new MigrateInstanceRequest { TargetNode = Target.Nodes[1] }));

        var failure = job.GetFailure()!;
        failure.ErrorCode.ShouldBe("wrong_state");
        failure.Message.ShouldBe($"Can't migrate, please use failover: Instance {name} is not running");

        var serial = (await Client.GetInstanceAsync(name)).SerialNo;
        await RunJobAsync(Client.FailoverInstanceAsync(name, new FailoverInstanceRequest { TargetNode = Target.Nodes[1] }), "failover stopped");
        var moved = await Client.GetInstanceAsync(name);
        moved.PrimaryNode.ShouldBe(Target.Nodes[1]);
        moved.Status.ShouldBe("ADMIN_down");
        moved.SerialNo.ShouldBe(serial);
    }

    [Fact]
    public async Task MigrateAndFailover_FileInstance_FailWrongState()
    {
        var name = NewInstanceName();
        await RunJobAsync(Client.CreateInstanceAsync(FakeFileInstance(name, Target.SmallDiskSize)), "create file");

        var migrate = (await RunJobExpectingFailureAsync(Client.MigrateInstanceAsync(name))).GetFailure()!;
        var failover = (await RunJobExpectingFailureAsync(Client.FailoverInstanceAsync(name))).GetFailure()!;

        migrate.Kind.ShouldBe(JobFailureKind.PrerequisiteFailed);
        migrate.ErrorCode.ShouldBe("wrong_state");
        migrate.Message.ShouldBe("Instance's disk layout 'file' does not allow migrations");
        failover.Message.ShouldBe("Instance's disk layout 'file' does not allow failovers");
    }

    [Fact]
    public async Task Disks_GrowActivateDeactivate_ChangeSizeAndState()
    {
        var name = NewInstanceName();
        await RunJobAsync(Client.CreateInstanceAsync(SharedFileInstance(name)), "create sharedfile");
        var serial = (await Client.GetInstanceAsync(name)).SerialNo!.Value;

        var grown = await RunJobAsync(Client.GrowInstanceDiskAsync(name, 0, new GrowDiskRequest { Amount = 1024 }), "grow");

        grown.LogEntries.Select(e => e.Message).ShouldContain($"Growing disk 0 of instance '{name}' by 1.0G to 2.0G");
        var instance = await Client.GetInstanceAsync(name);
        instance.DiskSizes.ShouldBe([2048L]);
        instance.SerialNo!.Value.ShouldBeGreaterThan(serial);

        var badIndex = (await RunJobExpectingFailureAsync(Client.GrowInstanceDiskAsync(name, 3, new GrowDiskRequest { Amount = 1024 }))).GetFailure()!;
        badIndex.ErrorCode.ShouldBe("wrong_input");
        badIndex.Message.ShouldStartWith("Invalid disk index: 3");

        var activated = await RunJobAsync(Client.ActivateInstanceDisksAsync(name), "activate disks");
        var device = activated.OpResult[0][0];
        device[0].GetString().ShouldBe(Target.Nodes[0]);
        device[1].GetString().ShouldBe("disk/0");
        device[2].GetString().ShouldNotBeNullOrEmpty();

        var refused = (await RunJobExpectingFailureAsync(Client.DeactivateInstanceDisksAsync(name))).GetFailure()!;
        refused.ErrorCode.ShouldBe("wrong_state");
        refused.Message.ShouldBe($"Instance '{name}' is marked to be up, cannot shutdown disks");
        await RunJobAsync(Client.DeactivateInstanceDisksAsync(name, new DeactivateDisksOptions { Force = true }), "deactivate disks --force");

        // Not DRBD: Ganeti finds no secondary to replace disks with.
        var replace = (await RunJobExpectingFailureAsync(Client.ReplaceInstanceDisksAsync(name, new ReplaceDisksRequest { Mode = ReplaceDisksMode.ReplaceAuto }))).GetFailure()!;
        replace.ErrorCode.ShouldBe("internal_error");
        replace.Message.ShouldBe("The instance has a strange layout, expected one secondary but found 0");
    }

    [Fact]
    public async Task ModifyInstanceAsync_SameValueTwice_ReportsChangeAndBumpsSerialEachTime()
    {
        var name = await CreateRunningDisklessAsync();
        var serial = (await Client.GetInstanceAsync(name)).SerialNo!.Value;

        var first = await RunJobAsync(Client.ModifyInstanceAsync(name, new ModifyInstanceRequest { BeParams = new Dictionary<string, object?> { ["vcpus"] = 2 } }), "modify");
        var second = await RunJobAsync(Client.ModifyInstanceAsync(name, new ModifyInstanceRequest { BeParams = new Dictionary<string, object?> { ["vcpus"] = 2 } }), "modify again");

        first.OpResult[0][0][0].GetString().ShouldBe("be/vcpus");
        first.OpResult[0][0][1].GetInt64().ShouldBe(2);
        second.OpResult[0][0][0].GetString().ShouldBe("be/vcpus");
        (await Client.GetInstanceAsync(name)).SerialNo.ShouldBe(serial + 2);
    }

    [Fact]
    public async Task RenameInstanceAsync_Running_FailsWrongState()
    {
        var name = await CreateRunningDisklessAsync();

        var failure = (await RunJobExpectingFailureAsync(Client.RenameInstanceAsync(name, new RenameInstanceRequest { NewName = NewInstanceName() }))).GetFailure()!;

        failure.ErrorCode.ShouldBe("wrong_state");
        failure.Message.ShouldBe($"Instance '{name}' is marked to be up, cannot rename");
    }

    [Fact]
    public async Task CreateInstanceAsync_DuplicateName_FailsAlreadyExists()
    {
        var name = await CreateRunningDisklessAsync();

        var failure = (await RunJobExpectingFailureAsync(Client.CreateInstanceAsync(new CreateInstanceRequest
        {
            Name = name,
            DiskTemplate = "diskless",
            Hypervisor = "fake",
            OsType = Target.SandboxOs,
            PrimaryNode = Target.Nodes[0],
            Nics = [new NicDefinition()],
        }))).GetFailure()!;

        failure.Kind.ShouldBe(JobFailureKind.PrerequisiteFailed);
        failure.ErrorCode.ShouldBe("already_exists");
        failure.Message.ShouldBe($"Instance '{name}' is already in the cluster");
    }

    [Fact]
    public async Task CreateInstanceAsync_UnknownPrimaryNode_FailsUnknownEntity()
    {
        var name = NewInstanceName();

        var failure = (await RunJobExpectingFailureAsync(Client.CreateInstanceAsync(FakeFileInstance(name, Target.SmallDiskSize) with { PrimaryNode = "ct-no-such-node" }))).GetFailure()!;

        failure.ErrorCode.ShouldBe("unknown_entity");
        failure.Message.ShouldBe("Node 'ct-no-such-node' not known");
        ForgetInstance(name);
    }

    [Fact]
    public async Task CreateInstanceAsync_WithoutPrimaryNode_IAllocatorPicksOne()
    {
        var name = NewInstanceName();

        var job = await RunJobAsync(
            Client.CreateInstanceAsync(new CreateInstanceRequest
            {
                Name = name,
                DiskTemplate = "diskless",
                Hypervisor = "fake",
                OsType = Target.SandboxOs,
                Nics = [new NicDefinition()],
            }),
            "create via iallocator");

        var node = job.OpResult[0][0].GetString();
        Target.Nodes.ShouldContain(node!);
        job.Ops[0]["iallocator"].GetString().ShouldBe("hail");
        job.LogEntries.First().Message.ShouldBe($" - INFO: Selected nodes for instance {name} via iallocator hail: {node}");
        (await Client.GetInstanceAsync(name)).PrimaryNode.ShouldBe(node);
    }

    [Fact]
    public async Task GetInstanceConsoleAsync_StoppedFakeInstance_ConsoleUnavailable()
    {
        var name = await CreateRunningDisklessAsync();
        await RunJobAsync(Client.ShutdownInstanceAsync(name, new ShutdownInstanceOptions { Timeout = 0 }), "shutdown");

        var ex = await Should.ThrowAsync<RapiConsoleUnavailableException>(() => Client.GetInstanceConsoleAsync(name));

        ex.StatusCode.ShouldBe(503);
        ex.ServerMessage.ShouldBe("Instance console unavailable");
    }

    private CreateInstanceRequest SharedFileInstance(string name) => FakeFileInstance(name, Target.SmallDiskSize) with { DiskTemplate = "sharedfile" };
}
