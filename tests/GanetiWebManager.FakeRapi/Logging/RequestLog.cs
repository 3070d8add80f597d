namespace GanetiWebManager.FakeRapi.Logging;

/// <summary>One RAPI request the fake received.</summary>
public sealed record LoggedRequest
{
    /// <summary>Position in the log since the server started (survives <see cref="RequestLog.Clear"/>).</summary>
    public long Sequence { get; init; }

    public DateTimeOffset Time { get; init; }

    public required string Method { get; init; }

    /// <summary>The raw path, without the query.</summary>
    public required string Path { get; init; }

    /// <summary>The raw query string including <c>?</c>, or empty.</summary>
    public string Query { get; init; } = "";

    /// <summary>The body as text (truncated at <see cref="FakeClusterOptions.RequestLogBodyLimit"/>); null without one.</summary>
    public string? Body { get; init; }

    /// <summary>The user whose credentials were valid; null when anonymous or rejected.</summary>
    public string? User { get; init; }

    /// <summary>The status answered; 0 when the connection was dropped without an answer.</summary>
    public int Status { get; set; }

    /// <summary>The job the request submitted, if any.</summary>
    public long? JobId { get; set; }

    /// <summary>The fault applied, if any.</summary>
    public string? Fault { get; set; }

    public double DurationMs { get; set; }
}

/// <summary>
/// Every RAPI request (control endpoints excluded), in order. Tests count with it, e.g. how many jobs a crashed and
/// restarted portal submitted: <see cref="JobSubmissions"/>.
/// </summary>
public sealed class RequestLog
{
    private readonly Lock _sync = new();
    private readonly LinkedList<LoggedRequest> _entries = new();
    private readonly int _capacity;
    private long _sequence;

    internal RequestLog(int capacity) => _capacity = capacity;

    public int Count
    {
        get
        {
            lock (_sync)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>A copy of the log, oldest first.</summary>
    public IReadOnlyList<LoggedRequest> Entries
    {
        get
        {
            lock (_sync)
            {
                return _entries.ToList();
            }
        }
    }

    /// <summary>Requests that submitted a job.</summary>
    public IReadOnlyList<LoggedRequest> JobSubmissions => Where(r => r.JobId is not null);

    public IReadOnlyList<LoggedRequest> Where(Func<LoggedRequest, bool> predicate)
    {
        lock (_sync)
        {
            return _entries.Where(predicate).ToList();
        }
    }

    /// <summary>Requests with this method whose path starts with <paramref name="pathPrefix"/>.</summary>
    public int CountOf(string method, string pathPrefix) =>
        Where(r => string.Equals(r.Method, method, StringComparison.OrdinalIgnoreCase) && r.Path.StartsWith(pathPrefix, StringComparison.Ordinal)).Count;

    public void Clear()
    {
        lock (_sync)
        {
            _entries.Clear();
        }
    }

    internal LoggedRequest Add(LoggedRequest request)
    {
        lock (_sync)
        {
            var entry = request with { Sequence = ++_sequence };
            _entries.AddLast(entry);
            while (_entries.Count > _capacity)
            {
                _entries.RemoveFirst();
            }

            return entry;
        }
    }

    internal void Update(LoggedRequest request, Action<LoggedRequest> change)
    {
        lock (_sync)
        {
            change(request);
        }
    }
}
