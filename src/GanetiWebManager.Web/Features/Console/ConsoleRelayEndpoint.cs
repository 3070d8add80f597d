using System.Diagnostics;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Claims;
using GanetiWebManager.Web.Features.LiveUpdates;
using Microsoft.Extensions.Options;

namespace GanetiWebManager.Web.Features.Console;

/// <summary>
/// <c>GET /console/relay/{vmId}?ticket=...</c>, a WebSocket (subprotocol <c>binary</c>) relayed to the VM's VNC
/// port. Before anything reaches a node, the upgrade checks: a WebSocket request, an Origin of this portal,
/// a signed-in user, the ticket (single use, unexpired, this VM, this user), and the user's power permission
/// again. Any refusal is a 403 (400 for what is not a console WebSocket at all) and is audited.
/// </summary>
public static partial class ConsoleRelayEndpoint
{
    public const string SubProtocol = "binary";

    public static string PathFor(long vmId) => $"/console/relay/{vmId}";

    public static IEndpointRouteBuilder MapConsoleRelay(this IEndpointRouteBuilder endpoints)
    {
        // Anonymous at the routing level so that a browser without a session gets a 403 here, not a redirect
        // to the login page (which a WebSocket cannot follow); the handler checks the user itself.
        endpoints.Map("/console/relay/{vmId:long}", HandleAsync).AllowAnonymous().ExcludeFromDescription();
        return endpoints;
    }

    private static async Task HandleAsync(HttpContext context, long vmId)
    {
        var services = context.RequestServices;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ConsoleRelayEndpoint));
        var audit = services.GetRequiredService<ConsoleAudit>();
        var ct = context.RequestAborted;

        if (!context.WebSockets.IsWebSocketRequest || !context.WebSockets.WebSocketRequestedProtocols.Contains(SubProtocol))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync("This address takes a console WebSocket (subprotocol \"binary\") only.", ct);
            return;
        }

        var options = services.GetRequiredService<IOptions<ConsoleOptions>>().Value;
        var userId = UserId(context.User);
        string? refusal = null;
        if (!IsAllowedOrigin(context.Request, options))
        {
            refusal = $"origin \"{context.Request.Headers.Origin}\" is not this portal";
        }
        else if (userId is null)
        {
            refusal = "not signed in";
        }

        ConsoleTicket? ticket = null;
        if (refusal is null)
        {
            // The ticket is spent here whatever follows: a refused upgrade cannot be retried with it.
            var ticketRefusal = services.GetRequiredService<ConsoleTicketStore>()
                .Redeem(context.Request.Query["ticket"], userId!.Value, vmId, out ticket);
            refusal = ticketRefusal switch
            {
                TicketRefusal.None => null,
                TicketRefusal.Expired => "the ticket expired",
                TicketRefusal.OtherVm => "the ticket is for another VM",
                TicketRefusal.OtherUser => "the ticket is for another user",
                _ => "unknown or already used ticket",
            };
        }

        if (refusal is null)
        {
            var decision = await services.GetRequiredService<ConsoleAccessCheck>().CheckAsync(context.User, vmId, ct);
            refusal = decision.Allowed ? null : decision.Refusal;
        }

        if (refusal is not null)
        {
            await audit.RefusedAsync(context.User, vmId, refusal, CancellationToken.None);
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return;
        }

        using var browser = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            SubProtocol = SubProtocol,
            KeepAliveInterval = TimeSpan.FromSeconds(20),
        });
        await RelayAsync(context, browser, ticket!, options, audit, logger);
    }

    private static async Task RelayAsync(HttpContext context, WebSocket browser, ConsoleTicket ticket, ConsoleOptions options, ConsoleAudit audit, ILogger logger)
    {
        var services = context.RequestServices;
        var target = ticket.Target;
        var stopping = services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using (var connecting = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping))
            {
                connecting.CancelAfter(options.ConnectTimeout);
                try
                {
                    await socket.ConnectAsync(target.Host, target.Port, connecting.Token);
                    var password = await services.GetRequiredService<ConsolePasswords>().ForClusterAsync(target.ClusterId, connecting.Token);
                    await using var server = new NetworkStream(socket, ownsSocket: false);
                    await RfbHandshake.AuthenticateToServerAsync(server, password, connecting.Token);
                    await RfbHandshake.GreetBrowserAsync(browser, connecting.Token);
                }
                catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or RfbHandshakeException or ConsolePasswordException)
                {
                    var message = e switch
                    {
                        RfbHandshakeException or ConsolePasswordException => e.Message,
                        OperationCanceledException when context.RequestAborted.IsCancellationRequested => "The browser went away.",
                        OperationCanceledException => $"The VNC server at {target} did not answer within {options.ConnectTimeout.TotalSeconds:0} seconds.",
                        EndOfStreamException => $"The VNC server at {target} closed the connection during the handshake (it may serve one client at a time).",
                        _ => $"The portal could not reach the VNC server at {target}: {e.Message}",
                    };
                    LogConnectFailed(logger, e, ticket.VmId, target.ToString());
                    await audit.FailedAsync(context.User, ticket, message, CancellationToken.None);
                    await ConsoleRelayPump.CloseBrowserAsync(browser, WebSocketCloseStatus.InternalServerError, message);
                    return;
                }
            }

            await using var session = new ConsoleSession(context.User, ticket.VmId, services.GetRequiredService<ConsoleAccessCheck>(),
                services.GetRequiredService<LiveUpdateHub>(), services.GetRequiredService<TimeProvider>(), options.RecheckInterval, logger, stopping);
            await audit.OpenedAsync(context.User, ticket, CancellationToken.None);
            var started = Stopwatch.GetTimestamp();
            var end = await ConsoleRelayPump.RunAsync(browser, socket, options.BufferSize, session.StopReason, session.Stopped);
            await audit.ClosedAsync(context.User, ticket, end, session.StopReason().Text, Stopwatch.GetElapsedTime(started), CancellationToken.None);
        }
        finally
        {
            socket.Close();
        }
    }

    private static Guid? UserId(ClaimsPrincipal user) =>
        user.Identity?.IsAuthenticated == true && Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var id) ? id : null;

    /// <summary>
    /// Browsers always send Origin on a WebSocket request; a page of another site gets its own origin there, so
    /// this is what stops cross-site WebSocket hijacking with the user's cookie. Missing means not a browser we
    /// serve, so it is refused too.
    /// </summary>
    internal static bool IsAllowedOrigin(HttpRequest request, ConsoleOptions options)
    {
        var origin = request.Headers.Origin.ToString();
        if (string.IsNullOrEmpty(origin) || !Uri.TryCreate(origin, UriKind.Absolute, out var uri))
        {
            return false;
        }

        var own = $"{request.Scheme}://{request.Host.Value}";
        return string.Equals(uri.GetLeftPart(UriPartial.Authority), own, StringComparison.OrdinalIgnoreCase)
               || options.AllowedOrigins.Any(o => string.Equals(o.TrimEnd('/'), origin.TrimEnd('/'), StringComparison.OrdinalIgnoreCase));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The console of VM {VmId} could not connect to {Target}")]
    private static partial void LogConnectFailed(ILogger logger, Exception exception, long vmId, string target);
}
