using System.Text.Json.Nodes;
using GanetiWebManager.Rapi.Exceptions;
using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Rapi.Requests;
using Xunit.Abstractions;

namespace GanetiWebManager.Rapi.Tests.Contract;

/// <summary>
/// <c>/2/query/{instance,node,group,job}</c> with the fields the portal's sync uses: cheap change detection
/// (name, uuid, serial_no, mtime, pnode, snodes, admin_state), runtime state (status, oper_*), details; the
/// <c>[status, value]</c> cells, field kinds, and the filter operators.
/// </summary>
public abstract class RapiQueryContractTests(IRapiContractTarget target, ITestOutputHelper output)
    : RapiContractTestBase(target, output)
{
    private static readonly string[] ChangeFields = ["name", "uuid", "serial_no", "mtime", "ctime", "pnode", "snodes", "admin_state"];

    private static readonly string[] RuntimeFields =
    [
        "name", "status", "oper_state", "oper_ram", "oper_vcpus", "network_port", "tags", "os", "disk_template", "hypervisor",
        "be/memory", "be/vcpus", "be/maxmem", "hv/kernel_path", "disk.sizes", "disk.count", "nic.macs", "nic.count", "disk.size/0", "admin_state_source",
    ];

    [Fact]
    public async Task QueryAsync_InstanceChangeAndRuntimeFields_FollowTheInstance()
    {
        var tag = NewTag("query");
        var name = await CreateRunningDisklessAsync([tag]);
        var byName = QueryFilter.Equal("name", name);

        var change = await Client.QueryAsync("instance", ChangeFields, byName);
        var detail = await Client.GetInstanceAsync(name);

        change.Fields.Select(f => (f.Name, f.Kind)).ShouldBe(
        [
            ("name", "text"), ("uuid", "text"), ("serial_no", "number"), ("mtime", "timestamp"), ("ctime", "timestamp"),
            ("pnode", "text"), ("snodes", "other"), ("admin_state", "text"),
        ]);
        change.Fields.ShouldAllBe(f => !string.IsNullOrEmpty(f.Title) && !string.IsNullOrEmpty(f.Doc));
        var row = change.Rows.ShouldHaveSingleItem();
        row.Cells.ShouldAllBe(c => c.Status == QueryCellStatus.Normal);
        row["uuid"].AsString().ShouldBe(detail.Uuid);
        row["serial_no"].AsInt64().ShouldBe(detail.SerialNo);
        row["mtime"].AsDouble().ShouldBe(detail.MTime);
        row["ctime"].AsDouble().ShouldBe(detail.CTime);
        row["pnode"].AsString().ShouldBe(Target.Nodes[0]);
        row["snodes"].AsStringList().ShouldBeEmpty();
        row["admin_state"].AsString().ShouldBe("up");

        var runtime = (await Client.QueryAsync("instance", RuntimeFields, byName)).Rows.ShouldHaveSingleItem();
        runtime["status"].AsString().ShouldBe("running");
        runtime["oper_state"].AsBoolean().ShouldBe(true);
        runtime["oper_ram"].AsInt64().ShouldBe(128);
        runtime["oper_vcpus"].AsInt64().ShouldBe(1);
        runtime["network_port"].Status.ShouldBe(QueryCellStatus.Unavailable); // no VNC on the fake hypervisor
        runtime["tags"].AsStringList().ShouldBe([tag]);
        runtime["os"].AsString().ShouldBe(Target.SandboxOs);
        runtime["disk_template"].AsString().ShouldBe("diskless");
        runtime["hypervisor"].AsString().ShouldBe("fake");
        runtime["be/memory"].AsInt64().ShouldBe(128);
        runtime["be/maxmem"].AsInt64().ShouldBe(128);
        runtime["be/vcpus"].AsInt64().ShouldBe(1);
        runtime["hv/kernel_path"].Status.ShouldBe(QueryCellStatus.Unavailable); // not a parameter of the fake hypervisor
        runtime["disk.sizes"].AsStringList().ShouldBeEmpty();
        runtime["disk.count"].AsInt64().ShouldBe(0);
        runtime["disk.size/0"].Status.ShouldBe(QueryCellStatus.Unavailable);
        runtime["nic.count"].AsInt64().ShouldBe(1);
        runtime["nic.macs"].AsStringList().ShouldBe(detail.NicMacs);
        runtime["admin_state_source"].AsString().ShouldBe("admin");

        await RunJobAsync(Client.ShutdownInstanceAsync(name, new ShutdownInstanceOptions { Timeout = 0 }), "shutdown");

        var stopped = (await Client.QueryAsync("instance", [.. ChangeFields, "status", "oper_state", "oper_ram", "oper_vcpus"], byName)).Rows.ShouldHaveSingleItem();
        stopped["admin_state"].AsString().ShouldBe("down");
        stopped["status"].AsString().ShouldBe("ADMIN_down");
        stopped["oper_state"].AsBoolean().ShouldBe(false);
        stopped["oper_ram"].Status.ShouldBe(QueryCellStatus.Unavailable);
        stopped["oper_vcpus"].Status.ShouldBe(QueryCellStatus.Unavailable);
        stopped["serial_no"].AsInt64()!.Value.ShouldBeGreaterThan(row["serial_no"].AsInt64()!.Value);
        stopped["mtime"].AsDouble()!.Value.ShouldBeGreaterThan(row["mtime"].AsDouble()!.Value);
        stopped["uuid"].AsString().ShouldBe(detail.Uuid);
    }

    [Fact]
    public async Task QueryAsync_FilterOperators_SelectTheExpectedInstances()
    {
        var tag = NewTag("filter");
        var running = await CreateRunningDisklessAsync([tag]);
        var stopped = await CreateRunningDisklessAsync([tag, "ct:stopped"]);
        await RunJobAsync(Client.ShutdownInstanceAsync(stopped, new ShutdownInstanceOptions { Timeout = 0 }), "shutdown");
        var mine = QueryFilter.Contains("tags", tag);

        async Task<IReadOnlyList<string?>> Names(QueryFilter filter) =>
            (await Client.QueryAsync("instance", ["name"], filter)).Rows.Select(r => r["name"].AsString()).ToList();

        (await Names(mine)).ShouldBe([running, stopped], ignoreOrder: true);
        (await Names(QueryFilter.Or(QueryFilter.Equal("name", running), QueryFilter.Equal("name", stopped)))).ShouldBe([running, stopped], ignoreOrder: true);
        (await Names(QueryFilter.And(mine, QueryFilter.Not(QueryFilter.IsTrue("oper_state"))))).ShouldBe([stopped]);
        (await Names(QueryFilter.And(mine, QueryFilter.IsTrue("oper_state")))).ShouldBe([running]);
        (await Names(QueryFilter.And(mine, QueryFilter.Equal("status", "running")))).ShouldBe([running]);
        (await Names(QueryFilter.And(mine, QueryFilter.NotEqual("admin_state", "up")))).ShouldBe([stopped]);
        (await Names(QueryFilter.And(mine, QueryFilter.Contains("tags", "ct:stopped")))).ShouldBe([stopped]);
        (await Names(QueryFilter.And(mine, QueryFilter.GreaterThan("serial_no", 0)))).ShouldBe([running, stopped], ignoreOrder: true);
        (await Names(QueryFilter.And(mine, QueryFilter.LessThan("serial_no", 0)))).ShouldBeEmpty();
        (await Names(QueryFilter.And(mine, QueryFilter.Matches("name", "^" + running + "$")))).ShouldBe([running]);
        (await Names(QueryFilter.And(mine, QueryFilter.Equal("pnode", Target.Nodes[0])))).ShouldBe([running, stopped], ignoreOrder: true);
    }

    [Fact]
    public async Task QueryAsync_FilterOnUnknownField_InternalServerError()
    {
        var ex = await Should.ThrowAsync<RapiInternalServerErrorException>(() =>
            Client.QueryAsync("instance", ["name"], QueryFilter.Equal("ct_no_such_field", 1)));

        ex.ServerMessage.ShouldBe("Can't find field named 'ct_no_such_field'");
    }

    [Fact]
    public async Task QueryAsync_CompareNumberWithString_InternalServerError()
    {
        await CreateRunningDisklessAsync();

        var ex = await Should.ThrowAsync<RapiInternalServerErrorException>(() =>
            Client.QueryAsync("instance", ["name"], QueryFilter.GreaterThan("serial_no", "3")));

        ex.ServerMessage.ShouldStartWith("Invalid types in comparison");
    }

    [Fact]
    public async Task QueryAsync_NodeFields_AgreeWithNodeDetail()
    {
        string[] fields =
        [
            "name", "uuid", "serial_no", "mtime", "ctime", "role", "master", "master_candidate", "offline", "drained", "group", "group.uuid",
            "pip", "sip", "tags", "pinst_cnt", "sinst_cnt", "pinst_list", "sinst_list", "mtotal", "mfree", "mnode", "dtotal", "dfree", "ctotal",
            "master_capable", "vm_capable",
        ];

        var result = await Client.QueryAsync("node", fields);

        result.Fields.Single(f => f.Name == "mfree").Kind.ShouldBe("unit");
        result.Fields.Single(f => f.Name == "master").Kind.ShouldBe("bool");
        result.Rows.Select(r => r["name"].AsString()).ShouldBe(Target.Nodes, ignoreOrder: true);
        var groups = await Client.GetGroupsAsync();
        foreach (var row in result.Rows)
        {
            var node = await Client.GetNodeAsync(row["name"].AsString()!);
            row["uuid"].AsString().ShouldBe(node.Uuid);
            row["serial_no"].AsInt64().ShouldBe(node.SerialNo);
            row["mtime"].AsDouble().ShouldBe(node.MTime);
            row["role"].AsString().ShouldBe(node.RoleCode);
            row["group.uuid"].AsString().ShouldBe(node.GroupUuid);
            row["group"].AsString().ShouldBe(groups.Single(g => g.Uuid == node.GroupUuid).Name);
            row["pip"].AsString().ShouldBe(node.PrimaryIp);
            row["mtotal"].AsInt64().ShouldBe(node.MemoryTotal);
            row["dtotal"].AsInt64().ShouldBe(node.DiskTotal);
            row["ctotal"].AsInt64().ShouldBe(node.CpuTotal);
            row["mfree"].AsInt64().ShouldNotBeNull();
            row["dfree"].AsInt64().ShouldNotBeNull();
            row["pinst_cnt"].AsInt64().ShouldBe(row["pinst_list"].AsStringList()!.Count);
            row["sinst_cnt"].AsInt64().ShouldBe(row["sinst_list"].AsStringList()!.Count);
            row["master"].AsBoolean().ShouldBe(node.RoleCode == "M");
        }
    }

    [Fact]
    public async Task QueryAsync_GroupFields_AgreeWithGroups()
    {
        var result = await Client.QueryAsync("group", ["name", "uuid", "serial_no", "mtime", "node_cnt", "node_list", "alloc_policy"]);
        var groups = await Client.GetGroupsAsync();

        result.Rows.Select(r => r["uuid"].AsString()).ShouldBe(groups.Select(g => g.Uuid), ignoreOrder: true);
        foreach (var row in result.Rows)
        {
            var group = groups.Single(g => g.Uuid == row["uuid"].AsString());
            row["name"].AsString().ShouldBe(group.Name);
            row["serial_no"].AsInt64().ShouldBe(group.SerialNo);
            row["node_cnt"].AsInt64().ShouldBe(group.NodeCount);
            row["node_list"].AsStringList().ShouldBe(group.Nodes);
            row["alloc_policy"].AsString().ShouldBe(group.AllocPolicy);
        }
    }

    [Fact]
    public async Task QueryAsync_JobsAfterId_ListsNewJobsWithTheirFields()
    {
        var before = (await Client.GetJobIdsAsync()).Select(j => j.Value).DefaultIfEmpty(0).Max();
        var job = await RunJobAsync(Client.RedistributeConfigAsync(new JobOptions { Reason = "ct query jobs" }), "redistribute");

        var result = await Client.QueryAsync(
            "job", ["id", "status", "summary", "received_ts", "start_ts", "end_ts", "ops", "opstatus"], QueryFilter.GreaterThan("id", before));

        result.Fields.Select(f => (f.Name, f.Kind)).ShouldBe(
        [
            ("id", "number"), ("status", "text"), ("summary", "other"), ("received_ts", "other"), ("start_ts", "other"), ("end_ts", "other"),
            ("ops", "other"), ("opstatus", "other"),
        ]);
        result.Rows.ShouldAllBe(r => r["id"].AsInt64() > before);
        var row = result.Rows.Single(r => r["id"].AsInt64() == job.Id.Value);
        row["status"].AsString().ShouldBe("success");
        row["summary"].AsStringList().ShouldBe(["CLUSTER_REDIST_CONF"]);
        row["opstatus"].AsStringList().ShouldBe(["success"]);
        row["received_ts"].Value.GetArrayLength().ShouldBe(2);
        row["end_ts"].Value.GetArrayLength().ShouldBe(2);
        var op = JsonNode.Parse(row["ops"].Value.GetRawText())![0]!;
        ((string?)op["OP_ID"]).ShouldBe("OP_CLUSTER_REDIST_CONF");
        ((string?)op["reason"]![0]![1]).ShouldBe("ct query jobs");
    }

    [Fact]
    public async Task QueryAsync_JobStatusFilter_ReturnsOnlyThatStatus()
    {
        await RunJobExpectingFailureAsync(Client.StartupInstanceAsync("ct-not-there"));

        var result = await Client.QueryAsync("job", ["id", "status"], QueryFilter.Equal("status", "error"));

        result.Rows.ShouldNotBeEmpty();
        result.Rows.ShouldAllBe(r => r["status"].AsString() == "error");
    }
}
