using System.Globalization;
using System.Security.Claims;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Features.Access;
using GanetiWebManager.Web.Features.Audit;
using Microsoft.EntityFrameworkCore;

namespace GanetiWebManager.Web.Features.Console;

/// <summary>
/// Console events in the audit log: <c>console.open</c> (refused, failed to reach the node, or opened) and
/// <c>console.close</c> (how it ended and after how long). Written with <see cref="CancellationToken.None"/> by
/// callers at the end of a session: a browser that went away must not lose the entry.
/// </summary>
public sealed class ConsoleAudit(IAuditLog audit, IDbContextFactory<AppDbContext> contextFactory)
{
    public const string OpenAction = "console.open";
    public const string CloseAction = "console.close";

    public Task RefusedAsync(ClaimsPrincipal user, long vmId, string reason, CancellationToken ct) =>
        audit.RecordRefusalAsync(user, OpenAction, new VmResource(vmId), reason, ct);

    public Task FailedAsync(ClaimsPrincipal user, ConsoleTicket ticket, string message, CancellationToken ct) =>
        RecordAsync(user, OpenAction, ticket, $"could not connect to {ticket.Target}: {message}", ct);

    public Task OpenedAsync(ClaimsPrincipal user, ConsoleTicket ticket, CancellationToken ct) =>
        RecordAsync(user, OpenAction, ticket, $"connected to {ticket.Target} ({ticket.Target.Source})", ct);

    public Task ClosedAsync(ClaimsPrincipal user, ConsoleTicket ticket, RelayEnd end, string reason, TimeSpan duration, CancellationToken ct)
    {
        var how = end switch
        {
            RelayEnd.BrowserClosed => "closed by the user",
            RelayEnd.ServerClosed => "closed by the VNC server",
            RelayEnd.Stopped => $"closed by the portal: {reason}",
            _ => "connection lost",
        };
        return RecordAsync(user, CloseAction, ticket, string.Create(CultureInfo.InvariantCulture, $"{how} after {duration.TotalSeconds:0} s"), ct);
    }

    private async Task RecordAsync(ClaimsPrincipal user, string action, ConsoleTicket ticket, string reason, CancellationToken ct)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var vm = await db.VirtualMachines.AsNoTracking().Where(v => v.Id == ticket.VmId)
            .Select(v => new { v.Name, Slug = db.Clusters.Where(c => c.Id == v.ClusterId).Select(c => c.Slug).FirstOrDefault() })
            .SingleOrDefaultAsync(ct);
        var entry = AuditEntries.By(user, action);
        entry.Reason = reason;
        entry.VirtualMachineId = ticket.VmId;
        entry.VmName = vm?.Name;
        entry.ClusterId = ticket.Target.ClusterId;
        entry.ClusterSlug = vm?.Slug;
        entry.NodeName = ticket.Target.NodeName;
        audit.Add(db, entry);
        await db.SaveChangesAsync(ct);
    }
}
