using System.Net.Sockets;
using System.Security.Authentication;
using GanetiWebManager.Rapi;
using GanetiWebManager.Rapi.Exceptions;
using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Rapi.Security;
using Microsoft.Extensions.Options;

namespace GanetiWebManager.Web.Features.Clusters.Registry;

/// <summary>What "Test connection" found out about a cluster.</summary>
public sealed record ConnectionReport(string? ClusterName, string SoftwareVersion, string? MasterNode, int NodeCount, WriteAccess WriteAccess);

public enum WriteAccess
{
    /// <summary>No credentials: the cluster is registered read-only.</summary>
    NotApplicable,

    /// <summary>The user passed RAPI's write-access check.</summary>
    Yes,

    /// <summary>The user may only read (RAPI answered 403 to a request that needs the 'write' option).</summary>
    No,

    /// <summary>The check gave no clear answer (an older Ganeti); changes may still be refused later.</summary>
    Unknown,
}

/// <summary>Either what was found, or a sentence saying what went wrong and what to check.</summary>
public sealed record ConnectionCheck<T>(T? Value, string? Problem)
    where T : class
{
    public bool Succeeded => Value is not null;
}

public static class ConnectionCheck
{
    public static ConnectionCheck<T> Ok<T>(T value)
        where T : class => new(value, null);

    public static ConnectionCheck<T> Failed<T>(string problem)
        where T : class => new(null, problem);
}

/// <summary>
/// Talks to a cluster that is not (or not yet in this form) in the registry: fetches its certificate for trust on
/// first use, and tests connection details before they are saved. Every failure becomes a sentence for the form.
/// </summary>
public sealed class ClusterConnectionTester(IGanetiRapiClientFactory clientFactory, IOptions<RapiSettings> settings)
{
    /// <summary>The interactive checks wait at most this long for an answer, whatever the sync's own timeout.</summary>
    public static readonly TimeSpan MaxInteractiveRequestTimeout = TimeSpan.FromSeconds(15);

    // A job id no cluster reaches. Long-polling it needs the 'write' option: a read-only user gets 403, a writer an
    // immediate "unknown job" (Ganeti 3.0 answers 500 "Can't load job file", which the client turns into 404).
    private static readonly JobId ProbeJobId = new(int.MaxValue);

    /// <summary>TLS handshake only (nothing is sent, so no credentials): the certificate the server presents.</summary>
    public async Task<ConnectionCheck<RapiServerCertificate>> FetchCertificateAsync(string hostname, int port, CancellationToken ct)
    {
        var endpoint = $"{hostname}:{port}";
        try
        {
            var certificate = await RapiCertificateProbe.GetServerCertificateAsync(
                new UriBuilder(Uri.UriSchemeHttps, hostname, port).Uri, settings.Value.ConnectTimeout, ct);
            return ConnectionCheck.Ok<RapiServerCertificate>(certificate);
        }
        catch (RapiException ex)
        {
            return ConnectionCheck.Failed<RapiServerCertificate>(ConnectionProblems.Describe(ex, endpoint, hasCredentials: false));
        }
    }

    /// <summary>
    /// GET /2/info and the node list with the given options (pinned certificate, typed credentials); with
    /// credentials, also whether the user may make changes.
    /// </summary>
    public async Task<ConnectionCheck<ConnectionReport>> TestAsync(RapiClientOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        var interactive = options with
        {
            RequestTimeout = options.RequestTimeout < MaxInteractiveRequestTimeout ? options.RequestTimeout : MaxInteractiveRequestTimeout,
            LongPollTimeout = MaxInteractiveRequestTimeout,
            MaxConnections = 1,
        };
        var hasCredentials = options.User is not null;
        try
        {
            using var client = clientFactory.Create(interactive);
            var info = await client.GetClusterInfoAsync(ct);
            if (string.IsNullOrWhiteSpace(info.SoftwareVersion))
            {
                // Valid JSON, but not Ganeti's /2/info: some other JSON service on that port.
                return ConnectionCheck.Failed<ConnectionReport>(ConnectionProblems.NotGaneti(options.Endpoint, "its /2/info answer has no software_version"));
            }

            var nodes = await client.GetNodeNamesAsync(ct);
            var write = hasCredentials ? await CheckWriteAccessAsync(client, ct) : WriteAccess.NotApplicable;
            return ConnectionCheck.Ok<ConnectionReport>(new ConnectionReport(info.Name, info.SoftwareVersion, info.Master, nodes.Count, write));
        }
        catch (RapiException ex)
        {
            return ConnectionCheck.Failed<ConnectionReport>(ConnectionProblems.Describe(ex, options.Endpoint, hasCredentials));
        }
    }

