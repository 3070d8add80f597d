using System.Buffers.Binary;
using System.Net.WebSockets;
using System.Text;

namespace GanetiWebManager.Web.Features.Console;

/// <summary>
/// The relay's two RFB handshakes (RFC 6143 §7.1–7.2). Towards the VNC server it authenticates itself
/// (None, or VNC authentication with the cluster's password), so the password never reaches a browser. Towards
/// the browser it plays an RFB 3.8 server that offers only "None". After both, the relay copies bytes: the
/// browser's ClientInit and the server's ServerInit go through unchanged.
/// </summary>
public static class RfbHandshake
{
    private const byte SecurityInvalid = 0;
    private const byte SecurityNone = 1;
    private const byte SecurityVncAuthentication = 2;

    // A server's reason text is shown to users; anything longer than this is not a reason but a broken server.
    private const int MaxReasonLength = 4096;

    /// <summary>
    /// Speaks to the VNC server until it accepted the relay (SecurityResult OK); the next bytes it sends are
    /// its ServerInit. Throws <see cref="RfbHandshakeException"/> with a message fit for a user.
    /// </summary>
    public static async Task AuthenticateToServerAsync(Stream server, string? password, CancellationToken ct)
    {
        var version = new byte[12];
        await server.ReadExactlyAsync(version, ct);
        var minor = ParseVersion(version) ?? throw new RfbHandshakeException(
            "The console port did not answer like a VNC server (no RFB greeting).");

        // The highest version both sides speak: 3.8 at most (later "versions" are vendor variants of 3.8).
        var chosenMinor = minor >= 8 ? 8 : minor >= 7 ? 7 : 3;
        await server.WriteAsync(Encoding.ASCII.GetBytes($"RFB 003.00{chosenMinor}\n"), ct);

        byte type;
        if (chosenMinor == 3)
        {
            // 3.3: the server decides the security type on its own.
            var word = new byte[4];
            await server.ReadExactlyAsync(word, ct);
            var decided = BinaryPrimitives.ReadUInt32BigEndian(word);
            if (decided == SecurityInvalid)
            {
                throw new RfbHandshakeException($"The VNC server refused the connection: {await ReadReasonAsync(server, ct)}");
            }

            type = decided is SecurityNone or SecurityVncAuthentication ? (byte)decided
                : throw new RfbHandshakeException($"The VNC server wants security type {decided}, which the portal does not support.");
        }
        else
        {
            var count = new byte[1];
            await server.ReadExactlyAsync(count, ct);
            if (count[0] == 0)
            {
                throw new RfbHandshakeException($"The VNC server refused the connection: {await ReadReasonAsync(server, ct)}");
            }

            var offered = new byte[count[0]];
            await server.ReadExactlyAsync(offered, ct);
            type = offered.Contains(SecurityNone) ? SecurityNone
                : offered.Contains(SecurityVncAuthentication) ? SecurityVncAuthentication
                : throw new RfbHandshakeException(
                    $"The VNC server offers only security types {string.Join(", ", offered)}; the portal supports None (1) and VNC authentication (2).");
            await server.WriteAsync(new[] { type }, ct);
        }

        if (type == SecurityVncAuthentication)
        {
            if (password is null)
            {
                throw new RfbHandshakeException(
                    "The VNC server asks for a password, and none is set for this cluster. An administrator sets the VNC password in the cluster's settings.");
            }

            var challenge = new byte[16];
            await server.ReadExactlyAsync(challenge, ct);
            await server.WriteAsync(VncDes.RespondToChallenge(challenge, password), ct);
        }

        // 3.8 always sends a SecurityResult; 3.3 and 3.7 only after VNC authentication.
        if (chosenMinor == 8 || type == SecurityVncAuthentication)
        {
            var result = new byte[4];
            await server.ReadExactlyAsync(result, ct);
            if (BinaryPrimitives.ReadUInt32BigEndian(result) != 0)
            {
                var reason = chosenMinor == 8 ? await ReadReasonAsync(server, ct) : "";
                throw new RfbHandshakeException(type == SecurityVncAuthentication
                    ? $"The VNC server did not accept the cluster's VNC password{(reason.Length > 0 ? $" ({reason})" : "")}. An administrator checks it in the cluster's settings."
                    : $"The VNC server refused the connection{(reason.Length > 0 ? $": {reason}" : ".")}");
            }
        }
    }

    /// <summary>
    /// Plays an RFB 3.8 server with security "None" towards the browser, up to SecurityResult OK; the browser's
    /// next message is its ClientInit. Throws <see cref="RfbHandshakeException"/> when the browser speaks otherwise.
    /// </summary>
    public static async Task GreetBrowserAsync(WebSocket browser, CancellationToken ct)
    {
        await SendAsync(browser, "RFB 003.008\n"u8.ToArray(), ct);
        var version = new byte[12];
        await ReceiveExactlyAsync(browser, version, ct);
        if (ParseVersion(version) is not >= 8)
        {
            throw new RfbHandshakeException("The browser's VNC client does not speak RFB 3.8.");
        }

        await SendAsync(browser, [1, SecurityNone], ct);
        var chosen = new byte[1];
        await ReceiveExactlyAsync(browser, chosen, ct);
        if (chosen[0] != SecurityNone)
        {
            throw new RfbHandshakeException("The browser's VNC client chose a security type the relay did not offer.");
        }

        await SendAsync(browser, [0, 0, 0, 0], ct);
    }

    /// <summary>The minor version of an "RFB 003.00x\n" greeting, or null when it is not one.</summary>
    internal static int? ParseVersion(ReadOnlySpan<byte> greeting)
    {
        if (greeting.Length != 12 || !greeting[..4].SequenceEqual("RFB "u8) || greeting[7] != (byte)'.' || greeting[11] != (byte)'\n')
        {
            return null;
        }

        var text = Encoding.ASCII.GetString(greeting[4..11]);
        return int.TryParse(text[..3], out var major) && int.TryParse(text[4..], out var minor) && major == 3 ? minor : null;
    }

    private static async Task<string> ReadReasonAsync(Stream server, CancellationToken ct)
    {
        var length = new byte[4];
        await server.ReadExactlyAsync(length, ct);
        var count = BinaryPrimitives.ReadUInt32BigEndian(length);
        if (count > MaxReasonLength)
        {
            return "(no readable reason given)";
        }

        var reason = new byte[count];
        await server.ReadExactlyAsync(reason, ct);
        return Encoding.UTF8.GetString(reason);
    }

    private static Task SendAsync(WebSocket socket, byte[] bytes, CancellationToken ct) =>
        socket.SendAsync(bytes, WebSocketMessageType.Binary, endOfMessage: true, ct);

    // Reads exactly buffer.Length bytes, across messages if need be; never more, so nothing meant for the
    // server (the ClientInit that follows) is consumed here.
    private static async Task ReceiveExactlyAsync(WebSocket socket, Memory<byte> buffer, CancellationToken ct)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var result = await socket.ReceiveAsync(buffer[filled..], ct);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new RfbHandshakeException("The browser closed the console before it was connected.");
            }

            filled += result.Count;
        }
    }
}

/// <summary>An RFB handshake that could not be completed; the message is meant for the user.</summary>
public sealed class RfbHandshakeException(string message) : Exception(message);
