using System.Text.Json.Serialization;

namespace GanetiWebManager.FakeRapi.Faults;

/// <summary>What a fault does to a RAPI request it matches.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FaultKind>))]
public enum FaultKind
{
    /// <summary>Answers normally after <see cref="FaultRule.Delay"/>.</summary>
    Latency,

    /// <summary>Never answers; the request ends when the client gives up (a timeout).</summary>
    Hang,

    /// <summary>500 with RAPI's body; <see cref="FaultRule.Message"/> or "Internal Server Error".</summary>
    ServerError,

    /// <summary>401 with RAPI's body and WWW-Authenticate header, whatever the credentials.</summary>
    Unauthorized,

    /// <summary>Any status (<see cref="FaultRule.Status"/>) with RAPI's error body.</summary>
    Status,

    /// <summary>200 with a body that is not JSON.</summary>
    MalformedJson,

    /// <summary>200 with the real answer cut in half (a valid HTTP answer whose JSON ends early).</summary>
    TruncatedJson,

    /// <summary>Reads the request and closes the connection without answering.</summary>
    DropConnection,

    /// <summary>503 "Job queue is full, needs archiving" to job submissions (reads still work).</summary>
    QueueFull,

    /// <summary>503 "Job queue is drained, cannot submit" to job submissions (reads still work).</summary>
    QueueDrained,
}

/// <summary>A fault switch. Matches RAPI requests (never the control endpoints) by method and path prefix; applies
/// <see cref="Times"/> times, or until removed.</summary>
public sealed record FaultRule
{
    public FaultKind Kind { get; init; }

    /// <summary>Only requests whose path (without the query) starts with this; all when null.</summary>
    public string? PathPrefix { get; init; }

    /// <summary>Only requests with this method (GET, PUT...); all when null.</summary>
    public string? Method { get; init; }

    /// <summary>How many requests it hits before it removes itself; unlimited when null.</summary>
    public int? Times { get; init; }

    /// <summary>Added latency (<see cref="FaultKind.Latency"/>).</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>The status of <see cref="FaultKind.Status"/>.</summary>
    public int? Status { get; init; }

    /// <summary>The error message of <see cref="FaultKind.ServerError"/> and <see cref="FaultKind.Status"/>.</summary>
    public string? Message { get; init; }

    internal bool Matches(string method, string path) =>
        (Method is null || string.Equals(Method, method, StringComparison.OrdinalIgnoreCase))
        && (PathPrefix is null || path.StartsWith(PathPrefix, StringComparison.Ordinal));
}

/// <summary>
/// The fault switches of one fake server, settable in-process and through <c>/__fake/faults</c>. Besides the rules:
/// a connection-drop window (the master failover's ~20 s of silence) and the choice to drop connections before the
/// TLS handshake or after reading the request.
/// </summary>
public sealed class FaultSet
{
    private readonly Lock _sync = new();
    private readonly List<FaultRuleState> _rules = [];
    private readonly TimeProvider _time;
    private DateTimeOffset? _dropUntil;
    private bool _dropBeforeTls = true;

    internal FaultSet(TimeProvider time) => _time = time;

    public IReadOnlyList<FaultRule> Rules
    {
        get
        {
            lock (_sync)
            {
                return _rules.Select(r => r.Rule with { Times = r.Remaining }).ToList();
            }
        }
    }

    /// <summary>Until when every RAPI connection is dropped; null when not.</summary>
    public DateTimeOffset? DropConnectionsUntil
    {
        get
        {
            lock (_sync)
            {
                return _dropUntil is { } until && until > _time.GetUtcNow() ? until : null;
            }
        }
    }

    public FaultRule Add(FaultRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        lock (_sync)
        {
            _rules.Add(new FaultRuleState(rule));
        }

        return rule;
    }

    public FaultRule AddLatency(TimeSpan delay, string? pathPrefix = null) => Add(new FaultRule { Kind = FaultKind.Latency, Delay = delay, PathPrefix = pathPrefix });

    public FaultRule Add(FaultKind kind, string? pathPrefix = null, int? times = null) => Add(new FaultRule { Kind = kind, PathPrefix = pathPrefix, Times = times });

    public bool Remove(FaultRule rule)
    {
        lock (_sync)
        {
            return _rules.RemoveAll(r => ReferenceEquals(r.Rule, rule) || r.Rule == rule) > 0;
        }
    }

    /// <summary>Removes every rule and ends a drop window.</summary>
    public void Clear()
    {
        lock (_sync)
        {
            _rules.Clear();
            _dropUntil = null;
        }
    }

    /// <summary>Closes every RAPI connection without an answer for <paramref name="window"/>: before the TLS handshake
    /// (what a client of a cluster in master failover sees: "TLS connection closed (EOF)") or after reading the request
    /// (an empty reply).</summary>
    public void DropConnectionsFor(TimeSpan window, bool beforeTls = true)
    {
        lock (_sync)
        {
            _dropUntil = _time.GetUtcNow() + window;
            _dropBeforeTls = beforeTls;
        }
    }

    internal bool ShouldDropBeforeTls()
    {
        lock (_sync)
        {
            return _dropBeforeTls && _dropUntil is { } until && until > _time.GetUtcNow();
        }
    }

    internal bool ShouldDropAfterRequest()
    {
        lock (_sync)
        {
            return !_dropBeforeTls && _dropUntil is { } until && until > _time.GetUtcNow();
        }
    }

    /// <summary>The rules that hit this request, in order; counts them down.</summary>
    internal List<FaultRule> Match(string method, string path, bool submitsJob)
    {
        lock (_sync)
        {
            var hits = new List<FaultRule>();
            foreach (var state in _rules.ToList())
            {
                if (!state.Rule.Matches(method, path) || (state.Rule.Kind is FaultKind.QueueFull or FaultKind.QueueDrained && !submitsJob))
                {
                    continue;
                }

                hits.Add(state.Rule);
                if (state.Remaining is { } remaining)
                {
                    state.Remaining = remaining - 1;
                    if (state.Remaining <= 0)
                    {
                        _rules.Remove(state);
                    }
                }
            }

            return hits;
        }
    }

    private sealed class FaultRuleState(FaultRule rule)
    {
        public FaultRule Rule { get; } = rule;

        public int? Remaining { get; set; } = rule.Times;
    }
}
