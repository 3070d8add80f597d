using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using GanetiWebManager.Rapi.Exceptions;
using GanetiWebManager.Rapi.Security;
using GanetiWebManager.Rapi.Serialization;
using Microsoft.Extensions.Logging;

namespace GanetiWebManager.Rapi;

/// <summary>One request: method, absolute path with query, optional JSON body.</summary>
internal sealed record RapiRequest(HttpMethod Method, string PathAndQuery, byte[]? Body = null, bool LongPoll = false)
{
    /// <summary>Content type of the body. Always exactly <c>application/json</c> (RAPI answers 415 to anything else,
    /// a charset included); only tests change it.</summary>
    public string ContentType { get; init; } = "application/json";

    public override string ToString() => $"{Method} {PathAndQuery}";
}

/// <summary>
/// The HTTP side of the client: TLS pinning, pre-emptive Basic authentication, timeouts, logging, and mapping of
/// every failure to a <see cref="RapiException"/>.
/// </summary>
internal sealed partial class RapiConnection : IDisposable
{
    private readonly HttpClient _http;
    private readonly RapiClientOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly AuthenticationHeaderValue? _authorization;
    private readonly string? _pin;
    private volatile string? _lastRefusedCertificate;
    private volatile string? _lastRefusalReason;

    public RapiConnection(RapiClientOptions options, ILogger logger, TimeProvider time, HttpMessageHandler? handler)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = logger;
        _time = time;
        _pin = options.CertificateSha256 is null ? null : CertificateFingerprint.Normalize(options.CertificateSha256);
        if (options.User is not null)
        {
            var token = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{options.User}:{options.Password}"));
            _authorization = new AuthenticationHeaderValue("Basic", token);
        }

