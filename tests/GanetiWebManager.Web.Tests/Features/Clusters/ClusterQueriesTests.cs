using GanetiWebManager.Testing.Inventory;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Features.Clusters;
using GanetiWebManager.Web.Features.Health;
using GanetiWebManager.Web.Tests.TestData;

namespace GanetiWebManager.Web.Tests.Features.Clusters;

public sealed class ClusterQueriesTests(InventoryWorld world) : IClassFixture<InventoryWorld>
{
    private static readonly System.Security.Claims.ClaimsPrincipal Admin = TestPrincipals.Superuser();

    private async Task<ClusterSummary> SummaryAsync(string slug) =>
        (await world.Clusters.ListAsync(Admin, CancellationToken.None)).Single(c => c.Slug == slug);

    [Fact]
    public async Task ListAsync_EveryCluster_BySlug()
    {
        var clusters = await world.Clusters.ListAsync(Admin, CancellationToken.None);

        var slugs = clusters.Select(c => c.Slug).ToList();
        slugs.ShouldBe(slugs.Order(StringComparer.Ordinal));
        slugs.ShouldBeSubsetOf(["alpha", "beta", "gamma", "errors"]);
        slugs.ShouldContain("alpha");
        slugs.ShouldContain("gamma");
    }

    [Fact]
    public async Task ListAsync_Capacity_IsNodeTotalsAgainstVmAllocations()
    {
        var alpha = (await SummaryAsync("alpha")).Capacity;

        // Nodes: node1 and node2 report 64 GiB, 1 TiB and 16 CPUs each; node3 is offline and reports nothing.
        alpha.MemoryTotalMiB.ShouldBe(2 * 65536);
        alpha.DiskTotalMiB.ShouldBe(2 * 1048576);
        alpha.CpuTotal.ShouldBe(32);
        alpha.MemoryFreeMiB.ShouldBe(2 * 32768);
        // Memory and vCPUs: VMs meant to run (admin up) and not missing: web1, web2, db1, mail (USER_down), broken, leaving.
        alpha.MemoryAllocatedMiB.ShouldBe(2048 + 4096 + 16384 + 1024 + 512 + 1024);
        alpha.VcpusAllocated.ShouldBe(2 + 2 + 8 + 1 + 1 + 1);
        // Disk: every VM not missing, build1 (admin down) included.
        alpha.DiskAllocatedMiB.ShouldBe(20480 + 10240 + 102400 + 40960 + 10240 + 10240 + 10240);
    }

    [Fact]
    public async Task ListAsync_MissingNodesAndVms_UseNothing()
    {
        var beta = await SummaryAsync("beta");

        beta.NodeCount.ShouldBe(1, "node9 is missing from Ganeti");
        beta.Capacity.MemoryTotalMiB.ShouldBe(32768);
        beta.Capacity.CpuTotal.ShouldBe(8);
        beta.Capacity.MemoryAllocatedMiB.ShouldBe(512, "only web1 is up; the 20 batch VMs are down");
        beta.Capacity.DiskAllocatedMiB.ShouldBe(10240 + Enumerable.Range(1, 20).Sum(n => 1024L * n));
    }

    [Fact]
    public async Task ListAsync_VmCounts_RunningTotalAndMissing()
    {
        (await SummaryAsync("alpha")).Vms.ShouldBe(new VmCounts(Total: 7, Running: 4, Missing: 1));
        (await SummaryAsync("beta")).Vms.ShouldBe(new VmCounts(Total: 21, Running: 1, Missing: 0));
        (await SummaryAsync("gamma")).Vms.ShouldBe(new VmCounts(0, 0, 0));
    }

