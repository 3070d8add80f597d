using System.Threading.Channels;

namespace GanetiWebManager.Web.Features.Sync;

/// <summary>
/// Asks the sync service to refresh a cluster now (after it is added or edited, or from a "refresh"
/// button) instead of at its next interval. Requests for a cluster already waiting are merged.
/// </summary>
public sealed class SyncRequests
{
    private readonly Channel<int> _channel = Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleReader = true });

    public void Request(int clusterId) => _channel.Writer.TryWrite(clusterId);

    internal ChannelReader<int> Reader => _channel.Reader;
}
