namespace GanetiWebManager.FakeRapi.Tests.TestSupport;

/// <summary>A clock that stands still (timers and delays still run on the system clock).</summary>
internal sealed class FixedTime(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
