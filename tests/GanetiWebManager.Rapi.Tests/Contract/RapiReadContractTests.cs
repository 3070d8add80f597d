using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Rapi.Requests;
using Xunit.Abstractions;

namespace GanetiWebManager.Rapi.Tests.Contract;

/// <summary>Read-only calls: cluster, nodes, instances, groups, networks, generic query.</summary>
public abstract class RapiReadContractTests(IRapiContractTarget target, ITestOutputHelper output)
    : RapiContractTestBase(target, output)
{
    [Fact]
    public async Task GetVersionAndFeatures_Server_IsVersion2WithReqV1Features()
    {
        (await Client.GetVersionAsync()).ShouldBe(2);
        var features = await Client.GetFeaturesAsync();
        features.ShouldContain("instance-create-reqv1");
        features.ShouldContain("instance-reinstall-reqv1");
        features.ShouldContain("node-migrate-reqv1");
        features.ShouldContain("node-evac-res1");
    }

    [Fact]
    public async Task GetClusterInfoAsync_Cluster_NamesMasterAmongNodes()
    {
        var info = await Client.GetClusterInfoAsync();

        info.SoftwareVersion.ShouldNotBeNullOrEmpty();
        info.Name.ShouldNotBeNullOrEmpty();
        Target.Nodes.ShouldContain(info.Master!);
        info.EnabledHypervisors.ShouldNotBeEmpty();
        info.EnabledDiskTemplates.ShouldContain("diskless");
        info.CTime.ShouldNotBeNull();
        info.BeParams.GetNested("default").ContainsKey("maxmem").ShouldBeTrue();
    }

    [Fact]
    public async Task GetOperatingSystemsAsync_Cluster_ListsSandboxOs()
    {
        var os = await Client.GetOperatingSystemsAsync();

        os.ShouldContain(Target.SandboxOs);
        os.ShouldContain(Target.AlternativeOs);
    }

    [Fact]
    public async Task Nodes_BulkNamesDetailAndRole_AgreeWithTarget()
    {
        var names = await Client.GetNodeNamesAsync();
        var nodes = await Client.GetNodesAsync();
        var info = await Client.GetClusterInfoAsync();

        names.OrderBy(n => n).ShouldBe(Target.Nodes.OrderBy(n => n));
        nodes.Select(n => n.Name).OrderBy(n => n).ShouldBe(Target.Nodes.OrderBy(n => n));
        nodes.ShouldAllBe(n => n.Uuid != null && n.GroupUuid != null && n.SerialNo != null);
        var master = await Client.GetNodeAsync(info.Master!);
        master.Role.ShouldBe(NodeRole.Master);
        master.MemoryTotal.ShouldNotBeNull();
        (await Client.GetNodeRoleAsync(info.Master!)).ShouldBe(NodeRole.Master);
        await Client.GetNodeTagsAsync(info.Master!);
    }

    [Fact]
    public async Task Instances_BulkAndNames_AreConsistent()
    {
        var names = await Client.GetInstanceNamesAsync();
        var instances = await Client.GetInstancesAsync();

        // Other suites create and delete instances meanwhile; only instances seen in both can be compared.
        var common = names.Intersect(instances.Select(i => i.Name)).ToList();
        foreach (var instance in instances.Where(i => common.Contains(i.Name)))
        {
            instance.Uuid.ShouldNotBeNullOrEmpty();
            instance.AdminState.ShouldBeOneOf("up", "down", "offline");
        }
    }

    [Fact]
    public async Task QueryAsync_NodeFieldsWithoutFilter_ReturnsEveryNode()
    {
        var result = await Client.QueryAsync("node", ["name", "master", "serial_no", "mtime", "group.uuid"]);

        result.Fields.Select(f => f.Name).ShouldBe(["name", "master", "serial_no", "mtime", "group.uuid"]);
        result.Rows.Select(r => r["name"].AsString()).OrderBy(n => n).ShouldBe(Target.Nodes.OrderBy(n => n));
        result.Rows.ShouldAllBe(r => r["serial_no"].AsInt64() != null);
    }

    [Fact]
    public async Task QueryAsync_MasterFilter_ReturnsOnlyMaster()
    {
        var info = await Client.GetClusterInfoAsync();

        var result = await Client.QueryAsync("node", ["name", "master"], QueryFilter.IsTrue("master"));

        result.Rows.Count.ShouldBe(1);
        result.Rows[0]["name"].AsString().ShouldBe(info.Master);
        result.Rows[0]["master"].AsBoolean().ShouldBe(true);
    }

    [Fact]
    public async Task QueryAsync_UnknownField_HasUnknownFieldStatus()
    {
        var result = await Client.QueryAsync("node", ["name", "no_such_field_ct"]);

        result.Fields[1].Kind.ShouldBe("unknown");
        result.Rows.ShouldAllBe(r => r[1].Status == QueryCellStatus.UnknownField);
    }

    [Fact]
    public async Task QueryAsync_ReadOnlyUser_MayQuery()
    {
        using var readOnly = CreateClient(Target.ReadOnlyUser, Target.ReadOnlyPassword);

        var result = await readOnly.QueryAsync("instance", ["name", "uuid", "serial_no", "mtime", "pnode", "snodes", "admin_state"]);

        result.Fields.Count.ShouldBe(7);
    }

    [Fact]
    public async Task Groups_BulkNamesAndDetail_Agree()
    {
        var groups = await Client.GetGroupsAsync();
        var names = await Client.GetGroupNamesAsync();
        var nodes = await Client.GetNodesAsync();

        groups.Select(g => g.Name).ShouldBe(names, ignoreOrder: true);
        groups.SelectMany(g => g.Nodes).ShouldBe(Target.Nodes, ignoreOrder: true);
        var first = await Client.GetGroupAsync(names[0]);
        first.Uuid.ShouldNotBeNullOrEmpty();
        nodes.ShouldAllBe(n => groups.Any(g => g.Uuid == n.GroupUuid));
    }

    [Fact]
    public async Task Networks_BulkNamesAndDetail_Agree()
    {
        var networks = await Client.GetNetworksAsync();
        var names = await Client.GetNetworkNamesAsync();

        networks.Select(n => n.Name).ShouldBe(names, ignoreOrder: true);
        foreach (var name in names)
        {
            (await Client.GetNetworkAsync(name)).Network.ShouldNotBeNullOrEmpty();
        }
    }

    [Fact]
    public async Task GetJobsAsync_Bulk_HasStatuses()
    {
        var ids = await Client.GetJobIdsAsync();
        var jobs = await Client.GetJobsAsync();

        jobs.ShouldAllBe(j => j.Status != JobStatus.Unknown);
        if (ids.Count > 0)
        {
            var job = await Client.GetJobAsync(ids[0]);
            job.Id.ShouldBe(ids[0]);
        }
    }
}
