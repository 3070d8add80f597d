using System.Net;
using System.Text.Json;
using GanetiWebManager.Rapi.Exceptions;
using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Rapi.Serialization;
using GanetiWebManager.Rapi.Tests.TestSupport;

namespace GanetiWebManager.Rapi.Tests.Models;

/// <summary>Answers recorded from the sandbox's real Ganeti 3.0.2 two-node cluster (Fixtures/Real).</summary>
public sealed class RealClusterShapeTests
{
    private readonly RecordingHandler _handler = new();

    private static string Real(string name) => Fixture.Read(Path.Combine("Real", name));

    private static JobInfo Job(string name) => JsonSerializer.Deserialize(Real(name), RapiJsonContext.Default.JobInfo)!;

    private GanetiRapiClient ClientAnswering(string fixture, HttpStatusCode status = HttpStatusCode.OK)
    {
        _handler.RespondJson(Real(fixture), status);
        return TestClient.Create(_handler);
    }

    [Fact]
    public async Task GetClusterInfoAsync_Real302_Parses()
    {
        using var client = ClientAnswering("info.json");

        var info = await client.GetClusterInfoAsync();

        info.SoftwareVersion.ShouldBe("3.0.2");
        info.Name.ShouldBe("cluster.ganeti.test");
        info.Master.ShouldBe("node1.ganeti.test");
        info.EnabledHypervisors.ShouldBe(["fake", "kvm"], ignoreOrder: true);
        info.HvParams.GetNested("kvm").GetString("kvm_path").ShouldBe("/usr/bin/qemu-system-x86_64");
        info.DefaultIAllocator.ShouldBe("hail");
        info.CreatedAt.ShouldNotBeNull();
    }

    [Fact]
    public async Task GetInstancesAsync_RealBulk_MapsEveryKey()
    {
        using var client = ClientAnswering("instances-bulk.json");

        var instances = await client.GetInstancesAsync();

        instances.Select(i => i.Name).ShouldBe(["rec-fake", "rec-file", "rec-kvm", "rec-unres"]);
        // Every key of a real 3.0.2 bulk item has a property: nothing lands in the overflow dictionary.
        instances.ShouldAllBe(i => i.AdditionalProperties == null || i.AdditionalProperties.Count == 0);
        var file = instances[1];
        file.Status.ShouldBe("ADMIN_down");
        file.OperState.ShouldBe(false);
        file.OperRam.ShouldBeNull();
        file.DiskSizes.ShouldBe([1024L]);
        file.Tags.ShouldBe(["gwm:owner:user:rec"]);
        var kvm = instances[2];
        kvm.NetworkPort.ShouldBe(11000);
        kvm.HvParams.GetString("vnc_bind_address").ShouldBe("0.0.0.0");
        kvm.CustomHvParams.GetBoolean("acpi").ShouldBe(false);
        kvm.PrimaryNode.ShouldBe("node2.ganeti.test");
    }

    [Fact]
    public async Task GetInstanceAsync_RealKvm_HasConsoleFallbackData()
    {
        using var client = ClientAnswering("instance-kvm.json");

        var kvm = await client.GetInstanceAsync("rec-kvm");

        kvm.Status.ShouldBe("running");
        kvm.NetworkPort.ShouldBe(11000);
        kvm.HvParams.GetString("vnc_bind_address").ShouldBe("0.0.0.0");
    }

    [Fact]
    public async Task GetNodesAsync_RealBulk_MapsEveryKey()
    {
        using var client = ClientAnswering("nodes-bulk.json");

        var nodes = await client.GetNodesAsync();

        nodes.Select(n => n.Name).ShouldBe(["node1.ganeti.test", "node2.ganeti.test"]);
        nodes.ShouldAllBe(n => n.AdditionalProperties == null || n.AdditionalProperties.Count == 0);
        nodes[0].Role.ShouldBe(NodeRole.Master);
        nodes[1].Role.ShouldBe(NodeRole.MasterCandidate);
        nodes.ShouldAllBe(n => n.MemoryTotal > 0 && n.GroupUuid != null);
    }

