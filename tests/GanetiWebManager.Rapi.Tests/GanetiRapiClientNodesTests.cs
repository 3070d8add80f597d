using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Rapi.Requests;
using GanetiWebManager.Rapi.Tests.TestSupport;

namespace GanetiWebManager.Rapi.Tests;

public sealed class GanetiRapiClientNodesTests
{
    private readonly RecordingHandler _handler = new();

    [Fact]
    public async Task GetNodeRoleAsync_MasterString_ReturnsMaster()
    {
        _handler.RespondJson("\"master\"");
        using var client = TestClient.Create(_handler);

        var role = await client.GetNodeRoleAsync("node-a");

        _handler.Last.PathAndQuery.ShouldBe("/2/nodes/node-a/role");
        role.ShouldBe(NodeRole.Master);
    }

    [Fact]
    public async Task SetNodeRoleAsync_MasterCandidate_SendsBareJsonStringAndFlags()
    {
        _handler.RespondJson("789");
        using var client = TestClient.Create(_handler);

        var job = await client.SetNodeRoleAsync("node-foo", NodeRole.MasterCandidate, new SetNodeRoleOptions { Force = true, AutoPromote = true, Reason = "r" });

        job.ShouldBe(new JobId(789));
        _handler.Last.Method.ShouldBe(HttpMethod.Put);
        _handler.Last.PathAndQuery.ShouldBe("/2/nodes/node-foo/role?force=1&auto-promote=1&reason=r");
        _handler.Last.ContentType.ShouldBe("application/json");
        _handler.Last.BodyText.ShouldBe("\"master-candidate\"");
    }

    [Fact]
    public async Task SetNodeRoleAsync_Master_IsRefusedClientSide()
    {
        using var client = TestClient.Create(_handler);
        await Should.ThrowAsync<ArgumentException>(() => client.SetNodeRoleAsync("n1", NodeRole.Master));
        _handler.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task EvacuateNodeAsync_DryRun_PostsBodyWithDryRunQuery()
    {
        _handler.RespondJson("8888");
        using var client = TestClient.Create(_handler);

        await client.EvacuateNodeAsync("node-3", new EvacuateNodeRequest
        {
            Mode = NodeEvacuationMode.All,
            IAllocator = "hail",
            EarlyRelease = true,
            DryRun = true,
        });

        _handler.Last.Method.ShouldBe(HttpMethod.Post);
        _handler.Last.PathAndQuery.ShouldBe("/2/nodes/node-3/evacuate?dry-run=1");
        TestClient.Canonical(_handler.Last.BodyText!).ShouldBe(TestClient.Canonical("""{"mode":"all","iallocator":"hail","early_release":true}"""));
    }

    [Fact]
    public async Task MigrateNodeAsync_Live_SendsBodyWithoutAnyQuery()
    {
        _handler.RespondJson("27539");
        using var client = TestClient.Create(_handler);

        await client.MigrateNodeAsync("node-a", new MigrateNodeRequest { Mode = MigrationMode.Live });

        _handler.Last.Method.ShouldBe(HttpMethod.Post);
        _handler.Last.PathAndQuery.ShouldBe("/2/nodes/node-a/migrate");
        _handler.Last.BodyText.ShouldBe("""{"mode":"live"}""");
    }

    [Fact]
    public async Task ModifyNodeAsync_Drained_PostsBody()
    {
        _handler.RespondJson("5");
        using var client = TestClient.Create(_handler);

        await client.ModifyNodeAsync("node2", new ModifyNodeRequest { Drained = true, Reason = "maintenance window" });

        _handler.Last.Method.ShouldBe(HttpMethod.Post);
        _handler.Last.PathAndQuery.ShouldBe("/2/nodes/node2/modify?reason=maintenance%20window");
        _handler.Last.BodyText.ShouldBe("""{"drained":true}""");
    }

    [Fact]
    public async Task NodeTags_AddAndRemove_UseQueryTags()
    {
        _handler.RespondJson("1").RespondJson("2").RespondJson("""["rack:a"]""");
        using var client = TestClient.Create(_handler);

        await client.AddNodeTagsAsync("n1", ["rack:a"]);
        await client.RemoveNodeTagsAsync("n1", ["rack:b"]);
        var tags = await client.GetNodeTagsAsync("n1");

        _handler.Requests[0].PathAndQuery.ShouldBe("/2/nodes/n1/tags?tag=rack%3Aa");
        _handler.Requests[1].Method.ShouldBe(HttpMethod.Delete);
        _handler.Requests[2].PathAndQuery.ShouldBe("/2/nodes/n1/tags");
        tags.ShouldBe(["rack:a"]);
    }

    [Fact]
    public async Task GetNodesAsync_Bulk_ParsesLiveNullsOfOfflineNode()
    {
        _handler.RespondJson(Fixture.Read("nodes-bulk.json"));
        using var client = TestClient.Create(_handler);

        var nodes = await client.GetNodesAsync();

        _handler.Last.PathAndQuery.ShouldBe("/2/nodes?bulk=1");
        nodes[0].Role.ShouldBe(NodeRole.Master);
        nodes[0].MemoryFree.ShouldBe(23479);
        nodes[0].GroupUuid.ShouldBe("699e7ae6-dddd");
        nodes[0].NdParams.GetInt64("ssh_port").ShouldBe(22);
        nodes[0].PrimaryInstances.ShouldBe(["web1"]);
        nodes[1].Role.ShouldBe(NodeRole.Offline);
        nodes[1].MemoryFree.ShouldBeNull();
        nodes[1].CTime.ShouldBeNull();
        nodes[1].CreatedAt.ShouldBeNull();
        nodes[1].Tags.ShouldBe(["rack:a"]);
    }
}
