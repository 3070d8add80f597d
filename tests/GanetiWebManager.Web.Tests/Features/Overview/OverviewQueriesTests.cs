using GanetiWebManager.Testing.Inventory;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Tests.TestData;

namespace GanetiWebManager.Web.Tests.Features.Overview;

public sealed class OverviewQueriesTests(InventoryWorld world) : IClassFixture<InventoryWorld>
{
    [Fact]
    public async Task GetAsync_Superuser_SeesTotalsRecentJobsAndOpenErrors()
    {
        for (var i = 0; i < 12; i++)
        {
            var n = i;
            await world.Build.AddJobAsync(world.Alpha, j => (j.CreatedAt, j.GanetiJobId) = (world.Clock.GetUtcNow().AddMinutes(-n), 500 + n));
        }

        await world.Build.AddErrorAsync(world.Beta, ClusterErrorKind.Unreachable, "Connection refused");
        await world.Build.AddErrorAsync(world.Beta, ClusterErrorKind.Timeout, "cleared one", e => e.ClearedAt = world.Clock.GetUtcNow());

        var overview = await world.Overview.GetAsync(TestPrincipals.Superuser(), CancellationToken.None);

        overview.Clusters.Count.ShouldBe(3);
        overview.VmsRunning.ShouldBe(4 + 1, "alpha: web1, web2, db1, leaving; beta: web1");
        overview.VmsTotal.ShouldBe(7 + 21);
        overview.RecentJobs.Count.ShouldBe(10);
        overview.RecentJobs[0].GanetiJobId.ShouldBe(500);
        overview.OpenErrors.Select(e => e.Message).ShouldBe(["Connection refused"]);
    }

    [Fact]
    public async Task GetAsync_NotASuperuser_SeesNothing()
    {
        var overview = await world.Overview.GetAsync(TestPrincipals.Regular(), CancellationToken.None);

        overview.Clusters.ShouldBeEmpty();
        overview.RecentJobs.ShouldBeEmpty();
        overview.OpenErrors.ShouldBeEmpty();
        overview.VmsTotal.ShouldBe(0);
    }
}
