using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace GanetiWebManager.Rapi.Tests.TestSupport;

/// <summary>Keeps every log line: the formatted message and every structured value.</summary>
public sealed class CapturingLogger<T> : ILogger<T>
{
    public ConcurrentQueue<(LogLevel Level, string Text)> Entries { get; } = new();

    public string AllText => string.Join("\n", Entries.Select(e => e.Text));

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var values = state is IEnumerable<KeyValuePair<string, object?>> pairs
            ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}"))
            : "";
        Entries.Enqueue((logLevel, $"{formatter(state, exception)} | {values} | {exception}"));
    }
}
