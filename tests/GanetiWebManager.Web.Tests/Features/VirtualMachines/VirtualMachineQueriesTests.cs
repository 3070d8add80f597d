using GanetiWebManager.Testing.Inventory;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Features.Health;
using GanetiWebManager.Web.Features.VirtualMachines;
using GanetiWebManager.Web.Tests.TestData;

namespace GanetiWebManager.Web.Tests.Features.VirtualMachines;

public sealed class VirtualMachineQueriesTests(InventoryWorld world) : IClassFixture<InventoryWorld>
{
    private static readonly System.Security.Claims.ClaimsPrincipal Admin = TestPrincipals.Superuser();

    private static List<string> Fqdns(params string[] names) => [.. names.Select(InventoryWorld.Fqdn)];

    private async Task<PagedResult<VmRow>> ListAsync(VmQuery query) => await world.Vms.ListAsync(Admin, query, CancellationToken.None);

    private async Task<List<string>> NamesAsync(VmQuery query) =>
        [.. (await ListAsync(query with { PageSize = Paging.MaxPageSize })).Rows.Select(r => $"{r.ClusterSlug}/{r.Name.Replace(InventoryWorld.Domain, "", StringComparison.Ordinal)}")];

    [Fact]
    public async Task ListAsync_NoFilter_CountsEveryVmAndReturnsOnlyOnePage()
    {
        var page = await ListAsync(new VmQuery { PageSize = 10 });

        page.Total.ShouldBe(InventoryWorld.VmCount);
        page.Rows.Count.ShouldBe(10);
        page.PageCount.ShouldBe(3);
        (page.FirstRow, page.LastRow).ShouldBe((1, 10));
    }

    [Fact]
    public async Task ListAsync_AllPages_CoverEveryVmOnceInOrder()
    {
        var seen = new List<VmRow>();
        for (var p = 1; p <= 3; p++)
        {
            var page = await ListAsync(new VmQuery { PageSize = 10, Page = p });
            page.Page.ShouldBe(p);
            seen.AddRange(page.Rows);
        }

        seen.Count.ShouldBe(InventoryWorld.VmCount);
        seen.Select(r => r.Id).Distinct().Count().ShouldBe(InventoryWorld.VmCount, "pages must not overlap");
        seen.Select(r => r.Name).ShouldBe(seen.Select(r => r.Name).OrderBy(n => n, StringComparer.Ordinal), "name order runs across pages");
        (await ListAsync(new VmQuery { PageSize = 10, Page = 3 })).Rows.Count.ShouldBe(9);
    }

    [Fact]
    public async Task ListAsync_PageBeyondTheEnd_ReturnsTheLastPage()
    {
        var page = await ListAsync(new VmQuery { PageSize = 10, Page = 99 });

        page.Page.ShouldBe(3);
        page.Rows.Count.ShouldBe(9);
    }

    [Fact]
    public async Task ListAsync_HugePageSize_IsCappedAtTheMaximum()
    {
        var page = await ListAsync(new VmQuery { PageSize = 100_000 });

        page.PageSize.ShouldBe(Paging.MaxPageSize);
    }

    [Theory]
    [InlineData(VmSort.Vcpus)]
    [InlineData(VmSort.Memory)]
    [InlineData(VmSort.Disk)]
    public async Task ListAsync_NumericSort_OrdersByTheColumnThenByName(VmSort sort)
    {
        long Key(VmRow r) => sort switch
        {
            VmSort.Vcpus => r.Vcpus!.Value,
            VmSort.Memory => r.MaxMemoryMiB!.Value,
            _ => r.DiskTotalMiB,
        };

        var ascending = (await ListAsync(new VmQuery { Sort = sort, PageSize = 100 })).Rows;
        var descending = (await ListAsync(new VmQuery { Sort = sort, Descending = true, PageSize = 100 })).Rows;

        ascending.ShouldBe(ascending.OrderBy(Key).ThenBy(r => r.Name, StringComparer.Ordinal).ThenBy(r => r.Id));
        descending.ShouldBe(descending.OrderByDescending(Key).ThenBy(r => r.Name, StringComparer.Ordinal).ThenBy(r => r.Id));
        ascending.Count.ShouldBe(InventoryWorld.VmCount);
    }

