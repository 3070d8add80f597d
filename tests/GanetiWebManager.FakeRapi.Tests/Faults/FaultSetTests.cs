using GanetiWebManager.FakeRapi.Faults;
using GanetiWebManager.FakeRapi.Tests.TestSupport;
using GanetiWebManager.Rapi.Exceptions;
using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Rapi.Requests;
using GanetiWebManager.Rapi.Security;

namespace GanetiWebManager.FakeRapi.Tests.Faults;

/// <summary>Each fault switch, seen through the portal's RAPI client.</summary>
public sealed class FaultSetTests : IAsyncLifetime
{
    private FakeRapiServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeRapiServer.StartAsync(new FakeClusterOptions { Instances = 20 });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Latency_AllRequests_AnswersAfterTheDelay()
    {
        using var client = FakeClients.Rapi(_server);
        _server.Faults.AddLatency(TimeSpan.FromMilliseconds(300));
        var started = TimeProvider.System.GetTimestamp();

        (await client.GetVersionAsync()).ShouldBe(2);

        TimeProvider.System.GetElapsedTime(started).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public async Task Hang_Request_ClientTimesOutAndLogShowsIt()
    {
        using var client = FakeClients.Rapi(_server, timeout: TimeSpan.FromMilliseconds(500));
        _server.Faults.Add(FaultKind.Hang, "/2/info");

        await Should.ThrowAsync<RapiTimeoutException>(() => client.GetClusterInfoAsync());

        (await client.GetVersionAsync()).ShouldBe(2); // other paths answer
        _server.RequestLog.Entries.ShouldContain(r => r.Path == "/2/info" && r.Fault == "Hang");
    }

    [Fact]
    public async Task ServerError_WithMessage_Internal500()
    {
        using var client = FakeClients.Rapi(_server);
        _server.Faults.Add(new FaultRule { Kind = FaultKind.ServerError, PathPrefix = "/2/instances", Message = "luxi down" });

        var ex = await Should.ThrowAsync<RapiInternalServerErrorException>(() => client.GetInstancesAsync());

        ex.ServerMessage.ShouldBe("luxi down");
    }

    [Fact]
    public async Task Unauthorized_ValidCredentials_StillRejected()
    {
        using var client = FakeClients.Rapi(_server);
        _server.Faults.Add(FaultKind.Unauthorized);

        var ex = await Should.ThrowAsync<RapiAuthenticationException>(() => client.GetClusterInfoAsync());

        ex.StatusCode.ShouldBe(401);
    }

    [Fact]
    public async Task Status_GatewayTimeout_TransientError()
    {
        using var client = FakeClients.Rapi(_server);
        _server.Faults.Add(new FaultRule { Kind = FaultKind.Status, Status = 504, Times = 1 });

        var ex = await Should.ThrowAsync<RapiHttpException>(() => client.GetNodesAsync());

        ex.StatusCode.ShouldBe(504);
        ex.IsTransient.ShouldBeTrue();
        (await client.GetNodesAsync()).Count.ShouldBe(2);
    }

    [Fact]
    public async Task MalformedJson_Answer_ProtocolError()
    {
        using var client = FakeClients.Rapi(_server);
        _server.Faults.Add(FaultKind.MalformedJson, "/2/instances");

        await Should.ThrowAsync<RapiProtocolException>(() => client.GetInstancesAsync());
    }

    [Fact]
    public async Task TruncatedJson_BulkAnswer_ProtocolError()
    {
        using var client = FakeClients.Rapi(_server);
        _server.Faults.Add(FaultKind.TruncatedJson, "/2/instances");

        await Should.ThrowAsync<RapiProtocolException>(() => client.GetInstancesAsync());
    }

    [Fact]
    public async Task DropConnection_Request_ConnectionErrorWithoutAnswer()
    {
        using var client = FakeClients.Rapi(_server);
        _server.Faults.Add(FaultKind.DropConnection, times: 1);

        var ex = await Should.ThrowAsync<RapiConnectionException>(() => client.GetClusterInfoAsync());

        ex.IsTransient.ShouldBeTrue();
        _server.RequestLog.Entries[^1].Status.ShouldBe(0);
        (await client.GetClusterInfoAsync()).Name.ShouldBe(_server.Cluster.Name);
    }

    [Fact]
    public async Task Times_Twice_ThenRemovesItself()
    {
        using var client = FakeClients.Rapi(_server);
        _server.Faults.Add(FaultKind.ServerError, times: 2);

        await Should.ThrowAsync<RapiInternalServerErrorException>(() => client.GetVersionAsync());
        await Should.ThrowAsync<RapiInternalServerErrorException>(() => client.GetVersionAsync());

        (await client.GetVersionAsync()).ShouldBe(2);
        _server.Faults.Rules.ShouldBeEmpty();
    }

    [Fact]
    public async Task MethodAndPath_OnlyMatchingRequests_Faulted()
    {
        using var client = FakeClients.Rapi(_server);
        _server.Faults.Add(new FaultRule { Kind = FaultKind.ServerError, Method = "PUT", PathPrefix = "/2/instances/" });
        var name = _server.Cluster.InstanceNames[0];

        (await client.GetInstanceAsync(name)).Name.ShouldBe(name);
        await Should.ThrowAsync<RapiInternalServerErrorException>(() => client.StartupInstanceAsync(name));
    }

    [Fact]
    public async Task QueueFull_Submission_503WhileReadsWork()
    {
        using var client = FakeClients.Rapi(_server);
        _server.Faults.Add(FaultKind.QueueFull);

        var ex = await Should.ThrowAsync<RapiJobQueueFullException>(() => client.RedistributeConfigAsync());

        ex.ServerMessage.ShouldBe("Job queue is full, needs archiving");
        ex.IsTransient.ShouldBeTrue();
        (await client.GetInstancesAsync()).Count.ShouldBe(20);
        _server.Cluster.Jobs.Count.ShouldBe(0);
    }

    [Fact]
    public async Task QueueDrained_Submission_503NotTransient()
    {
        using var client = FakeClients.Rapi(_server);
        _server.Faults.Add(FaultKind.QueueDrained);

        var ex = await Should.ThrowAsync<RapiJobQueueDrainedException>(() => client.StartupInstanceAsync(_server.Cluster.InstanceNames[0]));

        ex.ServerMessage.ShouldBe("Job queue is drained, cannot submit");
        ex.IsTransient.ShouldBeFalse();
    }

    [Fact]
    public async Task RotateCertificate_PinnedClient_RefusedWithNewFingerprint()
    {
        var oldPin = _server.CertificateSha256;
        using var pinned = FakeClients.Rapi(_server);
        (await pinned.GetVersionAsync()).ShouldBe(2);

        var newPin = _server.RotateCertificate();

        newPin.ShouldNotBe(oldPin);
        newPin.Length.ShouldBe(64);
        _server.CertificateSha256.ShouldBe(newPin);
        var ex = await Should.ThrowAsync<RapiCertificateException>(() => pinned.GetVersionAsync());
        CertificateFingerprint.Matches(oldPin, ex.ExpectedSha256!).ShouldBeTrue();
        CertificateFingerprint.Matches(newPin, ex.PresentedSha256!).ShouldBeTrue();
        using var repinned = FakeClients.Rapi(_server, pin: newPin);
        (await repinned.GetVersionAsync()).ShouldBe(2);
    }

    [Fact]
    public async Task FailoverMaster_Window_SilentThenNewMasterAndRunningJobsDied()
    {
        await using var server = await FakeRapiServer.StartAsync(new FakeClusterOptions { Nodes = 3, JobStepDelay = TimeSpan.FromMilliseconds(100) });
        using var client = FakeClients.Rapi(server, timeout: TimeSpan.FromSeconds(5));
        var oldMaster = (await client.GetClusterInfoAsync()).Master;
        var running = await client.CreateInstanceAsync(new CreateInstanceRequest
        {
            Name = "inst-during-failover",
            DiskTemplate = "file",
            Hypervisor = "fake",
            OsType = "sandbox+default",
            PrimaryNode = server.Cluster.NodeNames[1],
            Disks = [new DiskDefinition { Size = 1024 }],
            Nics = [new NicDefinition()],
        });
        while (server.Cluster.FindInstance("inst-during-failover") is null)
        {
            await Task.Delay(10);
        }

        var newMaster = server.FailoverMaster(TimeSpan.FromMilliseconds(1500));

        newMaster.ShouldNotBe(oldMaster);
        var ex = await Should.ThrowAsync<RapiConnectionException>(() => client.GetClusterInfoAsync());
        ex.IsTransient.ShouldBeTrue();
        server.Faults.DropConnectionsUntil.ShouldNotBeNull();
        await Task.Delay(1600);
        var info = await client.GetClusterInfoAsync();
        info.Master.ShouldBe(newMaster);
        (await client.GetNodeRoleAsync(newMaster)).ShouldBe(NodeRole.Master);
        (await client.GetNodeRoleAsync(oldMaster!)).ShouldBe(NodeRole.MasterCandidate);
        var job = await client.WaitForJobCompletionAsync(running);
        job.Status.ShouldBe(JobStatus.Error);
        job.OpResult[0].GetRawText().ShouldBe("""["NoMasterError", ["/var/run/ganeti/socket/ganeti-wconfd"]]""");
        // Like a real failover, the half-created instance stays behind.
        server.Cluster.FindInstance("inst-during-failover").ShouldNotBeNull();
        (await client.RedistributeConfigAsync()).Value.ShouldBeGreaterThan(running.Value);
    }

    [Fact]
    public async Task DropConnectionsFor_AfterRequest_RequestReadThenConnectionClosed()
    {
        using var client = FakeClients.Rapi(_server);
        _server.Faults.DropConnectionsFor(TimeSpan.FromSeconds(30), beforeTls: false);

        var ex = await Should.ThrowAsync<RapiConnectionException>(() => client.GetVersionAsync());

        ex.IsTransient.ShouldBeTrue();
        _server.RequestLog.Entries.ShouldHaveSingleItem().Fault.ShouldBe("MasterFailover");
        _server.Faults.Clear();
        (await client.GetVersionAsync()).ShouldBe(2);
    }
}