    [Fact]
    public async Task GetNodeNamesAndRole_Real_Parse()
    {
        _handler.RespondJson(Real("nodes.json")).RespondJson(Real("node-role.json")).RespondJson(Real("node.json"));
        using var client = TestClient.Create(_handler);

        (await client.GetNodeNamesAsync()).ShouldBe(["node1.ganeti.test", "node2.ganeti.test"]);
        (await client.GetNodeRoleAsync("node1.ganeti.test")).ShouldBe(NodeRole.Master);
        (await client.GetNodeAsync("node1.ganeti.test")).NdParams.GetInt64("ssh_port").ShouldBe(22);
    }

    [Fact]
    public async Task Groups_Real_Parse()
    {
        _handler.RespondJson(Real("groups.json")).RespondJson(Real("groups-bulk.json"));
        using var client = TestClient.Create(_handler);

        (await client.GetGroupNamesAsync()).ShouldBe(["default"]);
        var group = (await client.GetGroupsAsync()).Single();
        group.Nodes.Count.ShouldBe(2);
        group.AdditionalProperties.ShouldBeNull();
        group.IPolicy.ContainsKey("minmax").ShouldBeTrue();
    }

    [Fact]
    public async Task Misc_RealScalarsAndLists_Parse()
    {
        _handler.RespondJson(Real("version.json")).RespondJson(Real("features.json")).RespondJson(Real("os.json"))
            .RespondJson(Real("instances.json")).RespondJson(Real("networks-bulk.json")).RespondJson(Real("jobs-bulk.json"));
        using var client = TestClient.Create(_handler);

        (await client.GetVersionAsync()).ShouldBe(2);
        (await client.GetFeaturesAsync()).Count.ShouldBe(4);
        (await client.GetOperatingSystemsAsync()).ShouldBe(["noop", "sandbox+default", "sandbox+minimal", "sandbox+slow"]);
        (await client.GetInstanceNamesAsync()).Count.ShouldBe(4);
        (await client.GetNetworksAsync()).ShouldBeEmpty();
        (await client.GetJobsAsync()).ShouldAllBe(j => j.Status != JobStatus.Unknown && j.ReceivedAt != null);
    }

    [Fact]
    public void Job_RealCreate_ParsesLogsAndResult()
    {
        var job = Job("job-create-file.json");

        job.Status.ShouldBe(JobStatus.Success);
        job.OpResult[0][0].GetString().ShouldBe("node1.ganeti.test");
        job.LogEntries.ShouldContain(e => e.Message.Contains("OS create", StringComparison.Ordinal));
        job.Ops[0].GetString("OP_ID").ShouldBe("OP_INSTANCE_CREATE");
        job.EndedAt!.Value.ShouldBeGreaterThan(job.StartedAt!.Value);
    }

    [Theory]
    [InlineData("job-evacuate.json", 1)]
    [InlineData("job-node-migrate.json", 2)]
    public void GetChildJobs_RealEvacuateAndNodeMigrate_ListSubmittedJobs(string fixture, int children)
    {
        var job = Job(fixture);

        job.Status.ShouldBe(JobStatus.Success);
        job.GetChildJobs().Count.ShouldBe(children);
        job.GetChildJobs().ShouldAllBe(c => c.Submitted && c.JobId != null && c.Error == null);
    }

    [Fact]
    public void GetFailure_RealFailedReinstall_IsPartialExecutionFailure()
    {
        var job = Job("job-reinstall-failed.json");

        var failure = job.GetFailure()!;

        failure.Kind.ShouldBe(JobFailureKind.ExecutionFailed);
        failure.OpIndex.ShouldBe(1);
        failure.IsPartial.ShouldBeTrue();
        failure.ToUserMessage().ShouldStartWith("The operation failed while running: Could not install OS for instance 'rec-file'");
        failure.ToUserMessage().ShouldEndWith("Earlier steps of the job had already completed, so part of the change was made.");
    }

    [Fact]
    public async Task GetJobAsync_RealUnknownJobAllNull_ThrowsNotFound()
    {
        using var client = ClientAnswering("job-unknown.json");

        var ex = await Should.ThrowAsync<RapiNotFoundException>(() => client.GetJobAsync(new JobId(987654321)));

        ex.Message.ShouldContain("987654321");
    }