    [Fact]
    public async Task ListAsync_SortByMemoryDescending_StartsWithTheBiggestVm()
    {
        var first = (await ListAsync(new VmQuery { Sort = VmSort.Memory, Descending = true, PageSize = 3 })).Rows;

        first.Select(r => r.Name).ShouldBe(Fqdns("db1", "build1", "gone"));
    }

    [Fact]
    public async Task ListAsync_SortByName_BothWays()
    {
        var ascending = await NamesAsync(new VmQuery());
        var descending = await NamesAsync(new VmQuery { Descending = true });

        ascending[0].ShouldBe("beta/batch-01");
        ascending[^1].ShouldBe("alpha/web2");
        descending.ShouldBe(Enumerable.Reverse(ascending));
    }

    [Fact]
    public async Task ListAsync_SortByCluster_GroupsClustersThenNames()
    {
        var names = await NamesAsync(new VmQuery { Sort = VmSort.Cluster });

        names.Take(8).ShouldBe(["alpha/broken", "alpha/build1", "alpha/db1", "alpha/gone", "alpha/leaving", "alpha/mail", "alpha/web1", "alpha/web2"]);
        names.Skip(8).ShouldAllBe(n => n.StartsWith("beta/", StringComparison.Ordinal));
        (await NamesAsync(new VmQuery { Sort = VmSort.Cluster, Descending = true }))[0].ShouldBe("beta/batch-01");
    }

    [Fact]
    public async Task ListAsync_SortByOs_PutsEachOsTogether()
    {
        var rows = (await ListAsync(new VmQuery { Sort = VmSort.Os, PageSize = 100 })).Rows;

        rows.Select(r => r.Os).ShouldBe(rows.Select(r => r.Os).OrderBy(o => o, StringComparer.Ordinal));
        rows[0].Os.ShouldBe("debootstrap+bookworm");
        rows[^1].Os.ShouldBe("image+alma-9");
    }

    [Fact]
    public async Task ListAsync_SortByNode_OrdersByPrimaryNode()
    {
        var rows = (await ListAsync(new VmQuery { Sort = VmSort.Node, PageSize = 100 })).Rows;

        rows.Select(r => r.PrimaryNode).ShouldBe(rows.Select(r => r.PrimaryNode).OrderBy(o => o, StringComparer.Ordinal));
        rows.Take(4).Select(r => r.Name).ShouldBe(Fqdns("broken", "db1", "mail", "web1"));
    }

    [Fact]
    public async Task ListAsync_SortByOwner_OrdersByOwnerNameWithOrphansLast()
    {
        var rows = (await ListAsync(new VmQuery { Sort = VmSort.Owner, PageSize = 100 })).Rows;

        var owned = rows.TakeWhile(r => r.Owner is not null).Select(r => r.Owner!.Name).ToList();
        owned.ShouldBe(["alice", "alice", "alice", "bob", "bob", "ops team", "ops team"]);
        rows.Skip(owned.Count).ShouldAllBe(r => r.Owner == null);
        (await ListAsync(new VmQuery { Sort = VmSort.Owner, Descending = true, PageSize = 1 })).Rows[0].Owner.ShouldBeNull("descending puts the orphans (no name) first");
    }

