using GanetiWebManager.Rapi.Exceptions;
using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Rapi.Requests;
using Xunit.Abstractions;

namespace GanetiWebManager.Rapi.Tests.Contract;

/// <summary>A diskless instance on the fake hypervisor: create followed by long-poll, console, delete.</summary>
public abstract class RapiFakeInstanceContractTests(IRapiContractTarget target, ITestOutputHelper output)
    : RapiContractTestBase(target, output)
{
    [Fact]
    public async Task CreateInstanceAsync_FakeDiskless_LongPollFollowsJobToSuccess()
    {
        var name = NewInstanceName();
        var marker = $"gwm-ct:{Guid.NewGuid():N}";

        var id = await Client.CreateInstanceAsync(new CreateInstanceRequest
        {
            Name = name,
            DiskTemplate = "diskless",
            Hypervisor = "fake",
            OsType = Target.SandboxOs,
            PrimaryNode = Target.Nodes[0],
            Nics = [new NicDefinition()],
            BeParams = new Dictionary<string, object?> { ["memory"] = 128, ["vcpus"] = 1 },
            Tags = ["ct:created"],
            Reason = marker,
        });

        // One raw long-poll round first: the answer's shape.
        var change = await Client.WaitForJobChangeAsync(id, ["status", "id"], null, null);
        change.ShouldNotBeNull();
        change.JobInfo.Count.ShouldBe(2);

        var log = new LogCollector();
        var job = await Client.WaitForJobCompletionAsync(id, log);

        job.Status.ShouldBe(JobStatus.Success, job.GetFailure()?.ToUserMessage());
        job.Summary.ShouldBe([$"INSTANCE_CREATE({name})"]);
        job.Ops[0]["reason"][0][1].GetString().ShouldBe(marker);
        job.OpResult[0][0].GetString().ShouldBe(Target.Nodes[0]);
        job.EndedAt.ShouldNotBeNull();
        log.Entries.ShouldNotBeEmpty();
        log.Entries.Select(e => e.Serial).ShouldBeInOrder();

        var instance = await Client.GetInstanceAsync(name);
        instance.Status.ShouldBe("running");
        instance.AdminState.ShouldBe("up");
        instance.DiskTemplate.ShouldBe("diskless");
        instance.PrimaryNode.ShouldBe(Target.Nodes[0]);
        instance.Tags.ShouldBe(["ct:created"]);
        instance.OperState.ShouldBe(true);
        (await Client.GetInstanceNamesAsync()).ShouldContain(name);

        var console = await Client.GetInstanceConsoleAsync(name);
        console.Kind.ShouldBe(ConsoleKind.Message);
        console.Message.ShouldNotBeNullOrEmpty();

        await RunJobAsync(Client.DeleteInstanceAsync(name, new DeleteInstanceOptions { Reason = marker }), "delete");
        ForgetInstance(name);
        await Should.ThrowAsync<RapiNotFoundException>(() => Client.GetInstanceAsync(name));
    }

    [Fact]
    public async Task CreateInstanceAsync_DryRun_ChecksWithoutCreating()
    {
        var name = NewInstanceName();

        await RunJobAsync(
            Client.CreateInstanceAsync(new CreateInstanceRequest
            {
                Name = name,
                DiskTemplate = "diskless",
                Hypervisor = "fake",
                OsType = Target.SandboxOs,
                PrimaryNode = Target.Nodes[0],
                Nics = [new NicDefinition()],
                DryRun = true,
            }),
            "create --dry-run");

        await Should.ThrowAsync<RapiNotFoundException>(() => Client.GetInstanceAsync(name));
        ForgetInstance(name);
    }
}

