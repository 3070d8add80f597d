using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GanetiWebManager.FakeRapi.Faults;
using GanetiWebManager.FakeRapi.Logging;
using GanetiWebManager.FakeRapi.Model;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;

namespace GanetiWebManager.FakeRapi.Http;

/// <summary>
/// Answers RAPI requests in the real ganeti-rapi's order of checks, measured on the sandbox:
/// no credentials → 401; unknown path → 404; unknown method → 501; bad credentials → 401; missing privilege → 403;
/// body with another content type → 415; unparsable body → 400; then the resource. Every answer carries
/// <c>Connection: close</c> and <c>Server: Ganeti 3.0.2</c>. Faults and the request log wrap all of it.
/// </summary>
internal sealed class RapiDispatcher
{
    private static readonly byte[] Newline = "\n"u8.ToArray();

    private readonly FakeCluster _cluster;
    private readonly FakeClusterOptions _options;
    private readonly FaultSet _faults;
    private readonly RequestLog _log;
    private readonly IReadOnlyList<RapiRoute> _routes;
    private readonly string _serverHeader;

    public RapiDispatcher(FakeCluster cluster, FaultSet faults, RequestLog log)
    {
        _cluster = cluster;
        _options = cluster.Options;
        _faults = faults;
        _log = log;
        _routes = RapiRoutes.Build(new RapiHandlers(cluster));
        _serverHeader = "Ganeti " + (string)cluster.Defaults.Info["software_version"]!;
    }

    public async Task HandleAsync(HttpContext context)
    {
        var started = _options.TimeProvider.GetTimestamp();
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path + context.Request.QueryString;
        var queryAt = rawTarget.IndexOf('?', StringComparison.Ordinal);
        var path = queryAt < 0 ? rawTarget : rawTarget[..queryAt];
        var query = queryAt < 0 ? "" : rawTarget[queryAt..];
        var method = context.Request.Method;
        var body = await ReadBodyAsync(context);
        var credentials = ParseCredentials(context.Request.Headers.Authorization.ToString());
        var user = credentials is { } c && Authenticate(c.User, c.Password) is { } role ? (c.User, role) : ((string User, string Role)?)null;
        var entry = _log.Add(new LoggedRequest
        {
            Time = _options.TimeProvider.GetUtcNow(),
            Method = method,
            Path = path,
            Query = query,
            Body = body is null ? null : Truncate(Encoding.UTF8.GetString(body)),
            User = user?.User,
        });

        var route = RapiRoutes.Find(_routes, path, out var match);
        RapiMethod? handler = null;
        route?.Methods.TryGetValue(method, out handler);
        var faults = _faults.Match(method, path, handler?.SubmitsJob == true);
        try
        {
            if (_faults.ShouldDropAfterRequest())
            {
                Finish(entry, 0, "MasterFailover", started);
                context.Abort();
                return;
            }

            foreach (var latency in faults.Where(f => f.Kind == FaultKind.Latency))
            {
                await Task.Delay(latency.Delay, _options.TimeProvider, context.RequestAborted);
            }

            var fault = faults.FirstOrDefault(f => f.Kind is not (FaultKind.Latency or FaultKind.QueueFull or FaultKind.QueueDrained));
            switch (fault?.Kind)
            {
                case FaultKind.Hang:
                    Finish(entry, 0, "Hang", started);
                    await Task.Delay(Timeout.InfiniteTimeSpan, _options.TimeProvider, context.RequestAborted);
                    return;
                case FaultKind.DropConnection:
                    Finish(entry, 0, "DropConnection", started);
                    context.Abort();
                    return;
                case FaultKind.Unauthorized:
                    await WriteAsync(context, entry, 401, RapiHttpException.Body(401, "Unauthorized"), started, "Unauthorized");
                    return;
                case FaultKind.ServerError:
                    await WriteAsync(context, entry, 500, RapiHttpException.Body(500, fault.Message ?? "Internal Server Error"), started, "ServerError");
                    return;
                case FaultKind.Status:
                    var status = fault.Status ?? 500;
                    await WriteAsync(context, entry, status, RapiHttpException.Body(status, fault.Message ?? RapiHttpException.ReasonPhrase(status)), started, "Status");
                    return;
                default:
                    break;
            }

            var call = Check(context, path, query, method, body, credentials, user, route, handler, match, faults);
            var answer = await handler!.Handle(call);
            entry.JobId = call.SubmittedJob;
            switch (fault?.Kind)
            {
                case FaultKind.MalformedJson:
                    await WriteAsync(context, entry, 200, "{\"fake\": malformed <html>"u8.ToArray(), started, "MalformedJson");
                    break;
                case FaultKind.TruncatedJson:
                    await WriteAsync(context, entry, 200, answer[..Math.Max(1, answer.Length / 2)], started, "TruncatedJson");
                    break;
                default:
                    await WriteAsync(context, entry, 200, answer, started, null);
                    break;
            }
        }
        catch (RapiHttpException ex)
        {
            await WriteAsync(context, entry, ex.Status, ex.Body(), started, null);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            Finish(entry, 0, entry.Fault, started);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && !context.Response.HasStarted)
        {
            // A bug in the fake answers like an unhandled exception in ganeti-rapi: 500 with the exception's text.
            await WriteAsync(context, entry, 500, RapiHttpException.Body(500, ex.Message), started, null);
        }
    }

