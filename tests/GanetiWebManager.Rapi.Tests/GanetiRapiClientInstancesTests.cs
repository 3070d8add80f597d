using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Rapi.Requests;
using GanetiWebManager.Rapi.Tests.TestSupport;

namespace GanetiWebManager.Rapi.Tests;

public sealed class GanetiRapiClientInstancesTests
{
    private readonly RecordingHandler _handler = new();

    private async Task<RecordedRequest> SubmitAsync(Func<GanetiRapiClient, Task<JobId>> call, long jobId = 1234)
    {
        _handler.RespondJson(jobId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var client = TestClient.Create(_handler);
        var id = await call(client);
        id.ShouldBe(new JobId(jobId));
        return _handler.Last;
    }

    private static void ShouldHaveJsonBody(RecordedRequest request, string expectedJson)
    {
        request.ContentType.ShouldBe("application/json");
        request.ContentLength.ShouldBe(request.Body!.Length);
        TestClient.Canonical(request.BodyText!).ShouldBe(TestClient.Canonical(expectedJson));
    }

    [Fact]
    public async Task CreateInstanceAsync_MinimalDryRun_SendsVersion1BodyWithoutUnsetKeys()
    {
        var request = await SubmitAsync(c => c.CreateInstanceAsync(
            new CreateInstanceRequest { Name = "inst1.example.com", DiskTemplate = "plain", DryRun = true }), 23030);

        request.Method.ShouldBe(HttpMethod.Post);
        request.PathAndQuery.ShouldBe("/2/instances?dry-run=1");
        ShouldHaveJsonBody(request, """
            {"__version__":1,"mode":"create","name":"inst1.example.com","disk_template":"plain","disks":[],"nics":[],
             "name_check":false,"ip_check":false}
            """);
    }

    [Fact]
    public async Task CreateInstanceAsync_FullRequest_SendsEveryGivenParameterAndReason()
    {
        var request = await SubmitAsync(c => c.CreateInstanceAsync(new CreateInstanceRequest
        {
            Mode = "import",
            Name = "inst2.example.com",
            DiskTemplate = "drbd",
            Disks = [new DiskDefinition { Size = 100 }],
            Nics = [new NicDefinition(), new NicDefinition { Link = "br1", Mode = "bridged" }],
            Start = true,
            PrimaryNode = "node1",
            SecondaryNode = "node9",
            OsType = "debootstrap+default",
            Hypervisor = "kvm",
            BeParams = new Dictionary<string, object?> { ["memory"] = 512, ["vcpus"] = 2 },
            HvParams = new Dictionary<string, object?> { ["acpi"] = false, ["kernel_path"] = "" },
            OsParams = new Dictionary<string, object?> { ["fail"] = "true" },
            Tags = ["gwm:owner:user:alice"],
            NameCheck = true,
            IpCheck = true,
            ConflictsCheck = false,
            WaitForSync = false,
            NoInstall = false,
            Reason = "gwm:intent:42",
        }), 24740);

        request.PathAndQuery.ShouldBe("/2/instances?reason=gwm%3Aintent%3A42");
        ShouldHaveJsonBody(request, """
            {"__version__":1,"mode":"import","name":"inst2.example.com","disk_template":"drbd",
             "disks":[{"size":100}],"nics":[{},{"mode":"bridged","link":"br1"}],
             "os_type":"debootstrap+default","hypervisor":"kvm","pnode":"node1","snode":"node9",
             "beparams":{"memory":512,"vcpus":2},"hvparams":{"acpi":false,"kernel_path":""},"osparams":{"fail":"true"},
             "start":true,"no_install":false,"name_check":true,"ip_check":true,"conflicts_check":false,
             "wait_for_sync":false,"tags":["gwm:owner:user:alice"]}
            """);
    }

    [Fact]
    public async Task CreateInstanceAsync_AdditionalParameters_AreMergedIntoBody()
    {
        var request = await SubmitAsync(c => c.CreateInstanceAsync(new CreateInstanceRequest
        {
            Name = "i1",
            DiskTemplate = "diskless",
            AdditionalParameters = new Dictionary<string, object> { ["priority"] = -5 },
        }));

        TestClient.Canonical(request.BodyText!).ShouldContain("\"priority\":-5");
    }

    [Theory]
    [InlineData("bad name")]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData("")]
    [InlineData("x%2F")]
    public async Task CreateInstanceAsync_InvalidName_ThrowsBeforeSending(string name)
    {
        using var client = TestClient.Create(_handler);
        await Should.ThrowAsync<ArgumentException>(() => client.CreateInstanceAsync(new CreateInstanceRequest { Name = name, DiskTemplate = "diskless" }));
        _handler.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task GetInstanceAsync_FqdnName_IsSentUnencoded()
    {
        _handler.RespondJson(Fixture.Read("instance-kvm.json"));
        using var client = TestClient.Create(_handler);

        var instance = await client.GetInstanceAsync("web1.example.com");

        _handler.Last.Uri.AbsolutePath.ShouldBe("/2/instances/web1.example.com");
        _handler.Last.Method.ShouldBe(HttpMethod.Get);
        _handler.Last.Body.ShouldBeNull();
        instance.Name.ShouldBe("instance2");
    }

    [Fact]
    public async Task DeleteInstanceAsync_DryRun_SendsDeleteWithDryRunAndTimeout()
    {
        var request = await SubmitAsync(c => c.DeleteInstanceAsync("inst30965", new DeleteInstanceOptions { DryRun = true, ShutdownTimeout = 30 }));

        request.Method.ShouldBe(HttpMethod.Delete);
        request.PathAndQuery.ShouldBe("/2/instances/inst30965?dry-run=1");
        ShouldHaveJsonBody(request, """{"shutdown_timeout":30}""");
    }

    [Fact]
    public async Task RebootInstanceAsync_TypeAndReason_AreQueryArguments()
    {
        var request = await SubmitAsync(c => c.RebootInstanceAsync("inst847", new RebootInstanceOptions
        {
            Type = RebootType.Soft,
            IgnoreSecondaries = true,
            DryRun = true,
            Reason = "System update",
            ShutdownTimeout = 0,
        }));

        request.Method.ShouldBe(HttpMethod.Post);
        request.PathAndQuery.ShouldBe("/2/instances/inst847/reboot?type=soft&ignore_secondaries=1&dry-run=1&reason=System%20update");
        ShouldHaveJsonBody(request, """{"shutdown_timeout":0}""");
    }

    [Fact]
    public async Task RebootInstanceAsync_NoOptions_SendsHardAndEmptyBody()
    {
        var request = await SubmitAsync(c => c.RebootInstanceAsync("i1"));

        request.PathAndQuery.ShouldBe("/2/instances/i1/reboot?type=hard");
        ShouldHaveJsonBody(request, "{}");
    }

    [Fact]
    public async Task StartupInstanceAsync_ForceAndNoRemember_AreFlagsWithoutBody()
    {
        var request = await SubmitAsync(c => c.StartupInstanceAsync("inst31083", new StartupInstanceOptions { Force = true, NoRemember = true }));

        request.Method.ShouldBe(HttpMethod.Put);
        request.PathAndQuery.ShouldBe("/2/instances/inst31083/startup?force=1&no_remember=1");
        request.Body.ShouldBeNull();
    }

    [Fact]
    public async Task ShutdownInstanceAsync_TimeoutAndNoRemember_SplitBetweenBodyAndQuery()
    {
        var request = await SubmitAsync(c => c.ShutdownInstanceAsync("inst26791", new ShutdownInstanceOptions
        {
            Timeout = 0,
            NoRemember = true,
            AdminStateSource = AdminStateSource.User,
            Reason = "r1",
        }));

        request.Method.ShouldBe(HttpMethod.Put);
        request.PathAndQuery.ShouldBe("/2/instances/inst26791/shutdown?no_remember=1&reason=r1");
        ShouldHaveJsonBody(request, """{"timeout":0,"admin_state_source":"user"}""");
    }

    [Fact]
    public async Task ReinstallInstanceAsync_Body_HasNoQueryArguments()
    {
        var request = await SubmitAsync(c => c.ReinstallInstanceAsync("moo-instance", new ReinstallInstanceRequest
        {
            Os = "Debian",
            Start = false,
            OsParams = new Dictionary<string, object?> { ["fail"] = "false" },
        }), 25689);

        request.Method.ShouldBe(HttpMethod.Post);
        request.PathAndQuery.ShouldBe("/2/instances/moo-instance/reinstall");
        ShouldHaveJsonBody(request, """{"os":"Debian","start":false,"osparams":{"fail":"false"}}""");
    }

    [Fact]
    public async Task ReinstallInstanceAsync_Defaults_KeepOsAndStart()
    {
        var request = await SubmitAsync(c => c.ReinstallInstanceAsync("i1"));

        request.PathAndQuery.ShouldBe("/2/instances/i1/reinstall");
        ShouldHaveJsonBody(request, """{"start":true}""");
    }

    [Fact]
    public async Task ReplaceInstanceDisksAsync_Body_CarriesModeDisksAndAllocator()
    {
        var request = await SubmitAsync(c => c.ReplaceInstanceDisksAsync("inst22568", new ReplaceDisksRequest
        {
            Mode = ReplaceDisksMode.ReplaceOnSecondary,
            Disks = [1, 2, 3],
            IAllocator = "myalloc",
        }));

        request.Method.ShouldBe(HttpMethod.Post);
        request.PathAndQuery.ShouldBe("/2/instances/inst22568/replace-disks");
        ShouldHaveJsonBody(request, """{"mode":"replace_on_secondary","disks":[1,2,3],"iallocator":"myalloc"}""");
    }

    [Fact]
    public async Task MigrateInstanceAsync_NoOptions_SendsEmptyObjectWithPut()
    {
        var request = await SubmitAsync(c => c.MigrateInstanceAsync("instYooho6ek"));

        request.Method.ShouldBe(HttpMethod.Put);
        request.PathAndQuery.ShouldBe("/2/instances/instYooho6ek/migrate");
        ShouldHaveJsonBody(request, "{}");
    }

    [Fact]
    public async Task MigrateInstanceAsync_LiveCleanupTarget_PassThrough()
    {
        var request = await SubmitAsync(c => c.MigrateInstanceAsync("i1", new MigrateInstanceRequest
        {
            Mode = MigrationMode.NonLive,
            Cleanup = true,
            TargetNode = "node2",
            AllowFailover = true,
            Reason = "maint",
        }));

        request.PathAndQuery.ShouldBe("/2/instances/i1/migrate?reason=maint");
        ShouldHaveJsonBody(request, """{"mode":"non-live","target_node":"node2","cleanup":true,"allow_failover":true}""");
    }

    [Fact]
    public async Task FailoverInstanceAsync_Body_IsPut()
    {
        var request = await SubmitAsync(c => c.FailoverInstanceAsync("i1", new FailoverInstanceRequest
        {
            TargetNode = "node1",
            IgnoreConsistency = true,
            ShutdownTimeout = 10,
        }));

        request.Method.ShouldBe(HttpMethod.Put);
        request.PathAndQuery.ShouldBe("/2/instances/i1/failover");
        ShouldHaveJsonBody(request, """{"target_node":"node1","ignore_consistency":true,"shutdown_timeout":10}""");
    }

    [Fact]
    public async Task RenameInstanceAsync_Body_AlwaysCarriesBothChecks()
    {
        var request = await SubmitAsync(c => c.RenameInstanceAsync("inst18821", new RenameInstanceRequest { NewName = "newnametha7euqu" }), 8791);

        request.Method.ShouldBe(HttpMethod.Put);
        request.PathAndQuery.ShouldBe("/2/instances/inst18821/rename");
        ShouldHaveJsonBody(request, """{"new_name":"newnametha7euqu","name_check":false,"ip_check":false}""");
    }

    [Fact]
    public async Task ModifyInstanceAsync_DeviceModificationsAndParams_MatchOpcodeShape()
    {
        var request = await SubmitAsync(c => c.ModifyInstanceAsync("instush8gah", new ModifyInstanceRequest
        {
            Nics = [DeviceModification.Modify(0, new Dictionary<string, object?> { ["ip"] = "192.0.2.1" })],
            Disks =
            [
                DeviceModification.Modify(1, new Dictionary<string, object?> { ["mode"] = "rw" }),
                DeviceModification.Create("add", -1, new Dictionary<string, object?> { ["size"] = 10240 }),
                DeviceModification.RemoveLast(),
            ],
            Force = true,
            BeParams = new Dictionary<string, object?> { ["maxmem"] = 128 },
            DiskTemplate = "plain",
        }));

        request.Method.ShouldBe(HttpMethod.Put);
        request.PathAndQuery.ShouldBe("/2/instances/instush8gah/modify");
        ShouldHaveJsonBody(request, """
            {"beparams":{"maxmem":128},"nics":[[0,{"ip":"192.0.2.1"}]],
             "disks":[[1,{"mode":"rw"}],["add",-1,{"size":10240}],["remove",{}]],
             "disk_template":"plain","force":true}
            """);
    }

    [Fact]
    public async Task ModifyInstanceAsync_RuntimeMemoryOfflineOsName_AreSent()
    {
        var request = await SubmitAsync(c => c.ModifyInstanceAsync("i1", new ModifyInstanceRequest
        {
            RuntimeMemory = 256,
            Offline = false,
            OsName = "sandbox+minimal",
            PrimaryNode = "node2",
            HvParams = new Dictionary<string, object?> { ["boot_order"] = "cdrom" },
            OsParams = new Dictionary<string, object?> { ["delay"] = "1" },
        }));

        ShouldHaveJsonBody(request, """
            {"hvparams":{"boot_order":"cdrom"},"osparams":{"delay":"1"},"os_name":"sandbox+minimal","pnode":"node2",
             "runtime_mem":256,"offline":false}
            """);
    }

    [Fact]
    public async Task GrowInstanceDiskAsync_Amount_PostsToDiskIndexPath()
    {
        var request = await SubmitAsync(c => c.GrowInstanceDiskAsync("inst10742", 3, new GrowDiskRequest { Amount = 1024 }));

        request.Method.ShouldBe(HttpMethod.Post);
        request.PathAndQuery.ShouldBe("/2/instances/inst10742/disk/3/grow");
        ShouldHaveJsonBody(request, """{"amount":1024}""");
    }

    [Fact]
    public async Task GrowInstanceDiskAsync_AbsoluteNoSync_SendsFlags()
    {
        var request = await SubmitAsync(c => c.GrowInstanceDiskAsync("i1", 0, new GrowDiskRequest { Amount = 4096, Absolute = true, WaitForSync = false }));

        ShouldHaveJsonBody(request, """{"amount":4096,"absolute":true,"wait_for_sync":false}""");
    }

    [Fact]
    public async Task ActivateAndDeactivateDisks_FlagsInQuery_NoBody()
    {
        var activate = await SubmitAsync(c => c.ActivateInstanceDisksAsync("i1", new ActivateDisksOptions { IgnoreSize = true, Reason = "x" }));
        var deactivate = await SubmitAsync(c => c.DeactivateInstanceDisksAsync("i1", new DeactivateDisksOptions { Force = true }));

        activate.Method.ShouldBe(HttpMethod.Put);
        activate.PathAndQuery.ShouldBe("/2/instances/i1/activate-disks?ignore_size=1&reason=x");
        activate.Body.ShouldBeNull();
        deactivate.PathAndQuery.ShouldBe("/2/instances/i1/deactivate-disks?force=1");
    }

    [Fact]
    public async Task AddInstanceTagsAsync_Tags_AreRepeatedQueryKeysWithoutBody()
    {
        var request = await SubmitAsync(c => c.AddInstanceTagsAsync("i1", ["a", "gwm:owner:user:bob"], new DryRunJobOptions { DryRun = true, Reason = "t" }));

        request.Method.ShouldBe(HttpMethod.Put);
        request.PathAndQuery.ShouldBe("/2/instances/i1/tags?tag=a&tag=gwm%3Aowner%3Auser%3Abob&dry-run=1&reason=t");
        request.Body.ShouldBeNull();
    }

    [Fact]
    public async Task RemoveInstanceTagsAsync_Tags_UseDelete()
    {
        var request = await SubmitAsync(c => c.RemoveInstanceTagsAsync("i1", ["a+b"]));

        request.Method.ShouldBe(HttpMethod.Delete);
        request.PathAndQuery.ShouldBe("/2/instances/i1/tags?tag=a%2Bb");
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("")]
    [InlineData("comma,tag")]
    public async Task AddInstanceTagsAsync_InvalidTag_ThrowsBeforeSending(string tag)
    {
        using var client = TestClient.Create(_handler);
        await Should.ThrowAsync<ArgumentException>(() => client.AddInstanceTagsAsync("i1", [tag]));
        _handler.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task GetInstanceConsoleAsync_Vnc_IsTyped()
    {
        _handler.RespondJson(Fixture.Read("console-vnc.json"));
        using var client = TestClient.Create(_handler);

        var console = await client.GetInstanceConsoleAsync("kvm1");

        _handler.Last.PathAndQuery.ShouldBe("/2/instances/kvm1/console");
        console.Kind.ShouldBe(ConsoleKind.Vnc);
        console.Host.ShouldBe("0.0.0.0");
        console.Port.ShouldBe(11001);
        console.Display.ShouldBe(5101);
    }

    [Fact]
    public async Task GetInstanceNamesAsync_IdList_ReturnsNames()
    {
        _handler.RespondJson("""[{"id": "a1", "uri": "/2/instances/a1"}, {"id": "b.example.com", "uri": "/2/instances/b.example.com"}]""");
        using var client = TestClient.Create(_handler);

        var names = await client.GetInstanceNamesAsync();

        _handler.Last.PathAndQuery.ShouldBe("/2/instances");
        names.ShouldBe(["a1", "b.example.com"]);
    }

    [Fact]
    public async Task GetInstancesAsync_Bulk_RequestsBulkAndParses()
    {
        _handler.RespondJson(Fixture.Read("instances-bulk.json"));
        using var client = TestClient.Create(_handler);

        var instances = await client.GetInstancesAsync();

        _handler.Last.PathAndQuery.ShouldBe("/2/instances?bulk=1");
        instances.Count.ShouldBe(2);
    }
}