/// <summary>A diskless kvm instance: Ganeti 3.0.2's console 500 and the data to fall back on.</summary>
public abstract class RapiKvmInstanceContractTests(IRapiContractTarget target, ITestOutputHelper output)
    : RapiContractTestBase(target, output)
{
    [Fact]
    public async Task GetInstanceConsoleAsync_KvmVnc_SurfacesTypedErrorOrVncAndFallbackDataExists()
    {
        if (!Target.KvmAvailable)
        {
            Output.WriteLine("kvm is not available on this target");
            return;
        }

        var name = NewInstanceName();
        await RunJobAsync(
            Client.CreateInstanceAsync(new CreateInstanceRequest
            {
                Name = name,
                DiskTemplate = "diskless",
                Hypervisor = "kvm",
                OsType = Target.SandboxOs,
                PrimaryNode = Target.Nodes[0],
                Nics = [new NicDefinition()],
                BeParams = new Dictionary<string, object?> { ["memory"] = 128, ["vcpus"] = 1 },
                HvParams = Target.KvmFastHvParams,
            }),
            "create kvm");

        var instance = await Client.GetInstanceAsync(name);
        instance.Status.ShouldBe("running");
        instance.NetworkPort.ShouldNotBeNull();
        instance.HvParams.GetString("vnc_bind_address").ShouldNotBeNullOrEmpty();

        if (Target.KvmConsoleReturns500)
        {
            var ex = await Should.ThrowAsync<RapiInternalServerErrorException>(() => Client.GetInstanceConsoleAsync(name));
            Output.WriteLine($"console: {ex.Message}");
        }
        else
        {
            var console = await Client.GetInstanceConsoleAsync(name);
            console.Kind.ShouldBe(ConsoleKind.Vnc);
            console.Port.ShouldBe(instance.NetworkPort);
        }

        await RunJobAsync(Client.ShutdownInstanceAsync(name, new ShutdownInstanceOptions { Timeout = 0 }), "shutdown kvm");
        (await Client.GetInstanceAsync(name)).Status.ShouldBe("ADMIN_down");
        await Should.ThrowAsync<RapiConsoleUnavailableException>(() => Client.GetInstanceConsoleAsync(name));

        await RunJobAsync(Client.DeleteInstanceAsync(name, new DeleteInstanceOptions { ShutdownTimeout = 0 }), "delete kvm");
        ForgetInstance(name);
    }
}

/// <summary>A <c>file</c> instance with the sandbox OS through its whole life.</summary>
public abstract class RapiInstanceLifecycleContractTests(IRapiContractTarget target, ITestOutputHelper output)
    : RapiContractTestBase(target, output)
{
    [Fact]
    public async Task Lifecycle_FileInstance_EveryOperationSucceedsAndShowsInState()
    {
        var name = NewInstanceName();
        var created = await RunJobAsync(
            Client.CreateInstanceAsync(FakeFileInstance(name, Target.SmallDiskSize) with
            {
                BeParams = new Dictionary<string, object?> { ["memory"] = 128, ["vcpus"] = 1 },
            }),
            "create file");
        created.LogEntries.ShouldContain(e => e.Message.Contains("OS create", StringComparison.OrdinalIgnoreCase));
        var instance = await Client.GetInstanceAsync(name);
        instance.Status.ShouldBe("running");
        instance.DiskSizes.ShouldBe([(long)Target.SmallDiskSize]);
        var serial = instance.SerialNo!.Value;

        await RunJobAsync(Client.ShutdownInstanceAsync(name, new ShutdownInstanceOptions { Timeout = 0 }), "shutdown");
        instance = await Client.GetInstanceAsync(name);
        instance.Status.ShouldBe("ADMIN_down");
        instance.AdminState.ShouldBe("down");
        instance.SerialNo!.Value.ShouldBeGreaterThan(serial);

        await RunJobAsync(Client.StartupInstanceAsync(name), "startup");
        (await Client.GetInstanceAsync(name)).Status.ShouldBe("running");

        await RunJobAsync(Client.RebootInstanceAsync(name, new RebootInstanceOptions { Type = RebootType.Soft, Reason = "ct soft reboot" }), "reboot soft");
        (await Client.GetInstanceAsync(name)).Status.ShouldBe("running");

        await RunJobAsync(Client.RebootInstanceAsync(name, new RebootInstanceOptions { Type = RebootType.Hard, ShutdownTimeout = 0 }), "reboot hard");
        (await Client.GetInstanceAsync(name)).Status.ShouldBe("running");

        await RunJobAsync(
            Client.ModifyInstanceAsync(name, new ModifyInstanceRequest { BeParams = new Dictionary<string, object?> { ["maxmem"] = 256, ["minmem"] = 256, ["vcpus"] = 2 } }),
            "modify");
        instance = await Client.GetInstanceAsync(name);
        instance.BeParams.GetInt64("maxmem").ShouldBe(256);
        instance.CustomBeParams.GetInt64("vcpus").ShouldBe(2);

        await RunJobAsync(Client.AddInstanceTagsAsync(name, ["ct:a", "gwm:owner:user:ct"]), "add tags");
        (await Client.GetInstanceTagsAsync(name)).ShouldBe(["ct:a", "gwm:owner:user:ct"], ignoreOrder: true);
        await RunJobAsync(Client.RemoveInstanceTagsAsync(name, ["ct:a"]), "remove tags");
        (await Client.GetInstanceTagsAsync(name)).ShouldBe(["gwm:owner:user:ct"]);

        await RunJobAsync(Client.ShutdownInstanceAsync(name, new ShutdownInstanceOptions { Timeout = 0 }), "shutdown for rename");
        var newName = NewInstanceName();
        var renamed = await RunJobAsync(Client.RenameInstanceAsync(name, new RenameInstanceRequest { NewName = newName }), "rename");
        ForgetInstance(name);
        renamed.OpResult[0].GetString().ShouldBe(newName);
        await Should.ThrowAsync<RapiNotFoundException>(() => Client.GetInstanceAsync(name));
        (await Client.GetInstanceAsync(newName)).Tags.ShouldBe(["gwm:owner:user:ct"]);

        var reinstall = await RunJobAsync(
            Client.ReinstallInstanceAsync(newName, new ReinstallInstanceRequest { Os = Target.AlternativeOs, Start = true }),
            "reinstall");
        reinstall.Ops.Count.ShouldBe(3);
        instance = await Client.GetInstanceAsync(newName);
        instance.Os.ShouldBe(Target.AlternativeOs);
        instance.Status.ShouldBe("running");

        await RunJobAsync(Client.DeleteInstanceAsync(newName, new DeleteInstanceOptions { ShutdownTimeout = 0 }), "delete");
        ForgetInstance(newName);
        await Should.ThrowAsync<RapiNotFoundException>(() => Client.GetInstanceAsync(newName));
    }
}