    [Fact]
    public async Task ListAsync_SortByStatus_KeepsEachStatusTogetherAndReversesTheGroups()
    {
        var ascending = (await ListAsync(new VmQuery { Sort = VmSort.Status, PageSize = 100 })).Rows.Select(r => r.Status).ToList();
        var descending = (await ListAsync(new VmQuery { Sort = VmSort.Status, Descending = true, PageSize = 100 })).Rows.Select(r => r.Status).ToList();

        // Whatever the database's collation, equal statuses are adjacent and the reverse order reverses the groups.
        Groups(ascending).Count.ShouldBe(ascending.Distinct().Count());
        Groups(descending).ShouldBe(Enumerable.Reverse(Groups(ascending)));

        static List<string?> Groups(List<string?> statuses) =>
            [.. statuses.Where((s, i) => i == 0 || statuses[i - 1] != s)];
    }

    [Theory]
    [InlineData("beta", null, null, null, 21)]
    [InlineData("BETA", null, null, null, 21)]
    [InlineData("alpha", null, null, null, 8)]
    [InlineData("nosuchcluster", null, null, null, 0)]
    [InlineData(null, "running", null, null, 4)]
    [InlineData(null, "ADMIN_down", null, null, 21)]
    [InlineData(null, "admin_DOWN", null, null, 21)]
    [InlineData(null, "USER_down", null, null, 1)]
    [InlineData(null, "error", null, null, 1)]
    [InlineData(null, "missing", null, null, 1)]
    [InlineData(null, "pending-delete", null, null, 1)]
    [InlineData(null, "no-such-status", null, null, 0)]
    [InlineData(null, null, "user:alice", null, 3)]
    [InlineData(null, null, "user:ALICE", null, 3)]
    [InlineData(null, null, "user:nobody", null, 0)]
    [InlineData(null, null, "group:ops", null, 2)]
    [InlineData(null, null, "group:nogroup", null, 0)]
    [InlineData(null, null, "orphans", null, 22)]
    [InlineData(null, null, "someone", null, 0)]
    [InlineData(null, null, null, "image+alma-9", 1)]
    [InlineData(null, null, null, "debootstrap+default", 27)]
    [InlineData(null, null, null, "windows", 0)]
    [InlineData("alpha", "running", "user:alice", null, 2)]
    [InlineData("beta", "running", null, null, 1)]
    public async Task ListAsync_Filter_CountsAndReturnsOnlyMatchingVms(string? cluster, string? status, string? owner, string? os, int expected)
    {
        var query = new VmQuery { Cluster = cluster, Status = status, Owner = owner, Os = os, PageSize = 100 };

        var page = await ListAsync(query);

        page.Total.ShouldBe(expected);
        page.Rows.Count.ShouldBe(expected);
        if (cluster is not null)
        {
            page.Rows.ShouldAllBe(r => string.Equals(r.ClusterSlug, cluster, StringComparison.OrdinalIgnoreCase));
        }

        if (os is not null)
        {
            page.Rows.ShouldAllBe(r => r.Os == os);
        }
    }

    [Fact]
    public async Task ListAsync_StatusFilter_AgreesWithTheStatusChip()
    {
        (await NamesAsync(new VmQuery { Status = "running" })).ShouldBe(["alpha/db1", "beta/web1", "alpha/web1", "alpha/web2"], ignoreOrder: true);
        (await NamesAsync(new VmQuery { Status = "missing" })).ShouldBe(["alpha/gone"]);
        (await NamesAsync(new VmQuery { Status = "pending-delete" })).ShouldBe(["alpha/leaving"]);
        (await NamesAsync(new VmQuery { Status = "error" })).ShouldBe(["alpha/broken"]);
    }

    [Fact]
    public async Task ListAsync_OwnerFilter_ReturnsTheOwnersVmsWithTheirOwner()
    {
        var alice = await ListAsync(new VmQuery { Owner = "user:alice" });
        var ops = await ListAsync(new VmQuery { Owner = "group:ops" });
        var orphans = await ListAsync(new VmQuery { Owner = VmQuery.OwnerOrphans, PageSize = 100 });

        alice.Rows.Select(r => r.Name).ShouldBe(Fqdns("gone", "web1", "web2"));
        alice.Rows.ShouldAllBe(r => r.Owner == new OwnerRef(OwnerKind.User, "alice", "user:alice"));
        ops.Rows.ShouldAllBe(r => r.Owner == new OwnerRef(OwnerKind.Group, "ops team", "group:ops"));
        orphans.Rows.ShouldAllBe(r => r.Owner == null);
    }

