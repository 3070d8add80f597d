namespace GanetiWebManager.Rapi.Exceptions;

/// <summary>
/// Base of every error the RAPI client raises (except <see cref="OperationCanceledException"/> for the caller's own
/// cancellation and <see cref="ArgumentException"/> for invalid arguments). <see cref="Exception.Message"/> is a
/// sentence a portal can show; it never contains credentials.
/// </summary>
public abstract class RapiException : Exception
{
    /// <summary>Creates the exception.</summary>
    protected RapiException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    /// <summary>True when the same request may succeed if retried later without change (master failover, full
    /// job queue, network trouble).</summary>
    public virtual bool IsTransient => false;
}

/// <summary>RAPI answered with an HTTP error status. Subclasses name the statuses RAPI produces.</summary>
public class RapiHttpException : RapiException
{
    /// <summary>Creates the exception.</summary>
    public RapiHttpException(string message, int statusCode, string? serverMessage, string? explain, string requestDescription)
        : base(message)
    {
        StatusCode = statusCode;
        ServerMessage = serverMessage;
        Explain = explain;
        Request = requestDescription;
    }

    /// <summary>The HTTP status code.</summary>
    public int StatusCode { get; }

    /// <summary>RAPI's <c>message</c>, HTML-decoded (e.g. <c>Job queue is full, needs archiving</c>).</summary>
    public string? ServerMessage { get; }

    /// <summary>RAPI's <c>explain</c> (the stock description of the status).</summary>
    public string? Explain { get; }

    /// <summary>Method and path of the failed request, e.g. <c>GET /2/instances/web1</c>.</summary>
    public string Request { get; }
}

/// <summary>400: RAPI rejected the request's parameters or body (invalid value, unknown key, bad JSON...).</summary>
public sealed class RapiBadRequestException(string message, string? serverMessage, string? explain, string request)
    : RapiHttpException(message, 400, serverMessage, explain, request);

/// <summary>401: the user name or password is wrong (or missing).</summary>
public sealed class RapiAuthenticationException(string message, string? serverMessage, string? explain, string request)
    : RapiHttpException(message, 401, serverMessage, explain, request);

/// <summary>403: the RAPI user lacks the right (e.g. a read-only user asked for a change), or the parameter may not
/// be set through RAPI.</summary>
public sealed class RapiForbiddenException(string message, string? serverMessage, string? explain, string request)
    : RapiHttpException(message, 403, serverMessage, explain, request);

/// <summary>404: no such path, instance, node, group, network or job.</summary>
public sealed class RapiNotFoundException(string message, string? serverMessage, string? explain, string request)
    : RapiHttpException(message, 404, serverMessage, explain, request);

/// <summary>415: the body's content type was not exactly <c>application/json</c>.</summary>
public sealed class RapiUnsupportedMediaTypeException(string message, string? serverMessage, string? explain, string request)
    : RapiHttpException(message, 415, serverMessage, explain, request);

/// <summary>500: Ganeti failed internally (e.g. Ganeti 3.0.2's console query for kvm instances with VNC).</summary>
public sealed class RapiInternalServerErrorException(string message, string? serverMessage, string? explain, string request)
    : RapiHttpException(message, 500, serverMessage, explain, request);

/// <summary>501: the path exists but not with this HTTP method.</summary>
public sealed class RapiMethodNotSupportedException(string message, string? serverMessage, string? explain, string request)
    : RapiHttpException(message, 501, serverMessage, explain, request);

/// <summary>502 or 504: RAPI could not reach the master daemon, or it timed out (master failover, daemon down).
/// Transient.</summary>
public sealed class RapiMasterUnreachableException(string message, int statusCode, string? serverMessage, string? explain, string request)
    : RapiHttpException(message, statusCode, serverMessage, explain, request)
{
    /// <inheritdoc />
    public override bool IsTransient => true;
}

/// <summary>503 with a message this library does not know. The known ones have their own subclasses.</summary>
public class RapiServiceUnavailableException(string message, string? serverMessage, string? explain, string request)
    : RapiHttpException(message, 503, serverMessage, explain, request)
{
    /// <inheritdoc />
    public override bool IsTransient => true;
}

/// <summary>503 "Job queue is full, needs archiving": too many jobs; retry later with back-off.</summary>
public sealed class RapiJobQueueFullException(string message, string? serverMessage, string? explain, string request)
    : RapiServiceUnavailableException(message, serverMessage, explain, request);

/// <summary>503 "Job queue is drained, cannot submit": an administrator stopped job submission on purpose (e.g. for
/// an upgrade). Reads still work. Not transient in the retry sense.</summary>
public sealed class RapiJobQueueDrainedException(string message, string? serverMessage, string? explain, string request)
    : RapiServiceUnavailableException(message, serverMessage, explain, request)
{
    /// <inheritdoc />
    public override bool IsTransient => false;
}

/// <summary>503 "Instance console unavailable": the instance is not running.</summary>
public sealed class RapiConsoleUnavailableException(string message, string? serverMessage, string? explain, string request)
    : RapiServiceUnavailableException(message, serverMessage, explain, request)
{
    /// <inheritdoc />
    public override bool IsTransient => false;
}

/// <summary>The server could not be reached: connection refused, name not resolved, network unreachable, or the
/// connection closed without an answer (as during a master failover). Transient.</summary>
public sealed class RapiConnectionException(string message, string host, int port, Exception? innerException = null)
    : RapiException(message, innerException)
{
    /// <summary>Host that could not be reached.</summary>
    public string Host { get; } = host;

    /// <summary>Port that could not be reached.</summary>
    public int Port { get; } = port;

    /// <inheritdoc />
    public override bool IsTransient => true;
}

/// <summary>Connecting or the request took longer than the configured timeout. Transient. (The caller's own
/// cancellation surfaces as <see cref="OperationCanceledException"/> instead.)</summary>
public sealed class RapiTimeoutException(string message, TimeSpan timeout, Exception? innerException = null)
    : RapiException(message, innerException)
{
    /// <summary>The timeout that expired.</summary>
    public TimeSpan Timeout { get; } = timeout;

    /// <inheritdoc />
    public override bool IsTransient => true;
}

/// <summary>The answer was not what a Ganeti RAPI sends (not JSON, or JSON of the wrong shape): probably not a
/// Ganeti server, or an incompatible version.</summary>
public sealed class RapiProtocolException(string message, Exception? innerException = null)
    : RapiException(message, innerException);

/// <summary>
/// The server's TLS certificate was refused during the handshake, before any request (and so before any
/// credentials) was sent: it does not match the pinned SHA-256, or, without a pin, it is not trusted.
/// </summary>
public sealed class RapiCertificateException(string message, string? expectedSha256, string? presentedSha256, Exception? innerException = null)
    : RapiException(message, innerException)
{
    /// <summary>The pinned fingerprint (64 upper-case hex digits), or null when no pin is configured.</summary>
    public string? ExpectedSha256 { get; } = expectedSha256;

    /// <summary>The fingerprint of the certificate the server presented, when one was presented.</summary>
    public string? PresentedSha256 { get; } = presentedSha256;
}
