using System.Security.Claims;

namespace GanetiWebManager.Web.Features.Console;

/// <summary>Console events for the audit log: refused upgrades, failed connects, opened and closed sessions.</summary>
public sealed partial class ConsoleAudit(ILogger<ConsoleAudit> logger)
{
    public Task RefusedAsync(ClaimsPrincipal user, Guid? userId, long vmId, string reason, CancellationToken ct)
    {
        LogRefused(logger, user.Identity?.Name, vmId, reason);
        return Task.CompletedTask;
    }

    public Task FailedAsync(ClaimsPrincipal user, ConsoleTicket ticket, string message, CancellationToken ct)
    {
        LogFailed(logger, user.Identity?.Name, ticket.VmId, message);
        return Task.CompletedTask;
    }

    public Task OpenedAsync(ClaimsPrincipal user, ConsoleTicket ticket, CancellationToken ct)
    {
        var target = ticket.Target.ToString();
        LogOpened(logger, user.Identity?.Name, ticket.VmId, target);
        return Task.CompletedTask;
    }

    public Task ClosedAsync(ClaimsPrincipal user, ConsoleTicket ticket, RelayEnd end, string reason, TimeSpan duration, CancellationToken ct)
    {
        LogClosed(logger, user.Identity?.Name, ticket.VmId, end, reason, duration.TotalSeconds);
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Console of VM {VmId} refused to {User}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string? user, long vmId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Console of VM {VmId} for {User} failed: {Message}")]
    private static partial void LogFailed(ILogger logger, string? user, long vmId, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "Console of VM {VmId} opened by {User} ({Target})")]
    private static partial void LogOpened(ILogger logger, string? user, long vmId, string target);

    [LoggerMessage(Level = LogLevel.Information, Message = "Console of VM {VmId} closed for {User}: {End} {Reason} after {Seconds:0.0} s")]
    private static partial void LogClosed(ILogger logger, string? user, long vmId, RelayEnd end, string reason, double seconds);
}