/// <summary>An OS create script that fails: the job's failure decodes to a readable sentence.</summary>
public abstract class RapiFailingJobContractTests(IRapiContractTarget target, ITestOutputHelper output)
    : RapiContractTestBase(target, output)
{
    [Fact]
    public async Task CreateInstanceAsync_OsCreateFails_DecodedAsExecutionFailure()
    {
        var name = NewInstanceName();

        var job = await RunJobExpectingFailureAsync(Client.CreateInstanceAsync(FakeFileInstance(name, Target.SmallDiskSize) with
        {
            OsParams = Target.FailingOsParams,
        }));

        var failure = job.GetFailure()!;
        Output.WriteLine(failure.ToUserMessage());
        failure.Kind.ShouldBe(JobFailureKind.ExecutionFailed);
        failure.ErrorClass.ShouldBe("OpExecError");
        failure.ToUserMessage().ShouldStartWith($"The operation failed while running: Could not add os for instance {name}");

        // Like a real cluster, Ganeti leaves the instance behind, stopped.
        (await Client.GetInstanceAsync(name)).Status.ShouldBe("ADMIN_down");
        await RunJobAsync(Client.DeleteInstanceAsync(name), "delete leftover");
        ForgetInstance(name);
    }

    [Fact]
    public async Task CreateInstanceAsync_PolicyViolation_DecodedAsPrerequisiteFailure()
    {
        var name = NewInstanceName();

        var job = await RunJobExpectingFailureAsync(Client.CreateInstanceAsync(FakeFileInstance(name, diskSizeMiB: 1)));

        var failure = job.GetFailure()!;
        Output.WriteLine(failure.ToUserMessage());
        failure.Kind.ShouldBe(JobFailureKind.PrerequisiteFailed);
        failure.ErrorCode.ShouldBe("wrong_input");
        failure.Message.ShouldContain("disk-size");
        failure.ToUserMessage().ShouldStartWith("Ganeti refused the request: ");
        ForgetInstance(name);
    }

    [Fact]
    public async Task StartupInstanceAsync_UnknownInstance_FailsInJobOr404()
    {
        try
        {
            var job = await RunJobExpectingFailureAsync(Client.StartupInstanceAsync("ct-not-there"));
            job.GetFailure()!.Kind.ShouldBe(JobFailureKind.PrerequisiteFailed);
        }
        catch (RapiNotFoundException)
        {
            // Some versions check the name before submitting.
        }
    }
}
