using System.Text;
using GanetiWebManager.Rapi.Security;

namespace GanetiWebManager.Rapi;

/// <summary>
/// How to reach one cluster's RAPI. <see cref="ToString"/> never shows the password.
/// </summary>
public sealed record RapiClientOptions
{
    /// <summary>Base address, e.g. <c>https://cluster.example.com:5080</c> (RAPI's default port is 5080). Must be
    /// HTTPS; any path is ignored because RAPI paths are absolute.</summary>
    public required Uri BaseUrl { get; init; }

    /// <summary>RAPI user. Credentials are sent pre-emptively with every request (Basic authentication).</summary>
    public string? User { get; init; }

    /// <summary>RAPI password.</summary>
    public string? Password { get; init; }

    /// <summary>
    /// SHA-256 of the server certificate's DER encoding: 64 hex digits, with or without colons, any case. When set,
    /// a certificate is accepted if and only if it matches (name and chain errors are ignored: Ganeti's default
    /// certificate is self-signed for <c>ganeti.example.com</c>). When null, normal .NET validation applies.
    /// </summary>
    public string? CertificateSha256 { get; init; }

    /// <summary>Accept any certificate. Dangerous (anyone on the path can read the credentials); a warning is
    /// logged when a client is created with it. Ignored when <see cref="CertificateSha256"/> is set.</summary>
    public bool AllowInsecureCertificate { get; init; }

    /// <summary>Time to establish the TCP and TLS connection.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Time for a whole request, answer included.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Time for a <c>/2/jobs/{id}/wait</c> long-poll; the server holds it for up to ~10 s.</summary>
    public TimeSpan LongPollTimeout { get; init; } = TimeSpan.FromSeconds(40);

    /// <summary>Maximum simultaneous connections to this cluster (RAPI serves 20 clients in all).</summary>
    public int MaxConnections { get; init; } = 8;

    /// <summary>Maximum simultaneous long-polls; each one holds a server slot for up to ~10 s. Job waits beyond this
    /// number poll <c>GET /2/jobs/{id}</c> instead.</summary>
    public int MaxConcurrentLongPolls { get; init; } = 4;

    /// <summary>First delay between polls when a job is followed by polling.</summary>
    public TimeSpan JobPollMinInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest delay between polls (the delay doubles up to this).</summary>
    public TimeSpan JobPollMaxInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How many transient errors in a row (master failover, network trouble) a job wait survives.</summary>
    public int JobWaitMaxTransientFailures { get; init; } = 10;

    /// <summary>The scheme, host and port, for messages and logs.</summary>
    public string Endpoint => $"{BaseUrl.Host}:{BaseUrl.Port}";

    /// <summary>Checks the options; throws <see cref="ArgumentException"/> naming the first problem.</summary>
    public void Validate()
    {
        if (BaseUrl is null || !BaseUrl.IsAbsoluteUri)
        {
            throw new ArgumentException("BaseUrl must be an absolute URL such as https://cluster.example.com:5080.", nameof(BaseUrl));
        }

        if (BaseUrl.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException($"BaseUrl must use https, not {BaseUrl.Scheme}: RAPI credentials must not travel in clear text.", nameof(BaseUrl));
        }

        if (!string.IsNullOrEmpty(BaseUrl.UserInfo))
        {
            throw new ArgumentException("BaseUrl must not contain credentials; use User and Password.", nameof(BaseUrl));
        }

        if (User is not null && User.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException("A RAPI user name cannot contain ':'.", nameof(User));
        }

        if ((User is null) != (Password is null))
        {
            throw new ArgumentException("Give both User and Password, or neither.", nameof(User));
        }

        if (CertificateSha256 is not null && !CertificateFingerprint.TryNormalize(CertificateSha256, out _))
        {
            throw new ArgumentException("CertificateSha256 must be 64 hexadecimal digits (colons allowed).", nameof(CertificateSha256));
        }

        CheckPositive(ConnectTimeout, nameof(ConnectTimeout));
        CheckPositive(RequestTimeout, nameof(RequestTimeout));
        CheckPositive(LongPollTimeout, nameof(LongPollTimeout));
        CheckPositive(JobPollMinInterval, nameof(JobPollMinInterval));
        if (JobPollMaxInterval < JobPollMinInterval)
        {
            throw new ArgumentException("JobPollMaxInterval must not be shorter than JobPollMinInterval.", nameof(JobPollMaxInterval));
        }

        if (MaxConnections < 1 || MaxConcurrentLongPolls < 0 || JobWaitMaxTransientFailures < 0)
        {
            throw new ArgumentException("MaxConnections must be at least 1; MaxConcurrentLongPolls and JobWaitMaxTransientFailures not negative.");
        }
    }

    private static void CheckPositive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero && value != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException($"{name} must be positive.", name);
        }
    }

    // Records print every property by default; the password must never reach a log.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("BaseUrl = ").Append(BaseUrl)
            .Append(", User = ").Append(User)
            .Append(", Password = ").Append(Password is null ? "(none)" : "***")
            .Append(", CertificateSha256 = ").Append(CertificateSha256)
            .Append(", AllowInsecureCertificate = ").Append(AllowInsecureCertificate)
            .Append(", ConnectTimeout = ").Append(ConnectTimeout)
            .Append(", RequestTimeout = ").Append(RequestTimeout)
            .Append(", LongPollTimeout = ").Append(LongPollTimeout);
        return true;
    }
}
