using System.Collections.Concurrent;

namespace GanetiWebManager.FakeRapi.Model;

/// <summary>
/// Encoded answers by key (e.g. <c>instances?bulk=1</c>, a query's fields and filter), each valid for one cluster
/// version. Keeps the fake from being the bottleneck when a benchmark polls thousands of instances.
/// </summary>
internal sealed class ResponseCache
{
    private const int MaxEntries = 256;
    private readonly ConcurrentDictionary<string, (long Version, byte[] Body)> _entries = new(StringComparer.Ordinal);

    public bool TryGet(string key, long version, out byte[] body)
    {
        if (_entries.TryGetValue(key, out var entry) && entry.Version == version)
        {
            body = entry.Body;
            return true;
        }

        body = [];
        return false;
    }

    public void Set(string key, long version, byte[] body)
    {
        if (_entries.Count >= MaxEntries)
        {
            // Queries with ever-changing filters (job ids) would otherwise grow it without bound.
            _entries.Clear();
        }

        _entries[key] = (version, body);
    }
}
