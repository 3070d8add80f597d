using System.Net;
using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Rapi.Requests;
using GanetiWebManager.Rapi.Tests.TestSupport;

namespace GanetiWebManager.Rapi.Tests;

public sealed class GanetiRapiClientClusterTests
{
    private readonly RecordingHandler _handler = new();

    [Fact]
    public async Task GetVersionAsync_Answer2_Returns2WithPreemptiveBasicAuth()
    {
        _handler.RespondJson("2");
        using var client = TestClient.Create(_handler);

        (await client.GetVersionAsync()).ShouldBe(2);

        _handler.Last.Method.ShouldBe(HttpMethod.Get);
        _handler.Last.Uri.ShouldBe(new Uri("https://cluster.example.com:5080/version"));
        _handler.Last.Authorization.ShouldBe(TestClient.ExpectedAuthorization);
    }

    [Fact]
    public async Task GetFeaturesAsync_List_ReturnsFeatures()
    {
        _handler.RespondJson(Fixture.Read("features.json"));
        using var client = TestClient.Create(_handler);

        var features = await client.GetFeaturesAsync();

        features.ShouldContain("instance-create-reqv1");
        features.Count.ShouldBe(4);
    }

    [Fact]
    public async Task GetFeaturesAsync_NotFoundOnOldServer_ReturnsEmpty()
    {
        _handler.RespondJson("""{"code": 404, "message": "Not Found", "explain": "Nothing matches the given URI"}""", HttpStatusCode.NotFound);
        using var client = TestClient.Create(_handler);

        (await client.GetFeaturesAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task GetClusterInfoAsync_RealShape_ParsesKnownAndKeepsUnknownKeys()
    {
        _handler.RespondJson(Fixture.Read("info.json"));
        using var client = TestClient.Create(_handler);

        var info = await client.GetClusterInfoAsync();

        _handler.Last.PathAndQuery.ShouldBe("/2/info");
        info.SoftwareVersion.ShouldBe("3.0.2");
        info.Name.ShouldBe("cluster.ganeti.test");
        info.Master.ShouldBe("node1.ganeti.test");
        info.EnabledHypervisors.ShouldBe(["fake", "kvm"]);
        info.Architecture.ShouldBe(["64bits", "x86_64"]);
        info.HvParams.GetNested("kvm").GetString("vnc_bind_address").ShouldBe("0.0.0.0");
        info.BeParams.GetNested("default").GetInt64("maxmem").ShouldBe(128);
        info.IPolicy.ContainsKey("vcpu-ratio").ShouldBeTrue();
        info.CandidatePoolSize.ShouldBe(10);
        info.VolumeGroupName.ShouldBeNull();
        info.Tags.ShouldBe(["env:test"]);
        info.MTime.ShouldBe(1795235320.210452);
        info.ModifiedAt!.Value.ToUnixTimeMilliseconds().ShouldBe(1795235320210);
        info.AdditionalProperties!.ShouldContainKey("compression_tools");
        info.AdditionalProperties!.ShouldContainKey("ssh_key_bits");
    }

    [Fact]
    public async Task GetOperatingSystemsAsync_List_ReturnsNames()
    {
        _handler.RespondJson("""["noop", "sandbox+default", "sandbox+minimal", "sandbox+slow"]""");
        using var client = TestClient.Create(_handler);

        var os = await client.GetOperatingSystemsAsync();

        _handler.Last.PathAndQuery.ShouldBe("/2/os");
        os.ShouldContain("sandbox+default");
    }

    [Fact]
    public async Task AddClusterTagsAsync_DryRun_PutsTagsInQuery()
    {
        _handler.RespondJson("1234");
        using var client = TestClient.Create(_handler);

        var job = await client.AddClusterTagsAsync(["awesome"], new DryRunJobOptions { DryRun = true });

        job.ShouldBe(new JobId(1234));
        _handler.Last.Method.ShouldBe(HttpMethod.Put);
        _handler.Last.PathAndQuery.ShouldBe("/2/tags?tag=awesome&dry-run=1");
        _handler.Last.Body.ShouldBeNull();
    }

    [Fact]
    public async Task RemoveClusterTagsAsync_TwoTags_DeletesWithRepeatedKeys()
    {
        _handler.RespondJson("5");
        using var client = TestClient.Create(_handler);

        await client.RemoveClusterTagsAsync(["a", "b"], new DryRunJobOptions { Reason = "cleanup" });

        _handler.Last.Method.ShouldBe(HttpMethod.Delete);
        _handler.Last.PathAndQuery.ShouldBe("/2/tags?tag=a&tag=b&reason=cleanup");
    }

    [Fact]
    public async Task RedistributeConfigAsync_Reason_IsPutWithReason()
    {
        _handler.RespondJson("9");
        using var client = TestClient.Create(_handler);

        await client.RedistributeConfigAsync(new JobOptions { Reason = "gwm:1" });

        _handler.Last.Method.ShouldBe(HttpMethod.Put);
        _handler.Last.PathAndQuery.ShouldBe("/2/redistribute-config?reason=gwm%3A1");
    }

    [Fact]
    public async Task GetGroupsAsync_Bulk_Parses()
    {
        _handler.RespondJson(Fixture.Read("groups-bulk.json"));
        using var client = TestClient.Create(_handler);

        var groups = await client.GetGroupsAsync();

        _handler.Last.PathAndQuery.ShouldBe("/2/groups?bulk=1");
        groups.Single().Name.ShouldBe("default");
        groups[0].Nodes.Count.ShouldBe(2);
        groups[0].AllocPolicy.ShouldBe("preferred");
        groups[0].IPolicy.GetNested("minmax").Json.ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Object);
    }

    [Fact]
    public async Task GetGroupNamesAsync_NameKey_ReturnsNames()
    {
        _handler.RespondJson("""[{"name": "default", "uri": "/2/groups/default"}]""");
        using var client = TestClient.Create(_handler);

        (await client.GetGroupNamesAsync()).ShouldBe(["default"]);
    }

    [Fact]
    public async Task GetNetworksAsync_Bulk_Parses()
    {
        _handler.RespondJson(Fixture.Read("networks-bulk.json"));
        using var client = TestClient.Create(_handler);

        var networks = await client.GetNetworksAsync();

        _handler.Last.PathAndQuery.ShouldBe("/2/networks?bulk=1");
        networks.Single().Network.ShouldBe("10.210.0.0/24");
        networks[0].FreeCount.ShouldBe(252);
        networks[0].GroupList.Single()[0].GetString().ShouldBe("default");
    }

    [Fact]
    public async Task GetNetworkAsync_Name_UsesPath()
    {
        _handler.RespondJson(Fixture.Read("networks-bulk.json").Trim()[1..^1]);
        using var client = TestClient.Create(_handler);

        var network = await client.GetNetworkAsync("net1");

        _handler.Last.PathAndQuery.ShouldBe("/2/networks/net1");
        network.Name.ShouldBe("net1");
    }
}
