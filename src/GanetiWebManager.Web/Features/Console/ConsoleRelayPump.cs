using System.Buffers;
using System.Net.Sockets;
using System.Net.WebSockets;

namespace GanetiWebManager.Web.Features.Console;

/// <summary>How a relayed session ended.</summary>
public enum RelayEnd
{
    /// <summary>The browser closed the WebSocket.</summary>
    BrowserClosed,

    /// <summary>The VNC server closed its connection.</summary>
    ServerClosed,

    /// <summary>The portal ended it (permission revoked, VM stopped, shutdown).</summary>
    Stopped,

    /// <summary>One side broke off without a clean close.</summary>
    Failed,
}

/// <summary>
/// Copies bytes between a browser's WebSocket and a TCP connection, both ways at once. Each direction owns two
/// fixed buffers: it reads the next chunk while the previous one is being written, and reads no further until
/// that write is done, so a slow side slows the other down instead of growing memory (at most four buffers per
/// session, whatever the traffic). Every ending is clean on both sides:
/// a browser close shuts down the TCP send side; a server EOF sends a WebSocket close and waits briefly for
/// the browser's answer; a stop sends a close with the given reason.
/// </summary>
public static class ConsoleRelayPump
{
    public const int DefaultBufferSize = 64 * 1024;

    private static readonly TimeSpan CloseHandshakeTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Relays until either side closes or <paramref name="stop"/> fires; <paramref name="stopReason"/> is then read
    /// for the close status and text the browser gets.
    /// </summary>
    public static async Task<RelayEnd> RunAsync(
        WebSocket browser,
        Socket server,
        int bufferSize,
        Func<(WebSocketCloseStatus Status, string Text)> stopReason,
        CancellationToken stop)
    {
        // Only the TCP side is ever cancelled: cancelling a pending WebSocket operation aborts the WebSocket,
        // and a close must be sent as a close frame. A WebSocket send is never concurrent with another send,
        // so the close frame goes out only after the server-to-browser loop has ended.
        using var tcp = new CancellationTokenSource();
        var toServer = BrowserToServerAsync(browser, server, bufferSize, tcp.Token);
        var toBrowser = ServerToBrowserAsync(server, browser, bufferSize, tcp.Token);
        var stopped = Task.Delay(Timeout.Infinite, stop).ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        var first = await Task.WhenAny(toServer, toBrowser, stopped);
        RelayEnd end;
        if (first == toServer)
        {
            // The browser said goodbye (or broke off): stop reading the server, answer the close, let the server see EOF.
            end = await toServer ? RelayEnd.BrowserClosed : RelayEnd.Failed;
            await tcp.CancelAsync();
            await ObserveAsync(toBrowser);
            await CloseBrowserAsync(browser, WebSocketCloseStatus.NormalClosure, "");
        }
        else
        {
            var (status, text) = (WebSocketCloseStatus.NormalClosure, "The VNC server closed the console.");
            if (first == toBrowser)
            {
                end = await toBrowser ? RelayEnd.ServerClosed : RelayEnd.Failed;
            }
            else
            {
                end = RelayEnd.Stopped;
                (status, text) = stopReason();
                await tcp.CancelAsync();
                await ObserveAsync(toBrowser);
            }

            await CloseBrowserAsync(browser, status, text);
            // Wait for the browser's close frame so the WebSocket ends cleanly, but not forever.
            if (await Task.WhenAny(toServer, Task.Delay(CloseHandshakeTimeout, CancellationToken.None)) != toServer)
            {
                browser.Abort();
            }

            await tcp.CancelAsync();
        }

        ShutdownQuietly(server);
        await ObserveAsync(toServer);
        await ObserveAsync(toBrowser);
        return end;
    }

    // True when the browser closed cleanly, false when the connection broke. Two buffers: the next message is
    // received while the previous one is still being written to the server, and never more than that.
    private static async Task<bool> BrowserToServerAsync(WebSocket browser, Socket server, int bufferSize, CancellationToken ct)
    {
        var buffers = new[] { ArrayPool<byte>.Shared.Rent(bufferSize), ArrayPool<byte>.Shared.Rent(bufferSize) };
        var writing = Task.CompletedTask;
        try
        {
            for (var i = 0; ; i ^= 1)
            {
                var result = await browser.ReceiveAsync(buffers[i].AsMemory(0, bufferSize), CancellationToken.None);
                var filled = result.Count;
                await writing;
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return true;
                }

                writing = filled > 0 ? SendAllAsync(server, buffers[i].AsMemory(0, filled), ct) : Task.CompletedTask;
            }
        }
        catch (Exception e) when (e is WebSocketException or SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
        finally
        {
            await ObserveAsync(writing);
            ArrayPool<byte>.Shared.Return(buffers[0]);
            ArrayPool<byte>.Shared.Return(buffers[1]);
        }
    }

    // True when the server closed cleanly (EOF), false when the connection broke. Two buffers, as above: the next
    // chunk is read from the server while the browser is still being sent the previous one.
    private static async Task<bool> ServerToBrowserAsync(Socket server, WebSocket browser, int bufferSize, CancellationToken ct)
    {
        var buffers = new[] { ArrayPool<byte>.Shared.Rent(bufferSize), ArrayPool<byte>.Shared.Rent(bufferSize) };
        var sending = Task.CompletedTask;
        try
        {
            for (var i = 0; ; i ^= 1)
            {
                var read = await server.ReceiveAsync(buffers[i].AsMemory(0, bufferSize), SocketFlags.None, ct);
                await sending;
                if (read == 0)
                {
                    return true;
                }

                sending = browser.SendAsync(buffers[i].AsMemory(0, read), WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None).AsTask();
            }
        }
        catch (Exception e) when (e is WebSocketException or SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
        finally
        {
            // A send still in flight is finished before the caller may send the close frame.
            await ObserveAsync(sending);
            ArrayPool<byte>.Shared.Return(buffers[0]);
            ArrayPool<byte>.Shared.Return(buffers[1]);
        }
    }

    private static async Task SendAllAsync(Socket socket, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        while (!data.IsEmpty)
        {
            var sent = await socket.SendAsync(data, SocketFlags.None, ct);
            data = data[sent..];
        }
    }

    /// <summary>Sends a close frame unless one was sent already; a browser that is gone is not an error.</summary>
    public static async Task CloseBrowserAsync(WebSocket browser, WebSocketCloseStatus status, string text)
    {
        if (browser.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
        {
            return;
        }

        try
        {
            // The close reason is limited to 123 bytes of UTF-8 by the protocol. Not cancellable (that would abort):
            // a browser that stops reading is aborted by the caller's close-handshake timeout instead.
            var closing = browser.CloseOutputAsync(status, Truncate(text), CancellationToken.None);
            if (await Task.WhenAny(closing, Task.Delay(CloseHandshakeTimeout, CancellationToken.None)) != closing)
            {
                browser.Abort();
            }

            await closing;
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            // Gone already.
        }
    }

    internal static string Truncate(string text)
    {
        if (System.Text.Encoding.UTF8.GetByteCount(text) <= 123)
        {
            return text;
        }

        var cut = text;
        while (System.Text.Encoding.UTF8.GetByteCount(cut) > 120)
        {
            cut = cut[..^1];
        }

        return cut + "…";
    }

    private static void ShutdownQuietly(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already closed.
        }
    }

    private static async Task ObserveAsync(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Each direction reports its own end; a late failure after the session ended changes nothing.
        }
    }
}
