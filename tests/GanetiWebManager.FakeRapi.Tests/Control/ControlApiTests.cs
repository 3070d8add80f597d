using System.Text.Json.Nodes;
using GanetiWebManager.FakeRapi.Tests.TestSupport;
using GanetiWebManager.Rapi.Exceptions;
using GanetiWebManager.Rapi.Models;

namespace GanetiWebManager.FakeRapi.Tests.Control;

/// <summary>The control endpoints an out-of-process test uses: everything the in-process API does, over HTTP.</summary>
public sealed class ControlApiTests : IAsyncLifetime
{
    private FakeRapiServer _server = null!;
    private HttpClient _control = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeRapiServer.StartAsync(new FakeClusterOptions { Instances = 50, Nodes = 3 });
        _control = FakeClients.Control(_server);
    }

    public async Task DisposeAsync()
    {
        _control.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Info_Server_DescribesHowToConnect()
    {
        var info = await _control.GetJsonAsync("/__fake");

        ((string)info["baseUrl"]!).ShouldBe(_server.BaseUrl.ToString().TrimEnd('/'));
        ((string)info["certificateSha256"]!).ShouldBe(_server.CertificateSha256);
        ((string)info["user"]!).ShouldBe(_server.WriteUser.Name);
        ((string)info["readOnlyPassword"]!).ShouldBe(_server.ReadOnlyUser.Password);
        ((int)info["instances"]!).ShouldBe(50);
        info["nodes"]!.AsArray().Count.ShouldBe(3);
    }

    [Fact]
    public async Task Requests_CountAndFilterAndReset()
    {
        using var client = FakeClients.Rapi(_server);
        await client.GetInstancesAsync();
        await client.GetNodesAsync();
        var id = await client.RedistributeConfigAsync();

        var all = await _control.GetJsonAsync("/__fake/requests");
        var puts = await _control.GetJsonAsync("/__fake/requests?method=PUT");
        var submissions = await _control.GetJsonAsync("/__fake/requests?jobs=true");
        var count = await _control.GetJsonAsync("/__fake/requests/count?path=/2/");

        ((int)all["count"]!).ShouldBe(3);
        ((string)all["requests"]![0]!["path"]!).ShouldBe("/2/instances");
        ((int)puts["count"]!).ShouldBe(1);
        ((long)submissions["requests"]![0]!["jobId"]!).ShouldBe(id.Value);
        ((int)count["count"]!).ShouldBe(3);
        ((int)count["jobSubmissions"]!).ShouldBe(1);
        (await _control.DeleteAsync("/__fake/requests")).EnsureSuccessStatusCode();
        ((int)(await _control.GetJsonAsync("/__fake/requests/count"))["count"]!).ShouldBe(0);
    }

    [Fact]
    public async Task Faults_PostedRule_AppliesTimesThenListEmpty()
    {
        using var client = FakeClients.Rapi(_server);

        (await _control.PostAsync("/__fake/faults", FakeClients.Json("""{"kind": "ServerError", "pathPrefix": "/2/info", "times": 1, "message": "boom"}""")))
            .EnsureSuccessStatusCode();

        var ex = await Should.ThrowAsync<RapiInternalServerErrorException>(() => client.GetClusterInfoAsync());
        ex.ServerMessage.ShouldBe("boom");
        (await client.GetClusterInfoAsync()).Name.ShouldBe(_server.Cluster.Name);
        (await _control.GetJsonAsync("/__fake/faults"))["rules"]!.AsArray().ShouldBeEmpty();
        _server.RequestLog.Entries[0].Fault.ShouldBe("ServerError");
    }

    [Fact]
    public async Task Faults_LatencyListAndDelete_Cleared()
    {
        (await _control.PostAsync("/__fake/faults", FakeClients.Json("""[{"kind": "Latency", "delay": "00:00:00.200"}, {"kind": "QueueFull"}]"""))).EnsureSuccessStatusCode();

        var listed = (await _control.GetJsonAsync("/__fake/faults"))["rules"]!.AsArray();
        listed.Count.ShouldBe(2);
        ((string)listed[0]!["kind"]!).ShouldBe("Latency");
        _server.Faults.Rules[0].Delay.ShouldBe(TimeSpan.FromMilliseconds(200));
        (await _control.DeleteAsync("/__fake/faults")).EnsureSuccessStatusCode();
        _server.Faults.Rules.ShouldBeEmpty();
    }

    [Fact]
    public async Task DropConnections_Window_ControlPortStillAnswers()
    {
        using var client = FakeClients.Rapi(_server);

        (await _control.PostAsync("/__fake/connections/drop", FakeClients.Json("""{"seconds": 30}"""))).EnsureSuccessStatusCode();

        await Should.ThrowAsync<RapiConnectionException>(() => client.GetVersionAsync());
        (await _control.GetJsonAsync("/__fake/faults"))["dropConnectionsUntil"].ShouldNotBeNull();
        (await _control.DeleteAsync("/__fake/faults")).EnsureSuccessStatusCode();
        (await client.GetVersionAsync()).ShouldBe(2);
    }

    [Fact]
    public async Task Certificate_Rotate_AnswersNewFingerprint()
    {
        var before = _server.CertificateSha256;

        var answer = JsonNode.Parse(await (await _control.PostAsync("/__fake/certificate", null)).Content.ReadAsStringAsync())!;

        ((string)answer["certificateSha256"]!).ShouldBe(_server.CertificateSha256);
        _server.CertificateSha256.ShouldNotBe(before);
    }

    [Fact]
    public async Task MasterFailover_Posted_NewMasterAfterWindow()
    {
        var answer = JsonNode.Parse(await (await _control.PostAsync("/__fake/master-failover", FakeClients.Json("""{"windowSeconds": 0.3}"""))).Content.ReadAsStringAsync())!;
        await Task.Delay(400);

        using var client = FakeClients.Rapi(_server);
        (await client.GetClusterInfoAsync()).Master.ShouldBe((string)answer["master"]!);
        ((string)answer["master"]!).ShouldBe(_server.Cluster.NodeNames[1]);
    }

    [Fact]
    public async Task Instances_CrashFractionThenStart_StatusesFollow()
    {
        var crashed = JsonNode.Parse(await (await _control.PostAsync("/__fake/instances", FakeClients.Json("""{"action": "crash", "fraction": 0.1, "seed": 3}"""))).Content.ReadAsStringAsync())!;

        var names = crashed["names"]!.AsArray().Select(n => (string)n!).ToList();
        names.Count.ShouldBe(5);
        names.ShouldAllBe(n => _server.Cluster.GetInstance(n).Status == "ERROR_down" || _server.Cluster.GetInstance(n).AdminState != "up");
        var snapshot = await _control.GetJsonAsync($"/__fake/instances/{names[0]}");
        ((bool)snapshot["running"]!).ShouldBeFalse();

        (await _control.PostAsync("/__fake/instances", FakeClients.Json($$"""{"action": "start", "names": ["{{names[0]}}"]}"""))).EnsureSuccessStatusCode();
        _server.Cluster.GetInstance(names[0]).Status.ShouldBe("running");
    }

    [Fact]
    public async Task Instances_AddRemoveBumpTag_ClusterChanges()
    {
        var added = JsonNode.Parse(await (await _control.PostAsync("/__fake/instances", FakeClients.Json("""{"action": "add", "count": 3}"""))).Content.ReadAsStringAsync())!["names"]!.AsArray();
        var name = (string)added[0]!;
        var serial = _server.Cluster.GetInstance(name).SerialNo;

        await _control.PostAsync("/__fake/instances", FakeClients.Json($$"""{"action": "bump-serial", "names": ["{{name}}"]}"""));
        await _control.PostAsync("/__fake/instances", FakeClients.Json($$"""{"action": "tag", "names": ["{{name}}"], "tags": ["gwm:owner:user:bob"]}"""));
        await _control.PostAsync("/__fake/instances", FakeClients.Json($$"""{"action": "remove", "names": ["{{(string)added[1]!}}"]}"""));

        _server.Cluster.InstanceCount.ShouldBe(52);
        _server.Cluster.GetInstance(name).SerialNo.ShouldBe(serial + 2);
        _server.Cluster.GetInstance(name).Tags.ShouldBe(["gwm:owner:user:bob"]);
        (await _control.PostAsync("/__fake/instances", FakeClients.Json("""{"action": "explode"}"""))).StatusCode.ShouldBe(System.Net.HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Nodes_Down_InstancesNodeDown()
    {
        var node = _server.Cluster.NodeNames[2];

        var answer = await (await _control.PostAsync($"/__fake/nodes/{node}", FakeClients.Json("""{"down": true}"""))).Content.ReadAsStringAsync();

        JsonNode.Parse(answer)!["down"]!.GetValue<bool>().ShouldBeTrue();
        _server.Cluster.GetNode(node).PrimaryInstances.ShouldAllBe(i => _server.Cluster.GetInstance(i).Status == "ERROR_nodedown");
        using var client = FakeClients.Rapi(_server);
        (await client.GetNodeAsync(node)).MemoryFree.ShouldBeNull();
    }

    [Fact]
    public async Task Jobs_HoldCancelRelease_DequeuedThenRuns()
    {
        using var client = FakeClients.Rapi(_server);
        (await _control.PostAsync("/__fake/jobs/hold", null)).EnsureSuccessStatusCode();
        var held = await client.RedistributeConfigAsync();
        var kept = await client.RedistributeConfigAsync();
        await Task.Delay(50);

        (await client.GetJobAsync(held)).Status.ShouldBe(JobStatus.Queued);
        var cancel = await client.CancelJobAsync(held);
        cancel.Success.ShouldBeTrue();
        cancel.Message.ShouldBe($"Dequeued job {held}");
        var canceled = await client.GetJobAsync(held);
        canceled.Status.ShouldBe(JobStatus.Canceled);
        canceled.OpStatus.ShouldBe([JobStatus.Canceled]);
        canceled.EndedAt.ShouldNotBeNull();
        ((bool)(await _control.GetJsonAsync("/__fake/jobs"))["held"]!).ShouldBeTrue();

        (await _control.PostAsync("/__fake/jobs/release", null)).EnsureSuccessStatusCode();
        (await client.WaitForJobCompletionAsync(kept)).Status.ShouldBe(JobStatus.Success);
        (await client.CancelJobAsync(kept)).Message.ShouldBe($"Job {kept} not found in queue");
    }
}
