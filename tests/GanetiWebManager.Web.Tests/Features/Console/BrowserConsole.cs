using System.Net;
using System.Net.WebSockets;
using System.Text;

namespace GanetiWebManager.Web.Tests.Features.Console;

/// <summary>What noVNC does on the wire, done by hand: the WebSocket upgrade and the browser's half of RFB 3.8.</summary>
internal static class BrowserConsole
{
    public static async Task<(ClientWebSocket Socket, HttpStatusCode Status)> UpgradeAsync(
        string baseUrl, string relayPath, CookieContainer? cookies, string? origin, string subProtocol = "binary")
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.AddSubProtocol(subProtocol);
        if (cookies is not null)
        {
            socket.Options.Cookies = cookies;
        }

        if (origin is not null)
        {
            socket.Options.SetRequestHeader("Origin", origin);
        }

        var uri = new Uri(baseUrl.Replace("http://", "ws://", StringComparison.Ordinal) + relayPath);
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await socket.ConnectAsync(uri, timeout.Token);
        }
        catch (WebSocketException)
        {
            // The status code tells a refusal (403) from a broken server.
        }

        return (socket, socket.HttpStatusCode);
    }

    /// <summary>The browser's side of the RFB handshake the relay offers: version, security None, ClientInit.</summary>
    public static async Task HandshakeAsync(WebSocket socket, CancellationToken ct)
    {
        var version = await ReceiveAsync(socket, 12, ct);
        Encoding.ASCII.GetString(version).ShouldBe("RFB 003.008\n");
        await SendAsync(socket, "RFB 003.008\n"u8.ToArray(), ct);
        (await ReceiveAsync(socket, 2, ct)).ShouldBe(new byte[] { 1, 1 }, "the relay offers exactly one security type: None");
        await SendAsync(socket, [1], ct);
        (await ReceiveAsync(socket, 4, ct)).ShouldBe(new byte[] { 0, 0, 0, 0 });
        await SendAsync(socket, [1], ct); // ClientInit, shared
    }

    public static Task SendAsync(WebSocket socket, byte[] data, CancellationToken ct) =>
        socket.SendAsync(data, WebSocketMessageType.Binary, endOfMessage: true, ct);

    public static async Task<byte[]> ReceiveAsync(WebSocket socket, int count, CancellationToken ct)
    {
        var buffer = new byte[count];
        var filled = 0;
        while (filled < count)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(filled), ct);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new WebSocketException($"Closed by the relay: {socket.CloseStatus} {socket.CloseStatusDescription}");
            }

            filled += result.Count;
        }

        return buffer;
    }

    /// <summary>Reads until the relay's close frame arrives; returns its status and text.</summary>
    public static async Task<(WebSocketCloseStatus? Status, string? Text)> WaitForCloseAsync(WebSocket socket, TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        var buffer = new byte[4096];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return (result.CloseStatus, result.CloseStatusDescription);
            }
        }
    }
}
