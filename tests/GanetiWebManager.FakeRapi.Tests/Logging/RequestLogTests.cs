using GanetiWebManager.FakeRapi.Tests.TestSupport;
using GanetiWebManager.Rapi.Exceptions;
using GanetiWebManager.Rapi.Requests;

namespace GanetiWebManager.FakeRapi.Tests.Logging;

public sealed class RequestLogTests : IAsyncLifetime
{
    private FakeRapiServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeRapiServer.StartAsync(new FakeClusterOptions { Instances = 5 });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Requests_ReadsAndSubmissions_LoggedInOrderWithUserBodyAndJob()
    {
        using var client = FakeClients.Rapi(_server);
        var name = _server.Cluster.InstanceNames[0];

        await client.GetInstancesAsync();
        var id = await client.ShutdownInstanceAsync(name, new ShutdownInstanceOptions { Timeout = 0, Reason = "log test" });
        await client.WaitForJobCompletionAsync(id);

        var entries = _server.RequestLog.Entries;
        entries[0].Method.ShouldBe("GET");
        entries[0].Path.ShouldBe("/2/instances");
        entries[0].Query.ShouldBe("?bulk=1");
        entries[0].User.ShouldBe(_server.WriteUser.Name);
        entries[0].Status.ShouldBe(200);
        entries[0].JobId.ShouldBeNull();
        var shutdown = entries[1];
        shutdown.Method.ShouldBe("PUT");
        shutdown.Path.ShouldBe($"/2/instances/{name}/shutdown");
        shutdown.Query.ShouldBe("?reason=log%20test");
        shutdown.Body.ShouldBe("""{"timeout":0}""");
        shutdown.JobId.ShouldBe(id.Value);
        entries.Select(e => e.Sequence).ShouldBeInOrder();
        _server.RequestLog.JobSubmissions.ShouldHaveSingleItem().JobId.ShouldBe(id.Value);
        _server.RequestLog.CountOf("PUT", "/2/instances/").ShouldBe(1);
        _server.RequestLog.CountOf("GET", "/2/jobs/").ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task Requests_RejectedOnes_LoggedWithStatusAndNoUser()
    {
        using var wrong = FakeClients.Rapi(_server, pin: null);
        using var readOnly = FakeClients.Rapi(_server, readOnly: true);

        await Should.ThrowAsync<RapiForbiddenException>(() => readOnly.RedistributeConfigAsync());
        await Should.ThrowAsync<RapiNotFoundException>(() => wrong.GetInstanceAsync("no-such-instance"));

        var entries = _server.RequestLog.Entries;
        entries[0].User.ShouldBe(_server.ReadOnlyUser.Name);
        entries[0].Status.ShouldBe(403);
        entries[0].JobId.ShouldBeNull();
        entries[1].Status.ShouldBe(404);
        _server.RequestLog.JobSubmissions.ShouldBeEmpty();
    }

    [Fact]
    public async Task Clear_AfterRequests_EmptyButSequenceContinues()
    {
        using var client = FakeClients.Rapi(_server);
        await client.GetVersionAsync();
        var last = _server.RequestLog.Entries[^1].Sequence;

        _server.RequestLog.Clear();
        await client.GetVersionAsync();

        _server.RequestLog.Count.ShouldBe(1);
        _server.RequestLog.Entries[0].Sequence.ShouldBe(last + 1);
    }

    [Fact]
    public async Task ControlEndpoints_Called_NeverLogged()
    {
        using var control = FakeClients.Control(_server);

        await control.GetJsonAsync("/__fake/requests");
        await control.GetJsonAsync("/__fake/faults");
        using var raw = FakeClients.Raw(_server);
        (await raw.GetAsync("/__fake/requests/count")).EnsureSuccessStatusCode();

        _server.RequestLog.Count.ShouldBe(0);
    }
}
