using System.ComponentModel.DataAnnotations;

namespace GanetiWebManager.Web.Features.Console;

/// <summary>Settings of the console relay (section <c>Console</c>).</summary>
public sealed class ConsoleOptions
{
    public const string SectionName = "Console";

    /// <summary>How long a ticket may wait for its first (and only) connect.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan TicketLifetime { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often an open console re-checks the user's permission and the VM's state.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan RecheckInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long the relay waits for a node's VNC port to accept and finish the RFB handshake.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Bytes buffered per direction and session; a full buffer pauses reading from the other side.</summary>
    [Range(4096, 1048576)]
    public int BufferSize { get; set; } = ConsoleRelayPump.DefaultBufferSize;

    /// <summary>
    /// Origins besides the portal's own that may open consoles, e.g. <c>https://portal.example.org</c> when a
    /// reverse proxy terminates TLS and the portal itself sees plain http.
    /// </summary>
    public List<string> AllowedOrigins { get; set; } = [];
}
