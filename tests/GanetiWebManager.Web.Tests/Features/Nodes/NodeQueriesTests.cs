using GanetiWebManager.Testing.Inventory;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Tests.TestData;

namespace GanetiWebManager.Web.Tests.Features.Nodes;

public sealed class NodeQueriesTests(InventoryWorld world) : IClassFixture<InventoryWorld>
{
    private static readonly System.Security.Claims.ClaimsPrincipal Admin = TestPrincipals.Superuser();

    [Fact]
    public async Task ListAsync_AllClusters_ByClusterThenName()
    {
        var page = await world.Nodes.ListAsync(Admin, null, 1, 50, CancellationToken.None);

        page.Total.ShouldBe(5);
        page.Rows.Select(n => n.Name).ShouldBe(["node1.alpha.invalid", "node2.alpha.invalid", "node3.alpha.invalid", "node1.beta.invalid", "node9.beta.invalid"]);
    }

    [Fact]
    public async Task ListAsync_OneCluster_PagedInTheDatabase()
    {
        var first = await world.Nodes.ListAsync(Admin, "alpha", 1, 2, CancellationToken.None);
        var second = await world.Nodes.ListAsync(Admin, "alpha", 2, 2, CancellationToken.None);

        first.Total.ShouldBe(3);
        first.Rows.Count.ShouldBe(2);
        second.Rows.Select(n => n.Name).ShouldBe(["node3.alpha.invalid"]);
        (await world.Nodes.ListAsync(Admin, "nosuchcluster", 1, 50, CancellationToken.None)).Total.ShouldBe(0);
    }

    [Fact]
    public async Task ListAsync_Allocations_AreTheUpVmsTheNodeIsPrimaryFor()
    {
        var rows = (await world.Nodes.ListAsync(Admin, "alpha", 1, 50, CancellationToken.None)).Rows.ToDictionary(n => n.Name);

        // node1: web1, db1, mail, broken (all meant to run).
        rows["node1.alpha.invalid"].MemoryAllocatedMiB.ShouldBe(2048 + 16384 + 1024 + 512);
        rows["node1.alpha.invalid"].VcpusAllocated.ShouldBe(2 + 8 + 1 + 1);
        rows["node1.alpha.invalid"].PrimaryVmsInPortal.ShouldBe(4);
        // node2: web2 and leaving are up; build1 is down.
        rows["node2.alpha.invalid"].MemoryAllocatedMiB.ShouldBe(4096 + 1024);
        rows["node2.alpha.invalid"].PrimaryVmsInPortal.ShouldBe(3);
        // node3 hosted only the VM that is gone.
        rows["node3.alpha.invalid"].MemoryAllocatedMiB.ShouldBe(0);
        rows["node3.alpha.invalid"].Role.ShouldBe(NodeRole.Offline);
        rows["node3.alpha.invalid"].MemoryTotalMiB.ShouldBeNull();
    }

    [Fact]
    public async Task GetAsync_Node_HasItsDetailsAndTheDiskOfEveryCopyOnIt()
    {
        var node2 = await world.Nodes.GetAsync(Admin, "alpha", "NODE2.alpha.invalid", CancellationToken.None);

        node2.ShouldNotBeNull();
        node2.Row.ClusterSlug.ShouldBe("alpha");
        node2.PrimaryIp.ShouldBe("192.0.2.1");
        // Primary for web2, build1, leaving; secondary (DRBD) for db1.
        node2.DiskAllocatedMiB.ShouldBe(10240 + 40960 + 10240 + 102400);
    }

    [Fact]
    public async Task GetAsync_MissingNode_IsFlagged()
    {
        var node9 = await world.Nodes.GetAsync(Admin, "beta", "node9.beta.invalid", CancellationToken.None);

        node9!.Row.MissingSince.ShouldNotBeNull();
        node9.ClusterHealth.Status.ShouldBe(Web.Features.Health.ClusterHealthStatus.Failing);
    }

    [Theory]
    [InlineData("alpha", "node9.beta.invalid")]
    [InlineData("beta", "node1.alpha.invalid")]
    [InlineData("nosuchcluster", "node1.alpha.invalid")]
    public async Task GetAsync_NodeOfAnotherClusterOrUnknown_ReturnsNull(string cluster, string node) =>
        (await world.Nodes.GetAsync(Admin, cluster, node, CancellationToken.None)).ShouldBeNull();

    [Fact]
    public async Task EveryQuery_NotASuperuser_GetsNothing()
    {
        (await world.Nodes.ListAsync(TestPrincipals.Regular(), null, 1, 50, CancellationToken.None)).Total.ShouldBe(0);
        (await world.Nodes.GetAsync(TestPrincipals.Regular(), "alpha", "node1.alpha.invalid", CancellationToken.None)).ShouldBeNull();
    }
}
