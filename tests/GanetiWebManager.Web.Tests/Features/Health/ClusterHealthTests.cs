using GanetiWebManager.Web.Features.Health;

namespace GanetiWebManager.Web.Tests.Features.Health;

public sealed class ClusterHealthTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(5);

    [Fact]
    public void From_NeverSynced_IsNeverSynced() =>
        ClusterHealth.From("c", null, null, null, Now, StaleAfter).Status.ShouldBe(ClusterHealthStatus.NeverSynced);

    [Fact]
    public void From_RecentSuccess_IsOkWithItsAge()
    {
        var health = ClusterHealth.From("c", Now.AddSeconds(-30), null, null, Now, StaleAfter);

        health.Status.ShouldBe(ClusterHealthStatus.Ok);
        health.DataAge.ShouldBe(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void From_OldSuccess_IsStale() =>
        ClusterHealth.From("c", Now.AddMinutes(-6), null, null, Now, StaleAfter).Status.ShouldBe(ClusterHealthStatus.Stale);

    [Fact]
    public void From_FailureAfterLastSuccess_IsFailingWithTheError()
    {
        var health = ClusterHealth.From("c", Now.AddMinutes(-2), Now.AddMinutes(-1), "401 Unauthorized", Now, StaleAfter);

        health.Status.ShouldBe(ClusterHealthStatus.Failing);
        health.LastError.ShouldBe("401 Unauthorized");
    }

    [Fact]
    public void From_SuccessAfterAnOldFailure_IsOkAndHidesTheOldError()
    {
        var health = ClusterHealth.From("c", Now.AddSeconds(-10), Now.AddMinutes(-1), "timeout", Now, StaleAfter);

        health.Status.ShouldBe(ClusterHealthStatus.Ok);
        health.LastError.ShouldBeNull();
    }
}
