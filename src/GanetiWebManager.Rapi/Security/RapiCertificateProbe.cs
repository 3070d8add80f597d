using System.Diagnostics.CodeAnalysis;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using GanetiWebManager.Rapi.Exceptions;

namespace GanetiWebManager.Rapi.Security;

/// <summary>The certificate a RAPI server presented, for an administrator to confirm before pinning it.</summary>
public sealed record RapiServerCertificate
{
    /// <summary>SHA-256 of the DER encoding, 64 lower-case hex digits (as sha256sum prints them) (the value to pin).</summary>
    public required string Sha256 { get; init; }

    /// <summary><see cref="Sha256"/> as colon-separated pairs.</summary>
    public string Sha256Formatted => CertificateFingerprint.Format(Sha256);

    /// <summary>Subject, e.g. <c>CN=ganeti.example.com</c> for Ganeti's default certificate.</summary>
    public required string Subject { get; init; }

    /// <summary>Issuer (equal to the subject when self-signed).</summary>
    public required string Issuer { get; init; }

    /// <summary>Serial number (hex).</summary>
    public required string SerialNumber { get; init; }

    /// <summary>Start of validity (UTC).</summary>
    public required DateTimeOffset NotBefore { get; init; }

    /// <summary>End of validity (UTC).</summary>
    public required DateTimeOffset NotAfter { get; init; }

    /// <summary>What normal validation says about it; <see cref="SslPolicyErrors.None"/> when the system trusts it.</summary>
    public required SslPolicyErrors PolicyErrors { get; init; }
}

/// <summary>
/// Fetches a RAPI server's certificate for trust-on-first-use: connects, completes the TLS handshake and closes,
/// without sending any HTTP request (so no credentials).
/// </summary>
public static class RapiCertificateProbe
{
    /// <summary>Connects to the host and port of <paramref name="baseUrl"/> and returns the presented certificate.</summary>
    /// <exception cref="RapiConnectionException">The server could not be reached or the handshake failed.</exception>
    /// <exception cref="RapiTimeoutException">No handshake within <paramref name="timeout"/>.</exception>
    [SuppressMessage("Security", "CA5359:Do Not Disable Certificate Validation", Justification = "Probe only: the handshake is completed to read the certificate, nothing is sent.")]
    public static async Task<RapiServerCertificate> GetServerCertificateAsync(Uri baseUrl, TimeSpan timeout, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        var host = baseUrl.IdnHost;
        var port = baseUrl.Port;
        using var timeoutCts = new CancellationTokenSource(timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeoutCts.Token);

        X509Certificate2? presented = null;
        var errors = SslPolicyErrors.None;
        try
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(host, port, linked.Token);
            await using var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
            await tls.AuthenticateAsClientAsync(
                new SslClientAuthenticationOptions
                {
                    TargetHost = host,
                    RemoteCertificateValidationCallback = Capture,
                },
                linked.Token);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException ex)
        {
            throw new RapiTimeoutException($"No TLS handshake with {host}:{port} within {timeout.TotalSeconds:0.#} s.", timeout, ex);
        }
        catch (SocketException ex)
        {
            throw new RapiConnectionException($"Cannot connect to {host}:{port}: {ex.Message}", host, port, ex);
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException)
        {
            throw new RapiConnectionException($"TLS handshake with {host}:{port} failed: {ex.Message}", host, port, ex);
        }

        if (presented is null)
        {
            throw new RapiConnectionException($"{host}:{port} presented no certificate.", host, port);
        }

        using (presented)
        {
            return new RapiServerCertificate
            {
                Sha256 = CertificateFingerprint.Compute(presented),
                Subject = presented.Subject,
                Issuer = presented.Issuer,
                SerialNumber = presented.SerialNumber,
                NotBefore = new DateTimeOffset(presented.NotBefore.ToUniversalTime(), TimeSpan.Zero),
                NotAfter = new DateTimeOffset(presented.NotAfter.ToUniversalTime(), TimeSpan.Zero),
                PolicyErrors = errors,
            };
        }

        // Accepting every certificate is safe here only because nothing is sent over the connection.
        bool Capture(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors policyErrors)
        {
            if (certificate is not null)
            {
                presented = new X509Certificate2(certificate);
                errors = policyErrors;
            }

            return true;
        }
    }
}