    [Fact]
    public async Task ListAsync_Health_OkFailingAndNeverSynced()
    {
        var alpha = await SummaryAsync("alpha");
        var beta = await SummaryAsync("beta");
        var gamma = await SummaryAsync("gamma");

        alpha.Health.Status.ShouldBe(ClusterHealthStatus.Ok);
        alpha.Health.DataAge.ShouldBe(TimeSpan.FromSeconds(20));
        beta.Health.Status.ShouldBe(ClusterHealthStatus.Failing);
        beta.Health.DataAge.ShouldBe(TimeSpan.FromMinutes(10));
        beta.Health.LastError.ShouldBe("Connection refused (beta.cluster.invalid:5080)");
        gamma.Health.Status.ShouldBe(ClusterHealthStatus.NeverSynced);
        gamma.Capacity.ShouldBe(new ClusterCapacity(0, 0, 0, 0, 0, 0, 0, 0));
    }

    [Fact]
    public async Task GetAsync_ExistingSlug_ReturnsMirroredInfoWithoutCredentials()
    {
        var alpha = await world.Clusters.GetAsync(Admin, " Alpha ", CancellationToken.None);

        alpha.ShouldNotBeNull();
        alpha.Id.ShouldBe(world.Alpha.Id);
        alpha.Summary.SoftwareVersion.ShouldBe("3.0.2");
        alpha.EnabledHypervisors.ShouldBe(["kvm", "fake"]);
        alpha.EnabledDiskTemplates.ShouldBe(["plain", "drbd", "file"]);
        alpha.DefaultIallocator.ShouldBe("hail");
        alpha.Summary.Capacity.ShouldBe((await SummaryAsync("alpha")).Capacity);
        typeof(ClusterDetail).GetProperties().ShouldNotContain(p => p.Name.Contains("Password", StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("nosuchcluster")]
    [InlineData("")]
    [InlineData("   ")]
    public async Task GetAsync_UnknownSlug_ReturnsNull(string slug) =>
        (await world.Clusters.GetAsync(Admin, slug, CancellationToken.None)).ShouldBeNull();

    [Fact]
    public async Task ListErrorsAsync_OpenOrAll_NewestFirst()
    {
        var cluster = await world.Build.AddClusterAsync("errors");
        var now = world.Clock.GetUtcNow();
        await world.Build.AddErrorAsync(cluster, ClusterErrorKind.Timeout, "old, cleared", e => (e.LastAt, e.ClearedAt) = (now.AddHours(-2), now.AddHours(-1)));
        await world.Build.AddErrorAsync(cluster, ClusterErrorKind.AuthenticationFailed, "401 Unauthorized", e => (e.LastAt, e.Count) = (now.AddMinutes(-1), 42));
        await world.Build.AddErrorAsync(cluster, ClusterErrorKind.Unreachable, "earlier", e => e.LastAt = now.AddMinutes(-5));

        var open = await world.Clusters.ListErrorsAsync(Admin, cluster.Id, includeCleared: false, 100, CancellationToken.None);
        var all = await world.Clusters.ListErrorsAsync(Admin, cluster.Id, includeCleared: true, 100, CancellationToken.None);
        var detail = await world.Clusters.GetAsync(Admin, "errors", CancellationToken.None);

        open.Select(e => e.Message).ShouldBe(["401 Unauthorized", "earlier"]);
        open[0].Count.ShouldBe(42);
        open[0].ClusterSlug.ShouldBe("errors");
        all.Select(e => e.Message).ShouldBe(["401 Unauthorized", "earlier", "old, cleared"]);
        detail!.OpenErrorCount.ShouldBe(2);
        (await world.Clusters.ListErrorsAsync(Admin, null, includeCleared: false, 100, CancellationToken.None))
            .ShouldContain(e => e.Message == "401 Unauthorized");
    }

    [Fact]
    public async Task EveryQuery_NotASuperuser_GetsNothing()
    {
        var regular = TestPrincipals.Regular();

        (await world.Clusters.ListAsync(regular, CancellationToken.None)).ShouldBeEmpty();
        (await world.Clusters.ListOptionsAsync(regular, CancellationToken.None)).ShouldBeEmpty();
        (await world.Clusters.GetAsync(regular, "alpha", CancellationToken.None)).ShouldBeNull();
        (await world.Clusters.ListErrorsAsync(regular, null, true, 100, CancellationToken.None)).ShouldBeEmpty();
    }
}