    [Theory]
    [InlineData(VmNodePlacement.PrimaryOrSecondary, new[] { "build1", "db1", "leaving", "web2" })]
    [InlineData(VmNodePlacement.Primary, new[] { "build1", "leaving", "web2" })]
    [InlineData(VmNodePlacement.Secondary, new[] { "db1" })]
    public async Task ListAsync_NodeFilter_MatchesPrimaryAndOrSecondary(VmNodePlacement placement, string[] expected)
    {
        var names = await NamesAsync(new VmQuery { Node = "node2.alpha.invalid", NodePlacement = placement });

        names.ShouldBe(expected.Select(e => "alpha/" + e));
    }

    [Theory]
    [InlineData("web", new[] { "alpha/web1", "alpha/web2", "beta/web1" })]
    [InlineData("WEB1", new[] { "alpha/web1", "beta/web1" })]
    [InlineData("10.0.1.5", new[] { "alpha/db1" })]
    [InlineData("10.0.0.1", new[] { "alpha/web1", "alpha/web2" })]
    [InlineData("backup", new[] { "alpha/db1" })]
    [InlineData("bookworm", new[] { "alpha/mail" })]
    [InlineData("node2.alpha", new[] { "alpha/build1", "alpha/db1", "alpha/leaving", "alpha/web2" })]
    [InlineData("alic", new[] { "alpha/gone", "alpha/web1", "alpha/web2" })]
    [InlineData("ops team", new[] { "alpha/db1", "beta/web1" })]
    [InlineData("web alice", new[] { "alpha/web1", "alpha/web2" })]
    [InlineData("%", new string[0])]
    [InlineData("_", new string[0])]
    [InlineData("nothing-like-this", new string[0])]
    public async Task ListAsync_Search_MatchesNameAddressOsNodeTagAndOwner(string search, string[] expected)
    {
        var names = await NamesAsync(new VmQuery { Search = search });

        names.ShouldBe(expected, ignoreOrder: true);
        (await ListAsync(new VmQuery { Search = search })).Total.ShouldBe(expected.Length);
    }

    [Fact]
    public async Task ListAsync_SearchByMac_FindsTheVm()
    {
        var mac = world.AlphaVms["build1"].Nics[0].Mac!;

        (await NamesAsync(new VmQuery { Search = mac.ToUpperInvariant() })).ShouldBe(["alpha/build1"]);
        (await NamesAsync(new VmQuery { Search = mac[^5..] })).ShouldContain("alpha/build1");
    }

    [Fact]
    public async Task ListAsync_SearchWithFilterAndSort_CombinesThem()
    {
        var page = await ListAsync(new VmQuery { Search = "example", Cluster = "beta", Status = "ADMIN_down", Sort = VmSort.Disk, Descending = true, PageSize = 5, Page = 2 });

        page.Total.ShouldBe(20);
        page.Rows.Select(r => r.Name).ShouldBe(Fqdns("batch-15", "batch-14", "batch-13", "batch-12", "batch-11"));
    }

    [Fact]
    public async Task ListAsync_NotASuperuser_GetsNothing()
    {
        var regular = await world.Vms.ListAsync(TestPrincipals.Regular(), new VmQuery(), CancellationToken.None);
        var anonymous = await world.Vms.ListAsync(TestPrincipals.Anonymous(), new VmQuery(), CancellationToken.None);

        regular.Total.ShouldBe(0);
        regular.Rows.ShouldBeEmpty();
        anonymous.Rows.ShouldBeEmpty();
    }

