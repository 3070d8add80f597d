using System.Security.Claims;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Access;
using GanetiWebManager.Web.Features.Access;
using Microsoft.EntityFrameworkCore;

namespace GanetiWebManager.Web.Features.Console;

/// <summary>
/// What the console page gets when it asks to connect: a relay address with a fresh ticket, or why not.
/// <see cref="Refused"/> tells a permission refusal (audited) from a console that is merely unavailable.
/// </summary>
public sealed record ConsoleGrant(string? RelayPath, string? Problem, bool Refused = false)
{
    public bool Granted => RelayPath is not null;
}

/// <summary>What the pop-out console window shows of a VM.</summary>
public sealed record ConsoleVm(long Id, int ClusterId, string ClusterSlug, string Name, string? Status)
{
    public bool Running => ConsoleTargetResolver.IsRunning(Status);
}

/// <summary>Issues console tickets to the console page after checking the user's power permission on the VM.</summary>
public sealed class ConsoleService(
    IDbContextFactory<AppDbContext> contextFactory,
    IPortalAccess portalAccess,
    ConsoleAccessCheck access,
    ConsoleTargetResolver resolver,
    ConsoleTicketStore tickets,
    ConsoleAudit audit)
{
    /// <summary>
    /// The VM for the pop-out console window, or null when it does not exist or the user lacks power on it (the
    /// window then says "not found or not yours", revealing nothing).
    /// </summary>
    public async Task<ConsoleVm?> FindAsync(ClaimsPrincipal user, string clusterSlug, string name, CancellationToken ct)
    {
        var slug = (clusterSlug ?? "").Trim().ToLowerInvariant();
        var vmName = (name ?? "").Trim().ToLowerInvariant();
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var vm = await (
            from v in db.VirtualMachines.AsNoTracking()
            join c in db.Clusters on v.ClusterId equals c.Id
            where c.Slug == slug && v.Name == vmName
            select new ConsoleVm(v.Id, v.ClusterId, c.Slug, v.Name, v.Status)).FirstOrDefaultAsync(ct);
        if (vm is null)
        {
            return null;
        }

        var scope = await portalAccess.ScopeAsync(db, user, ct);
        return (await portalAccess.OnVmAsync(db, scope, vm.Id, ct)).Has(VmPermissions.Power) ? vm : null;
    }

    public async Task<ConsoleGrant> OpenAsync(ClaimsPrincipal user, long vmId, CancellationToken ct)
    {
        if (!Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var userId))
        {
            return new ConsoleGrant(null, "Sign in to open a console.", Refused: true);
        }

        var decision = await access.CheckAsync(user, vmId, ct);
        if (!decision.Allowed)
        {
            await audit.RefusedAsync(user, vmId, decision.Refusal ?? "refused", ct);
            return decision.VmStopped
                ? new ConsoleGrant(null, "The virtual machine is not running, so it has no console. Start it first.")
                : new ConsoleGrant(null, decision.Refusal, Refused: true);
        }

        var target = await resolver.ResolveAsync(vmId, ct);
        if (target.Target is null)
        {
            return new ConsoleGrant(null, target.Problem);
        }

        var ticket = tickets.Issue(userId, vmId, target.Target);
        return new ConsoleGrant($"{ConsoleRelayEndpoint.PathFor(vmId)}?ticket={Uri.EscapeDataString(ticket)}", null);
    }
}