    [Fact]
    public async Task WaitForJobChangeAsync_RealUnknownJob500_ThrowsNotFound()
    {
        using var client = ClientAnswering("error-500-wait-unknown-job.json", HttpStatusCode.InternalServerError);

        var ex = await Should.ThrowAsync<RapiNotFoundException>(() => client.WaitForJobChangeAsync(new JobId(987654321), ["status"], null, null));

        ex.ServerMessage.ShouldBe("Can't load job file");
    }

    [Fact]
    public async Task WaitForJobChangeAsync_RealAnswer_ParsesLogEntries()
    {
        using var client = ClientAnswering("job-wait.json");

        var change = await client.WaitForJobChangeAsync(new JobId(89), ["status"], null, null);

        change!.JobInfo.Single().GetString().ShouldBe("success");
        change.LogEntries.Select(e => e.Serial).ShouldBeInOrder();
        change.LogEntries[0].Message.ShouldBe("* creating instance disks...");
    }

    [Fact]
    public async Task CancelJobAsync_RealUnknown_ReturnsFalse()
    {
        using var client = ClientAnswering("job-cancel-unknown.json");

        (await client.CancelJobAsync(new JobId(987654321))).ShouldBe(new JobCancelResult(false, "Job 987654321 not found in queue"));
    }

    [Fact]
    public async Task GetInstanceConsoleAsync_RealFake_IsMessage()
    {
        using var client = ClientAnswering("console-fake.json");

        var console = await client.GetInstanceConsoleAsync("rec-fake");

        console.Kind.ShouldBe(ConsoleKind.Message);
        console.Message.ShouldBe("Console not available for fake hypervisor");
    }

    [Theory]
    [InlineData("console-kvm-500.json", HttpStatusCode.InternalServerError, typeof(RapiInternalServerErrorException))]
    [InlineData("console-stopped-503.json", HttpStatusCode.ServiceUnavailable, typeof(RapiConsoleUnavailableException))]
    [InlineData("error-400.json", HttpStatusCode.BadRequest, typeof(RapiBadRequestException))]
    [InlineData("error-401.json", HttpStatusCode.Unauthorized, typeof(RapiAuthenticationException))]
    [InlineData("error-403.json", HttpStatusCode.Forbidden, typeof(RapiForbiddenException))]
    [InlineData("error-404.json", HttpStatusCode.NotFound, typeof(RapiNotFoundException))]
    [InlineData("error-415.json", HttpStatusCode.UnsupportedMediaType, typeof(RapiUnsupportedMediaTypeException))]
    [InlineData("error-501.json", HttpStatusCode.NotImplemented, typeof(RapiMethodNotSupportedException))]
    public async Task Errors_RealBodies_MapToTypedExceptions(string fixture, HttpStatusCode status, Type expected)
    {
        using var client = ClientAnswering(fixture, status);

        var ex = await Should.ThrowAsync<RapiHttpException>(() => client.GetInstanceConsoleAsync("x1"));

        ex.GetType().ShouldBe(expected);
        ex.StatusCode.ShouldBe((int)status);
        ex.Explain.ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public async Task QueryAsync_RealInstanceQuery_DecodesCells()
    {
        using var client = ClientAnswering("query-instance.json");

        var result = await client.QueryAsync("instance", ["name", "uuid", "serial_no", "mtime", "pnode", "snodes", "admin_state", "status", "oper_state", "network_port", "no_such_field"]);

        result.Rows.Count.ShouldBe(4);
        result.Rows.ShouldAllBe(r => r["no_such_field"].Status == QueryCellStatus.UnknownField);
        var kvm = result.Rows.Single(r => r["name"].AsString() == "rec-kvm");
        kvm["network_port"].AsInt64().ShouldBe(11000);
        kvm["snodes"].AsStringList()!.ShouldBeEmpty();
        kvm["mtime"].AsDouble().ShouldNotBeNull();
        result.Rows.Single(r => r["name"].AsString() == "rec-file")["oper_state"].AsBoolean().ShouldBe(false);
    }

    [Fact]
    public async Task QueryAsync_RealNodeFilter_ReturnsMaster()
    {
        using var client = ClientAnswering("query-node-filter.json");

        var result = await client.QueryAsync("node", ["name", "master", "group.uuid"], Rapi.Requests.QueryFilter.IsTrue("master"));

        result.Rows.Single()["name"].AsString().ShouldBe("node1.ganeti.test");
    }
}
