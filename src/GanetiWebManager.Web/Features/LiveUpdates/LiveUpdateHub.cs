using System.Collections.Concurrent;

namespace GanetiWebManager.Web.Features.LiveUpdates;

/// <summary>
/// Tells open pages that data they show has changed, so they re-read it from the database (pages never
/// poll on timers). Notifications are coalesced per subscriber: a sync that touches 5,000 VMs causes one
/// re-render per open page, not 5,000.
/// </summary>
public sealed partial class LiveUpdateHub(TimeProvider timeProvider, ILogger<LiveUpdateHub> logger)
{
    /// <summary>How long a subscriber waits after a first change for more to arrive before it is called.</summary>
    public static readonly TimeSpan DefaultCoalescing = TimeSpan.FromMilliseconds(250);

    private readonly ConcurrentDictionary<Subscription, byte> _subscriptions = new();
    private readonly TimeProvider _timeProvider = timeProvider;
    private readonly ILogger<LiveUpdateHub> _logger = logger;

    /// <summary>
    /// Calls <paramref name="onChange"/> (once per burst) after changes that <paramref name="filter"/> accepts.
    /// Dispose the result when the page goes away.
    /// </summary>
    public IDisposable Subscribe(Func<PortalChange, bool> filter, Func<Task> onChange, TimeSpan? coalescing = null)
    {
        var subscription = new Subscription(this, filter, onChange, coalescing ?? DefaultCoalescing);
        _subscriptions.TryAdd(subscription, 0);
        return subscription;
    }

    public void Publish(PortalChange change)
    {
        foreach (var subscription in _subscriptions.Keys)
        {
            bool wanted;
            try
            {
                wanted = subscription.Filter(change);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                LogFilterFailed(e);
                continue;
            }

            if (wanted)
            {
                subscription.Signal();
            }
        }
    }

    public int SubscriberCount => _subscriptions.Count;

    [LoggerMessage(Level = LogLevel.Warning, Message = "A live-update filter threw; the change was not delivered to it")]
    private partial void LogFilterFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A live-update subscriber failed to refresh")]
    private partial void LogHandlerFailed(Exception exception);

    private sealed class Subscription(LiveUpdateHub hub, Func<PortalChange, bool> filter, Func<Task> onChange, TimeSpan coalescing) : IDisposable
    {
        private int _scheduled;
        private volatile bool _disposed;

        public Func<PortalChange, bool> Filter { get; } = filter;

        public void Signal()
        {
            // One pending delivery at a time: later changes in the window ride along with it.
            if (_disposed || Interlocked.Exchange(ref _scheduled, 1) == 1)
            {
                return;
            }

            _ = DeliverAsync();
        }

        private async Task DeliverAsync()
        {
            try
            {
                await Task.Delay(coalescing, hub._timeProvider);
                Volatile.Write(ref _scheduled, 0);
                if (!_disposed)
                {
                    await onChange();
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                hub.LogHandlerFailed(e);
            }
        }

        public void Dispose()
        {
            _disposed = true;
            hub._subscriptions.TryRemove(this, out _);
        }
    }
}
