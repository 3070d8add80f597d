using System.Net.WebSockets;
using System.Security.Claims;
using GanetiWebManager.Web.Features.LiveUpdates;

namespace GanetiWebManager.Web.Features.Console;

/// <summary>
/// Watches one open console and ends it when the user may no longer have it: power permission revoked,
/// account disabled, VM stopped, portal shutting down. Checks on a timer (every
/// <see cref="ConsoleOptions.RecheckInterval"/>, a few small queries) and at once when the live-update hub
/// reports a change of the VM or of anyone's access (<see cref="AccessChanged"/>), so a stop seen by the sync
/// or a revoked grant closes the console without waiting for the timer.
/// </summary>
public sealed partial class ConsoleSession : IAsyncDisposable
{
    private readonly ClaimsPrincipal _user;
    private readonly long _vmId;
    private readonly ConsoleAccessCheck _access;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop;
    private readonly ITimer _timer;
    private readonly IDisposable _subscription;
    private int _checking;
    private (WebSocketCloseStatus Status, string Text) _reason = (WebSocketCloseStatus.NormalClosure, "");

    public ConsoleSession(ClaimsPrincipal user, long vmId, ConsoleAccessCheck access, LiveUpdateHub liveUpdates, TimeProvider clock,
        TimeSpan interval, ILogger logger, CancellationToken portalStopping)
    {
        _user = user;
        _vmId = vmId;
        _access = access;
        _logger = logger;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(portalStopping);
        _stop.Token.Register(() =>
        {
            if (portalStopping.IsCancellationRequested)
            {
                SetReason(WebSocketCloseStatus.EndpointUnavailable, "The portal is shutting down.");
            }
        });
        _timer = clock.CreateTimer(_ => _ = CheckAsync(), null, interval, interval);
        _subscription = liveUpdates.Subscribe(
            change => change is AccessChanged || (change is VirtualMachinesChanged vms && vms.Concerns(vmId)), CheckAsync, TimeSpan.FromMilliseconds(50));
    }

    /// <summary>Fires when the session must end; <see cref="StopReason"/> then says why.</summary>
    public CancellationToken Stopped => _stop.Token;

    public (WebSocketCloseStatus Status, string Text) StopReason()
    {
        lock (_stop)
        {
            return _reason;
        }
    }

    private async Task CheckAsync()
    {
        // One check at a time; a tick that comes while one runs is covered by it.
        if (_stop.IsCancellationRequested || Interlocked.Exchange(ref _checking, 1) == 1)
        {
            return;
        }

        try
        {
            var decision = await _access.CheckAsync(_user, _vmId, _stop.Token);
            if (!decision.Allowed)
            {
                SetReason(WebSocketCloseStatus.PolicyViolation, decision.Refusal ?? "The console was closed.");
                await _stop.CancelAsync();
            }
        }
        catch (Exception e) when (e is ObjectDisposedException || (e is OperationCanceledException && _stop.IsCancellationRequested))
        {
            // Ended meanwhile (a timer tick can race the session's disposal).
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A database hiccup does not end a console; the next tick asks again.
            LogCheckFailed(_logger, e, _vmId);
        }
        finally
        {
            Volatile.Write(ref _checking, 0);
        }
    }

    private void SetReason(WebSocketCloseStatus status, string text)
    {
        lock (_stop)
        {
            if (_reason.Text.Length == 0)
            {
                _reason = (status, text);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _subscription.Dispose();
        await _timer.DisposeAsync();
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not re-check the console permission for VM {VmId}; the session stays open until the next check")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception, long vmId);
}
