using GanetiWebManager.Testing;
using GanetiWebManager.Web.Features.LiveUpdates;
using Microsoft.Extensions.Logging.Abstractions;

namespace GanetiWebManager.Web.Tests.Features.LiveUpdates;

public sealed class LiveUpdateHubTests
{
    private readonly ManualTimeProvider _clock = new();
    private readonly LiveUpdateHub _hub;

    public LiveUpdateHubTests() => _hub = new LiveUpdateHub(_clock, NullLogger<LiveUpdateHub>.Instance);

    [Fact]
    public async Task Publish_ABurstOfChanges_CallsTheSubscriberOnceAfterTheWindow()
    {
        var calls = 0;
        using var _ = _hub.Subscribe(c => c.ClusterId == 1, () => { Interlocked.Increment(ref calls); return Task.CompletedTask; });

        for (var i = 0; i < 1000; i++)
        {
            _hub.Publish(new VirtualMachinesChanged(1, [i]));
        }

        calls.ShouldBe(0, "nothing is delivered before the coalescing window ends");
        _clock.Advance(LiveUpdateHub.DefaultCoalescing);
        await WaitUntilAsync(() => calls == 1);
        await Task.Delay(50);
        calls.ShouldBe(1);
    }

    [Fact]
    public async Task Publish_AfterADelivery_DeliversAgain()
    {
        var calls = 0;
        using var _ = _hub.Subscribe(_ => true, () => { Interlocked.Increment(ref calls); return Task.CompletedTask; });

        _hub.Publish(new ClusterChanged(1));
        _clock.Advance(LiveUpdateHub.DefaultCoalescing);
        await WaitUntilAsync(() => calls == 1);
        _hub.Publish(new ClusterChanged(1));
        _clock.Advance(LiveUpdateHub.DefaultCoalescing);

        await WaitUntilAsync(() => calls == 2);
    }

    [Fact]
    public async Task Publish_ChangeTheFilterRejects_IsNotDelivered()
    {
        var otherCalls = 0;
        var mineCalls = 0;
        using var other = _hub.Subscribe(c => c.ClusterId == 2, () => { otherCalls++; return Task.CompletedTask; });
        using var mine = _hub.Subscribe(c => c.ClusterId == 1, () => { mineCalls++; return Task.CompletedTask; });

        _hub.Publish(new NodesChanged(1));
        _clock.Advance(LiveUpdateHub.DefaultCoalescing);

        await WaitUntilAsync(() => mineCalls == 1);
        otherCalls.ShouldBe(0);
    }

    [Fact]
    public async Task Dispose_StopsDeliveryAndForgetsTheSubscriber()
    {
        var calls = 0;
        var subscription = _hub.Subscribe(_ => true, () => { calls++; return Task.CompletedTask; });
        _hub.Publish(new ClusterChanged(1));

        subscription.Dispose();
        _clock.Advance(LiveUpdateHub.DefaultCoalescing);
        await Task.Delay(50);

        calls.ShouldBe(0);
        _hub.SubscriberCount.ShouldBe(0);
    }

    [Fact]
    public async Task Publish_OneSubscriberThrows_OthersStillGetTheirChange()
    {
        var calls = 0;
        using var broken = _hub.Subscribe(_ => true, () => throw new InvalidOperationException("page gone"));
        using var fine = _hub.Subscribe(_ => true, () => { calls++; return Task.CompletedTask; });

        _hub.Publish(new ClusterChanged(1));
        _clock.Advance(LiveUpdateHub.DefaultCoalescing);

        await WaitUntilAsync(() => calls == 1);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        condition().ShouldBeTrue();
    }
}