    private static async Task<WriteAccess> CheckWriteAccessAsync(IGanetiRapiClient client, CancellationToken ct)
    {
        try
        {
            await client.WaitForJobChangeAsync(ProbeJobId, ["status"], null, null, ct);
            return WriteAccess.Unknown;
        }
        catch (RapiForbiddenException)
        {
            return WriteAccess.No;
        }
        catch (RapiNotFoundException)
        {
            return WriteAccess.Yes;
        }
        catch (RapiException)
        {
            return WriteAccess.Unknown;
        }
    }
}

/// <summary>Turns RAPI client failures into sentences that say what to check.</summary>
public static class ConnectionProblems
{
    public static string NotGaneti(string endpoint, string detail) =>
        $"{endpoint} answered, but not as a Ganeti RAPI does ({detail}). Check the host name and the port (RAPI's default is 5080).";

    public static string Describe(RapiException exception, string endpoint, bool hasCredentials)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            RapiCertificateException { ExpectedSha256: { } expected, PresentedSha256: { } presented } =>
                $"{endpoint} now presents a different certificate (SHA-256 {CertificateFingerprint.Format(presented)}) from the one accepted " +
                $"({CertificateFingerprint.Format(expected)}). Nothing was sent to it. Fetch the certificate again and compare it with the cluster's " +
                "before accepting it.",
            RapiCertificateException => $"{endpoint} presented a certificate that was not accepted. Nothing was sent to it. Fetch the certificate and compare it.",
            RapiAuthenticationException when hasCredentials =>
                $"The cluster at {endpoint} refused the RAPI user name or password (HTTP 401). Check them against the cluster's RAPI users file " +
                "(/var/lib/ganeti/rapi/users).",
            RapiAuthenticationException =>
                $"The RAPI at {endpoint} requires a user name and password even for reading (HTTP 401), so it cannot be registered read-only. " +
                "Give the RAPI user and password.",
            RapiForbiddenException =>
                $"The RAPI at {endpoint} refused to let this user read the cluster (HTTP 403).",
            RapiNotFoundException or RapiMethodNotSupportedException =>
                NotGaneti(endpoint, "it has no /2/info"),
            RapiProtocolException => NotGaneti(endpoint, "it did not send Ganeti's JSON; perhaps a web page"),
            RapiMasterUnreachableException =>
                $"The RAPI at {endpoint} answered but cannot reach the Ganeti master daemon (a master failover, or the daemon is down). Try again shortly.",
            RapiHttpException http => http.Message,
            RapiTimeoutException timeout =>
                $"{endpoint} did not answer within {timeout.Timeout.TotalSeconds:0.#} s. The host may be down, or a firewall drops the connection.",
            RapiConnectionException connection => DescribeConnection(connection, endpoint),
            _ => $"Talking to {endpoint} failed: {exception.Message}",
        };
    }

    private static string DescribeConnection(RapiConnectionException exception, string endpoint)
    {
        var socket = Inner<SocketException>(exception);
        var http = Inner<HttpRequestException>(exception);
        if (socket?.SocketErrorCode is SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain
            || http?.HttpRequestError == HttpRequestError.NameResolutionError)
        {
            return $"The host name {exception.Host} cannot be resolved (DNS). Check its spelling, or give the cluster's IP address.";
        }

        if (socket?.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return $"Nothing accepts connections on {endpoint} (connection refused). Check the port (RAPI's default is 5080) and that ganeti-rapi runs on the master.";
        }

        if (socket?.SocketErrorCode is SocketError.NetworkUnreachable or SocketError.HostUnreachable or SocketError.NetworkDown)
        {
            return $"{endpoint} cannot be reached from the portal (no route to the host). Check the address and the network between them.";
        }

        if (socket?.SocketErrorCode == SocketError.TimedOut)
        {
            return $"{endpoint} did not answer in time. The host may be down, or a firewall drops the connection.";
        }

        if (Inner<AuthenticationException>(exception) is not null || exception.Message.Contains("TLS", StringComparison.Ordinal))
        {
            return $"{endpoint} does not speak TLS as a Ganeti RAPI does (the TLS handshake failed). Check that this is the RAPI port (default 5080).";
        }

        return $"Cannot talk to {endpoint}: {exception.Message}";
    }

    private static T? Inner<T>(Exception exception)
        where T : Exception
    {
        for (var current = exception.InnerException; current is not null; current = current.InnerException)
        {
            if (current is T match)
            {
                return match;
            }
        }

        return null;
    }
}
