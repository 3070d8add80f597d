using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace GanetiWebManager.Rapi.Tests.TestSupport;

/// <summary>
/// A TLS server on loopback with a self-signed certificate like Ganeti's (CN=ganeti.example.com). It records every
/// byte of application data (HTTP) it receives, and answers a request with a fixed JSON body.
/// </summary>
public sealed class LocalTlsServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<Task> _connections = [];
    private readonly Task _acceptLoop;
    private long _applicationBytes;

    public LocalTlsServer(string responseJson = "2")
    {
        Certificate = CreateCertificate();
        ResponseJson = responseJson;
        _listener.Start();
        _acceptLoop = AcceptAsync();
    }

    public X509Certificate2 Certificate { get; }

    public string ResponseJson { get; }

    public string Fingerprint => Convert.ToHexStringLower(SHA256.HashData(Certificate.RawData));

    public Uri BaseUrl => new($"https://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    public long ApplicationBytesReceived => Interlocked.Read(ref _applicationBytes);

    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>Waits until every accepted connection has been handled.</summary>
    public async Task DrainAsync()
    {
        await Task.Delay(200);
        await Task.WhenAll(_connections);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _acceptLoop;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        await Task.WhenAll(_connections);
        Certificate.Dispose();
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var tcp = await _listener.AcceptTcpClientAsync(_stop.Token);
            _connections.Add(HandleAsync(tcp));
        }
    }

    private async Task HandleAsync(TcpClient tcp)
    {
        using var _ = tcp;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(3));
        try
        {
            await using var tls = new SslStream(tcp.GetStream());
            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = Certificate }, timeout.Token);
            var buffer = new byte[8192];
            var request = new StringBuilder();
            while (!request.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                var read = await tls.ReadAsync(buffer, timeout.Token);
                if (read == 0)
                {
                    return;
                }

                Interlocked.Add(ref _applicationBytes, read);
                request.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }

            Requests.Enqueue(request.ToString());
            var body = Encoding.UTF8.GetBytes(ResponseJson);
            var head = $"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
            await tls.WriteAsync(Encoding.ASCII.GetBytes(head), timeout.Token);
            await tls.WriteAsync(body, timeout.Token);
            await tls.FlushAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or System.Security.Authentication.AuthenticationException or ObjectDisposedException)
        {
            // The client refused the certificate or went away: exactly what some tests expect.
        }
    }

    private static X509Certificate2 CreateCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=ganeti.example.com", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var now = TimeProvider.System.GetUtcNow();
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(5));
        // Re-import so the private key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }
}
