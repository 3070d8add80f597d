using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using GanetiWebManager.Web.Features.Console;

namespace GanetiWebManager.Web.Tests.Features.Console;

/// <summary>
/// Stands in for a node's VNC port: counts every TCP connection it accepts (so a test proves a refused upgrade
/// reached no node), speaks RFB 3.8 with security None or VNC authentication, answers the ClientInit with a
/// fixed "ServerInit" and then echoes whatever it receives.
/// </summary>
internal sealed class FakeVncNode : IAsyncDisposable
{
    public static readonly byte[] ServerInit = "FAKE-SERVER-INIT"u8.ToArray();

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _clients = [];
    private readonly Task _accepting;
    private int _accepted;
    private int _authenticated;

    public FakeVncNode(string? password = null)
    {
        Password = password;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public string? Password { get; }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>TCP connections accepted so far.</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>Connections that passed VNC authentication (or None) and sent their ClientInit.</summary>
    public int Authenticated => Volatile.Read(ref _authenticated);

    /// <summary>Ends every open connection from the node's side (as qemu does when the VM stops).</summary>
    public void DropAll()
    {
        lock (_clients)
        {
            foreach (var client in _clients)
            {
                client.Close();
            }

            _clients.Clear();
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref _accepted);
            lock (_clients)
            {
                _clients.Add(client);
            }

            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        try
        {
            var stream = client.GetStream();
            var ct = _stop.Token;
            await stream.WriteAsync("RFB 003.008\n"u8.ToArray(), ct);
            var version = new byte[12];
            await stream.ReadExactlyAsync(version, ct);
            byte type = Password is null ? (byte)1 : (byte)2;
            await stream.WriteAsync(new byte[] { 1, type }, ct);
            var chosen = new byte[1];
            await stream.ReadExactlyAsync(chosen, ct);
            if (chosen[0] != type)
            {
                return;
            }

            var ok = true;
            if (type == 2)
            {
                var challenge = new byte[16];
                Random.Shared.NextBytes(challenge);
                await stream.WriteAsync(challenge, ct);
                var response = new byte[16];
                await stream.ReadExactlyAsync(response, ct);
                ok = response.AsSpan().SequenceEqual(VncDes.RespondToChallenge(challenge, Password!));
            }

            var result = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(result, ok ? 0u : 1u);
            await stream.WriteAsync(result, ct);
            if (!ok)
            {
                var reason = "Authentication failed"u8.ToArray();
                var length = new byte[4];
                BinaryPrimitives.WriteUInt32BigEndian(length, (uint)reason.Length);
                await stream.WriteAsync(length, ct);
                await stream.WriteAsync(reason, ct);
                return;
            }

            var clientInit = new byte[1];
            await stream.ReadExactlyAsync(clientInit, ct);
            Interlocked.Increment(ref _authenticated);
            await stream.WriteAsync(ServerInit, ct);

            var buffer = new byte[16 * 1024];
            int read;
            while ((read = await stream.ReadAsync(buffer, ct)) > 0)
            {
                await stream.WriteAsync(buffer.AsMemory(0, read), ct);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The relay or the test ended the connection.
        }
        finally
        {
            client.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        DropAll();
        await _accepting;
        _stop.Dispose();
    }
}