    private RapiCall Check(
        HttpContext context,
        string path,
        string query,
        string method,
        byte[]? body,
        (string User, string Password)? credentials,
        (string User, string Role)? user,
        RapiRoute? route,
        RapiMethod? handler,
        System.Text.RegularExpressions.Match match,
        List<FaultRule> faults)
    {
        if (credentials is null && _options.RequireAuthentication)
        {
            throw new RapiHttpException(401);
        }

        if (route is null)
        {
            throw new RapiHttpException(404);
        }

        if (handler is null)
        {
            throw new RapiHttpException(501, $"Method {method} is unsupported for path {path}{query}");
        }

        if (credentials is not null && user is null)
        {
            throw new RapiHttpException(401);
        }

        var needs = method == "GET" ? handler.Access : Access.Write;
        if (handler.Access == Access.Read && method != "GET")
        {
            needs = Access.Read; // PUT /2/query is a read
        }

        if (needs != Access.Anyone)
        {
            if (user is null)
            {
                throw new RapiHttpException(401);
            }

            if (needs == Access.Write && user.Value.Role != "write")
            {
                throw new RapiHttpException(403);
            }
        }

        JsonNode? json = null;
        var hasBody = body is { Length: > 0 };
        if (hasBody)
        {
            var contentType = context.Request.Headers.ContentType.ToString();
            if (!string.Equals(contentType.Trim(), "application/json", StringComparison.OrdinalIgnoreCase))
            {
                throw new RapiHttpException(415);
            }

            try
            {
                json = JsonNode.Parse(body);
            }
            catch (JsonException)
            {
                throw RapiHttpException.BadRequest("Unable to parse JSON data");
            }
        }

        return new RapiCall
        {
            Cluster = _cluster,
            Method = method,
            Path = path,
            Query = query,
            QueryArgs = ParseQuery(query),
            Route = match,
            Body = json,
            HasBody = hasBody,
            User = user?.User,
            QueueFull = () => faults.Any(f => f.Kind == FaultKind.QueueFull),
            QueueDrained = () => faults.Any(f => f.Kind == FaultKind.QueueDrained),
        };
    }

    private string? Authenticate(string user, string password) =>
        user == _options.WriteUser && password == _options.WritePassword ? "write"
        : user == _options.ReadOnlyUser && password == _options.ReadOnlyPassword ? "read"
        : null;

    private static (string User, string Password)? ParseCredentials(string header)
    {
        if (string.IsNullOrEmpty(header))
        {
            return null;
        }

        if (!AuthenticationHeaderValue.TryParse(header, out var value) || !string.Equals(value.Scheme, "Basic", StringComparison.OrdinalIgnoreCase))
        {
            return ("", "\0invalid");
        }

        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(value.Parameter ?? ""));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? (decoded, "\0invalid") : (decoded[..colon], decoded[(colon + 1)..]);
        }
        catch (FormatException)
        {
            return ("", "\0invalid");
        }
    }

    private static Dictionary<string, IReadOnlyList<string>> ParseQuery(string query)
    {
        var result = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var (key, values) in QueryHelpers.ParseQuery(query))
        {
            // Python's parse_qs drops blank values: "bulk=" is as good as no bulk at all.
            var kept = values.Where(v => !string.IsNullOrEmpty(v)).Select(v => v!).ToList();
            if (kept.Count > 0)
            {
                result[key] = kept;
            }
        }

        return result;
    }

    private static async Task<byte[]?> ReadBodyAsync(HttpContext context)
    {
        if (context.Request.ContentLength is 0 || (context.Request.ContentLength is null && context.Request.Headers.TransferEncoding.Count == 0))
        {
            return null;
        }

        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        return buffer.Length == 0 ? null : buffer.ToArray();
    }

    private async Task WriteAsync(HttpContext context, LoggedRequest entry, int status, byte[] body, long started, string? fault)
    {
        Finish(entry, status, fault, started);
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        // ganeti-rapi ends every body with a newline (Python's serializer output plus "\n").
        response.ContentLength = body.Length + 1;
        response.Headers.Connection = "close";
        response.Headers.Server = _serverHeader;
        if (status == 401)
        {
            response.Headers.WWWAuthenticate = "Basic realm=\"Ganeti Remote API\"";
        }

        await response.Body.WriteAsync(body, context.RequestAborted);
        await response.Body.WriteAsync(Newline, context.RequestAborted);
    }

    private void Finish(LoggedRequest entry, int status, string? fault, long started) => _log.Update(entry, e =>
    {
        e.Status = status;
        e.Fault = fault;
        e.DurationMs = _options.TimeProvider.GetElapsedTime(started).TotalMilliseconds;
    });

    private string Truncate(string text) => text.Length > _options.RequestLogBodyLimit ? text[.._options.RequestLogBodyLimit] : text;
}