        if (handler is null)
        {
            var sockets = new SocketsHttpHandler
            {
                ConnectTimeout = options.ConnectTimeout,
                MaxConnectionsPerServer = options.MaxConnections,
                AllowAutoRedirect = false,
                UseCookies = false,
                // RAPI lives on the cluster network; an environment proxy would only add a party to trust.
                UseProxy = false,
                AutomaticDecompression = DecompressionMethods.None,
                SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = ValidateCertificate },
            };
            _http = new HttpClient(sockets, disposeHandler: true);
        }
        else
        {
            _http = new HttpClient(handler, disposeHandler: false);
        }

        _http.BaseAddress = new Uri(options.BaseUrl.GetLeftPart(UriPartial.Authority));
        _http.Timeout = Timeout.InfiniteTimeSpan; // our own timeouts tell timeouts from cancellation

        if (_pin is null && options.AllowInsecureCertificate)
        {
            LogInsecure(_logger, options.Endpoint);
        }
    }

    public string Endpoint => _options.Endpoint;

    /// <summary>Sends a request and reads its JSON answer with <paramref name="read"/>, all within the timeout.</summary>
    public async Task<T> SendAsync<T>(RapiRequest request, Func<Stream, CancellationToken, Task<T>> read, CancellationToken ct)
    {
        var timeout = request.LongPoll ? _options.LongPollTimeout : _options.RequestTimeout;
        using var timeoutCts = new CancellationTokenSource(timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeoutCts.Token);
        var started = _time.GetTimestamp();
        try
        {
            using var message = CreateMessage(request);
            using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            LogDone(request, (int)response.StatusCode, null, started);
            if (!response.IsSuccessStatusCode)
            {
                throw await CreateHttpErrorAsync(response, request, linked.Token);
            }

            var mediaType = response.Content.Headers.ContentType?.MediaType;
            await using var stream = await response.Content.ReadAsStreamAsync(linked.Token);
            try
            {
                return await read(stream, linked.Token);
            }
            catch (JsonException ex)
            {
                throw new RapiProtocolException(
                    $"The server at {Endpoint} did not answer {request} with Ganeti RAPI JSON (content type: {mediaType ?? "none"}): {ex.Message}",
                    ex);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException ex)
        {
            // Either our request timeout or the handler's connect timeout fired; the caller did not cancel.
            var connectTimedOut = ex.InnerException is TimeoutException && !timeoutCts.IsCancellationRequested;
            var limit = connectTimedOut ? _options.ConnectTimeout : timeout;
            LogDone(request, null, "timeout", started);
            throw new RapiTimeoutException(
                connectTimedOut
                    ? $"Could not connect to the RAPI at {Endpoint} within {limit.TotalSeconds:0.#} s."
                    : $"The RAPI at {Endpoint} did not answer {request} within {limit.TotalSeconds:0.#} s.",
                limit,
                ex);
        }
        catch (HttpRequestException ex)
        {
            LogDone(request, null, ex.HttpRequestError.ToString(), started);
            throw MapTransportError(ex, request);
        }
        catch (IOException ex)
        {
            LogDone(request, null, "connection lost", started);
            throw new RapiConnectionException($"The connection to the RAPI at {Endpoint} broke during {request}: {ex.Message}", _options.BaseUrl.Host, _options.BaseUrl.Port, ex);
        }
    }

    public void Dispose() => _http.Dispose();

    private void LogDone(RapiRequest request, int? status, string? error, long started)
    {
        if (!_logger.IsEnabled(LogLevel.Debug))
        {
            return;
        }

        var elapsed = _time.GetElapsedTime(started).TotalMilliseconds;
        if (status is { } code)
        {
            LogResponse(_logger, request.Method.Method, request.PathAndQuery, code, elapsed);
        }
        else
        {
            LogFailure(_logger, request.Method.Method, request.PathAndQuery, elapsed, error ?? "");
        }
    }

    private HttpRequestMessage CreateMessage(RapiRequest request)
    {
        var message = new HttpRequestMessage(request.Method, new Uri(request.PathAndQuery, UriKind.Relative));
        message.Headers.Authorization = _authorization;
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (request.Body is not null)
        {
            // ByteArrayContent gives a Content-Length and, unlike StringContent/JsonContent, no charset parameter.
            var content = new ByteArrayContent(request.Body);
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(request.ContentType);
            message.Content = content;
        }

        return message;
    }

    private bool ValidateCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            _lastRefusedCertificate = null;
            _lastRefusalReason = "the server presented no certificate";
            return false;
        }

        if (_pin is not null)
        {
            var presented = CertificateFingerprint.Compute(certificate);
            if (CertificateFingerprint.Matches(_pin, presented))
            {
                return true;
            }

            _lastRefusedCertificate = presented;
            _lastRefusalReason = "pin mismatch";
            LogPinMismatch(_logger, Endpoint, presented, _pin);
            return false;
        }

        if (_options.AllowInsecureCertificate || errors == SslPolicyErrors.None)
        {
            return true;
        }

        _lastRefusedCertificate = CertificateFingerprint.Compute(certificate);
        _lastRefusalReason = errors.ToString();
        return false;
    }

    private RapiException MapTransportError(HttpRequestException ex, RapiRequest request)
    {
        var host = _options.BaseUrl.Host;
        var port = _options.BaseUrl.Port;
        var socketError = FindInner<SocketException>(ex);
        switch (ex.HttpRequestError)
        {
            case HttpRequestError.SecureConnectionError:
            case HttpRequestError.Unknown when FindInner<AuthenticationException>(ex) is not null:
                var presented = _lastRefusedCertificate;
                if (_pin is not null && presented is not null)
                {
                    return new RapiCertificateException(
                        $"The RAPI at {Endpoint} presented a certificate with SHA-256 {presented}, but {_pin} is pinned. " +
                        "The certificate was renewed (gnt-cluster renew-crypto) or the connection is intercepted; " +
                        "check it and pin the new fingerprint. Nothing was sent.",
                        _pin,
                        presented,
                        ex);
                }

                if (_pin is null && presented is not null)
                {
                    return new RapiCertificateException(
                        $"The RAPI at {Endpoint} presented a certificate that is not trusted ({_lastRefusalReason}); its SHA-256 is {presented}. " +
                        "Pin this fingerprint after checking it. Nothing was sent.",
                        null,
                        presented,
                        ex);
                }

                return new RapiConnectionException($"The TLS handshake with {Endpoint} failed: {ex.Message}", host, port, ex);
            case HttpRequestError.NameResolutionError:
                return new RapiConnectionException($"Cannot resolve the RAPI host name {host} ({Endpoint}): {socketError?.Message ?? ex.Message}", host, port, ex);
            case HttpRequestError.ConnectionError:
                return new RapiConnectionException($"Cannot connect to the RAPI at {Endpoint}: {socketError?.Message ?? ex.Message}", host, port, ex);
            case HttpRequestError.ResponseEnded:
                return new RapiConnectionException(
                    $"The RAPI at {Endpoint} closed the connection without answering {request} (a master failover may be in progress).", host, port, ex);
            case HttpRequestError.InvalidResponse:
            case HttpRequestError.ConfigurationLimitExceeded:
                return new RapiProtocolException($"The server at {Endpoint} did not send a valid HTTP answer to {request}: {ex.Message}", ex);
            default:
                return socketError is not null
                    ? new RapiConnectionException($"Cannot connect to the RAPI at {Endpoint}: {socketError.Message}", host, port, ex)
                    : new RapiConnectionException($"The request {request} to {Endpoint} failed: {ex.Message}", host, port, ex);
        }
    }

    private async Task<RapiHttpException> CreateHttpErrorAsync(HttpResponseMessage response, RapiRequest request, CancellationToken ct)
    {
        RapiErrorBody? body = null;
        try
        {
            var bytes = await response.Content.ReadAsByteArrayAsync(ct);
            if (bytes.Length > 0)
            {
                body = JsonSerializer.Deserialize(bytes, RapiJsonContext.Default.RapiErrorBody);
            }
        }
        catch (Exception ex) when (ex is JsonException or HttpRequestException or IOException)
        {
            // Not RAPI's JSON error body (a proxy's HTML page, a cut connection): the status still says enough.
        }

        return RapiErrors.FromStatus((int)response.StatusCode, body?.Message, body?.Explain, request.ToString(), Endpoint);
    }

    private static T? FindInner<T>(Exception ex)
        where T : Exception
    {
        for (var current = ex.InnerException; current is not null; current = current.InnerException)
        {
            if (current is T match)
            {
                return match;
            }
        }

        return null;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "RAPI {Method} {Path} -> {StatusCode} in {ElapsedMs:F0} ms")]
    private static partial void LogResponse(ILogger logger, string method, string path, int statusCode, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Debug, Message = "RAPI {Method} {Path} failed after {ElapsedMs:F0} ms: {Error}")]
    private static partial void LogFailure(ILogger logger, string method, string path, double elapsedMs, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Certificate validation is disabled for the RAPI at {Endpoint}: any certificate is accepted, so the connection and its credentials can be intercepted")]
    private static partial void LogInsecure(ILogger logger, string endpoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The RAPI at {Endpoint} presented certificate SHA-256 {Presented}, but {Expected} is pinned: connection refused")]
    private static partial void LogPinMismatch(ILogger logger, string endpoint, string presented, string expected);
}
