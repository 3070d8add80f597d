using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Rapi.Requests;
using GanetiWebManager.Rapi.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace GanetiWebManager.Rapi;

/// <summary>
/// The Ganeti RAPI v2 client for one cluster. Thread-safe; create one per cluster and keep it (it owns its
/// connection pool). See <see cref="IGanetiRapiClient"/> for the calls.
/// </summary>
public sealed partial class GanetiRapiClient : IGanetiRapiClient
{
    private readonly RapiConnection _connection;
    private readonly RapiClientOptions _options;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _longPollSlots;

    /// <summary>Creates a client.</summary>
    /// <param name="options">Where and how to connect; validated here.</param>
    /// <param name="logger">Receives method, path, status and duration of each request at Debug, never credentials.</param>
    /// <param name="timeProvider">Clock for timeouts and job polling delays; the system clock by default.</param>
    /// <param name="handler">Replaces the network stack (tests). TLS pinning and the connect timeout then do not apply.</param>
    public GanetiRapiClient(
        RapiClientOptions options,
        ILogger<GanetiRapiClient>? logger = null,
        TimeProvider? timeProvider = null,
        HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _connection = new RapiConnection(options, (ILogger?)logger ?? NullLogger.Instance, _time, handler);
        _longPollSlots = new SemaphoreSlim(options.MaxConcurrentLongPolls, Math.Max(1, options.MaxConcurrentLongPolls));
    }

    /// <summary>The options this client was created with.</summary>
    public RapiClientOptions Options => _options;

    /// <inheritdoc />
    public void Dispose()
    {
        _connection.Dispose();
        _longPollSlots.Dispose();
    }

    /// <summary>Sends a raw request; for tests that need a body the typed calls never produce.</summary>
    internal Task<JsonElement> SendRawAsync(RapiRequest request, CancellationToken ct = default) =>
        _connection.SendAsync(request, ReadElementAsync, ct);

    private Task<T> GetAsync<T>(string pathAndQuery, JsonTypeInfo<T> type, CancellationToken ct) =>
        _connection.SendAsync(new RapiRequest(HttpMethod.Get, pathAndQuery), (s, t) => ReadAsync(s, type, t), ct);

    private Task<JobId> SubmitAsync(HttpMethod method, string pathAndQuery, byte[]? body, CancellationToken ct) =>
        _connection.SendAsync(new RapiRequest(method, pathAndQuery, body), (s, t) => ReadAsync(s, RapiJsonContext.Default.JobId, t), ct);

    private Task<JobId> SubmitAsync<TBody>(HttpMethod method, string pathAndQuery, TBody body, JsonTypeInfo<TBody> bodyType, CancellationToken ct) =>
        SubmitAsync(method, pathAndQuery, JsonSerializer.SerializeToUtf8Bytes(body, bodyType), ct);

    private static async Task<T> ReadAsync<T>(Stream stream, JsonTypeInfo<T> type, CancellationToken ct) =>
        await JsonSerializer.DeserializeAsync(stream, type, ct)
        ?? throw new JsonException($"Expected {typeof(T).Name}, got null.");

    private static async Task<JsonElement> ReadElementAsync(Stream stream, CancellationToken ct)
    {
        using var document = await JsonDocument.ParseAsync(stream, cancellationToken: ct);
        return document.RootElement.Clone();
    }

    private async Task<IReadOnlyList<string>> GetNamesAsync(string path, CancellationToken ct)
    {
        var links = await GetAsync(path, RapiJsonContext.Default.IReadOnlyListResourceLink, ct);
        // Instances and nodes use "id", groups and networks "name" (the docs and code disagree; accept both).
        return links
            .Select(l => l.Id.ValueKind == JsonValueKind.String ? l.Id.GetString() : l.Name)
            .OfType<string>()
            .ToList();
    }

    private Task<IReadOnlyList<string>> GetTagsAsync(string tagsPath, CancellationToken ct) =>
        GetAsync(tagsPath, RapiJsonContext.Default.IReadOnlyListString, ct);

    private Task<JobId> ChangeTagsAsync(HttpMethod method, string tagsPath, IEnumerable<string> tags, DryRunJobOptions? options, CancellationToken ct)
    {
        // Tags travel in the query string; RAPI ignores a body here.
        var query = new QueryString().Tags(RapiPath.Tags(tags, nameof(tags))).DryRun(options?.DryRun ?? false).Reason(options?.Reason);
        return SubmitAsync(method, query.AppendTo(tagsPath), null, ct);
    }

    private static string InstancePath(string instanceName, string? suffix = null) =>
        $"/2/instances/{RapiPath.Name(instanceName, nameof(instanceName))}{suffix}";

    private static string NodePath(string nodeName, string? suffix = null) =>
        $"/2/nodes/{RapiPath.Name(nodeName, nameof(nodeName))}{suffix}";
}
