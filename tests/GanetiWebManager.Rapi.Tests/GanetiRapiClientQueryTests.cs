using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Rapi.Requests;
using GanetiWebManager.Rapi.Tests.TestSupport;

namespace GanetiWebManager.Rapi.Tests;

public sealed class GanetiRapiClientQueryTests
{
    private readonly RecordingHandler _handler = new();

    [Fact]
    public async Task QueryAsync_NoFilter_UsesGetWithFields()
    {
        _handler.RespondJson(Fixture.Read("query-instance.json"));
        using var client = TestClient.Create(_handler);

        await client.QueryAsync("instance", ["name", "status", "network_port"]);

        _handler.Last.Method.ShouldBe(HttpMethod.Get);
        _handler.Last.PathAndQuery.ShouldBe("/2/query/instance?fields=name%2Cstatus%2Cnetwork_port");
        _handler.Last.Body.ShouldBeNull();
    }

    [Fact]
    public async Task QueryAsync_Filter_PutsFieldsWithQfilterAndFilter()
    {
        _handler.RespondJson("""{"fields": [{"name": "name"}, {"name": "master"}], "data": [[[0, "node1"], [0, true]]]}""");
        using var client = TestClient.Create(_handler);

        var result = await client.QueryAsync("node", ["name", "master"], QueryFilter.IsTrue("master"));

        _handler.Last.Method.ShouldBe(HttpMethod.Put);
        _handler.Last.PathAndQuery.ShouldBe("/2/query/node");
        _handler.Last.ContentType.ShouldBe("application/json");
        _handler.Last.BodyText.ShouldBe("""{"fields":["name","master"],"qfilter":["?","master"],"filter":["?","master"]}""");
        result.Rows.Single()["master"].AsBoolean().ShouldBe(true);
    }

    [Fact]
    public async Task QueryAsync_CombinedFilter_SerialisesNestedLists()
    {
        _handler.RespondJson("""{"fields": [], "data": []}""");
        using var client = TestClient.Create(_handler);

        var filter = QueryFilter.And(
            QueryFilter.Equal("pnode", "node1"),
            QueryFilter.Not(QueryFilter.IsTrue("oper_state")),
            QueryFilter.Or(QueryFilter.GreaterThan("id", 41), QueryFilter.Matches("name", "^web")));
        await client.QueryAsync("instance", ["name"], filter);

        TestClient.Canonical(_handler.Last.BodyText!).ShouldBe(TestClient.Canonical("""
            {"fields":["name"],
             "qfilter":["&",["==","pnode","node1"],["!",["?","oper_state"]],["|",[">","id",41],["=~","name","^web"]]],
             "filter":["&",["==","pnode","node1"],["!",["?","oper_state"]],["|",[">","id",41],["=~","name","^web"]]]}
            """));
    }

    [Fact]
    public async Task QueryAsync_Cells_DecodeStatusesAndValues()
    {
        _handler.RespondJson(Fixture.Read("query-instance.json"));
        using var client = TestClient.Create(_handler);

        var result = await client.QueryAsync("instance", ["name", "status", "network_port", "snodes", "mtime", "bogus"]);

        result.Fields.Select(f => f.Name).ShouldBe(["name", "status", "network_port", "snodes", "mtime", "bogus"]);
        result.Fields[5].Kind.ShouldBe("unknown");
        result.Rows.Count.ShouldBe(3);
        var kvm = result.Rows[0];
        kvm["name"].AsString().ShouldBe("kvm1");
        kvm["network_port"].AsInt64().ShouldBe(11000);
        kvm["snodes"].AsStringList()!.ShouldBeEmpty();
        kvm["mtime"].AsDouble().ShouldBe(1795235265.61);
        kvm["bogus"].Status.ShouldBe(QueryCellStatus.UnknownField);
        kvm["bogus"].HasValue.ShouldBeFalse();
        result.Rows[1]["network_port"].Status.ShouldBe(QueryCellStatus.Unavailable);
        result.Rows[1]["network_port"].AsInt64().ShouldBeNull();
        result.Rows[1]["snodes"].AsStringList().ShouldBe(["node2"]);
        result.Rows[2]["status"].Status.ShouldBe(QueryCellStatus.NodeOffline);
        result.Rows[2]["network_port"].Status.ShouldBe(QueryCellStatus.NoData);
        Should.Throw<KeyNotFoundException>(() => result.Rows[0]["oper_ram"]);
    }

    [Theory]
    [InlineData("bad resource")]
    [InlineData("../info")]
    public async Task QueryAsync_InvalidResource_Throws(string resource)
    {
        using var client = TestClient.Create(_handler);
        await Should.ThrowAsync<ArgumentException>(() => client.QueryAsync(resource, ["name"]));
    }

    [Fact]
    public async Task QueryAsync_FieldWithComma_Throws()
    {
        using var client = TestClient.Create(_handler);
        await Should.ThrowAsync<ArgumentException>(() => client.QueryAsync("instance", ["name,status"]));
    }
}