    [Fact]
    public async Task GetAsync_ExistingVm_ReturnsEverythingThePageShows()
    {
        var db1 = await world.Vms.GetAsync(Admin, "ALPHA", InventoryWorld.Fqdn("DB1"), CancellationToken.None);

        db1.ShouldNotBeNull();
        db1.Id.ShouldBe(world.AlphaVms["db1"].Id);
        db1.ClusterSlug.ShouldBe("alpha");
        db1.Owner.ShouldBe(new OwnerRef(OwnerKind.Group, "ops team", "group:ops"));
        db1.Disks.Select(d => (d.Name, d.SizeMiB)).ShouldBe([("root", 51200L), ("data", 51200L)]);
        db1.DiskTotalMiB.ShouldBe(102400);
        db1.Nics.Single().Ip.ShouldBe("10.0.1.5");
        db1.SecondaryNodes.ShouldBe(["node2.alpha.invalid"]);
        db1.Tags.ShouldBe(["backup-daily"]);
        db1.ClusterHealth.Status.ShouldBe(ClusterHealthStatus.Ok);
    }

    [Fact]
    public async Task GetAsync_SameNameInTwoClusters_ReturnsTheOneOfTheCluster()
    {
        var alpha = await world.Vms.GetAsync(Admin, "alpha", InventoryWorld.Fqdn("web1"), CancellationToken.None);
        var beta = await world.Vms.GetAsync(Admin, "beta", InventoryWorld.Fqdn("web1"), CancellationToken.None);

        alpha!.Id.ShouldBe(world.AlphaVms["web1"].Id);
        beta!.Id.ShouldBe(world.BetaWeb1.Id);
        beta.ClusterHealth.Status.ShouldBe(ClusterHealthStatus.Failing);
        beta.ClusterHealth.LastError.ShouldBe("Connection refused (beta.cluster.invalid:5080)");
    }

    [Theory]
    [InlineData("alpha", "nosuchvm.example.org")]
    [InlineData("nosuchcluster", "web1.example.org")]
    [InlineData("gamma", "web1.example.org")]
    [InlineData("", "")]
    public async Task GetAsync_Unknown_ReturnsNull(string cluster, string name) =>
        (await world.Vms.GetAsync(Admin, cluster, name, CancellationToken.None)).ShouldBeNull();

    [Fact]
    public async Task GetAsync_NotASuperuser_ReturnsNull() =>
        (await world.Vms.GetAsync(TestPrincipals.Regular(), "alpha", InventoryWorld.Fqdn("web1"), CancellationToken.None)).ShouldBeNull();

    [Fact]
    public async Task GetFilterOptionsAsync_ListsClustersOwnersNodesAndOperatingSystems()
    {
        var all = await world.Vms.GetFilterOptionsAsync(Admin, null, CancellationToken.None);
        var beta = await world.Vms.GetFilterOptionsAsync(Admin, "beta", CancellationToken.None);

        all.Clusters.Select(c => c.Slug).ShouldBe(["alpha", "beta", "gamma"]);
        // A superuser is offered every user and group (the test superuser "admin" owns nothing, and is listed too).
        all.Owners.Select(o => o.Key).ShouldBe(["user:admin", "user:alice", "user:bob", "group:ops"]);
        all.OperatingSystems.ShouldBe(["debootstrap+bookworm", "debootstrap+default", "image+alma-9"]);
        beta.Nodes.ShouldBe(["node1.beta.invalid", "node9.beta.invalid"]);
        beta.OperatingSystems.ShouldBe(["debootstrap+default"]);
        (await world.Vms.GetFilterOptionsAsync(TestPrincipals.Regular(), null, CancellationToken.None)).Owners.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("a_b%c\\d", "a\\_b\\%c\\\\d")]
    [InlineData("plain", "plain")]
    public void EscapeLike_SpecialCharacters_AreTakenLiterally(string text, string expected) =>
        VirtualMachineQueries.EscapeLike(text).ShouldBe(expected);
}
