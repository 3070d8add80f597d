using System.Security.Claims;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Access;
using GanetiWebManager.Web.Features.Access;
using Microsoft.EntityFrameworkCore;

namespace GanetiWebManager.Web.Features.Console;

/// <summary>Whether a user may have a VM's console open right now, and why not.</summary>
public sealed record ConsoleAccessDecision(bool Allowed, string? Refusal, bool VmStopped = false)
{
    public static ConsoleAccessDecision Allow { get; } = new(true, null);
}

/// <summary>
/// The one question the console asks, at ticket issue, at the upgrade and again every few seconds while a
/// session is open: does the user (enabled, read fresh by <see cref="IPortalAccess"/>, never from the
/// cookie) hold Power on the VM, and is the VM running. Two small queries; nothing is cached, so a revoked
/// grant, a lock or a disabled account takes effect at the next check.
/// </summary>
public sealed class ConsoleAccessCheck(IDbContextFactory<AppDbContext> contextFactory, IPortalAccess access)
{
    public const string NoPower = "You do not have the power permission on this virtual machine.";

    public async Task<ConsoleAccessDecision> CheckAsync(ClaimsPrincipal user, long vmId, CancellationToken ct)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var scope = await access.ScopeAsync(db, user, ct);
        if (!scope.IsAuthenticated)
        {
            return new ConsoleAccessDecision(false, "Your account is disabled or no longer exists.");
        }

        var onVm = await access.OnVmAsync(db, scope, vmId, ct);
        if (!onVm.Has(VmPermissions.Power))
        {
            // A VM that does not exist and one without power look the same: the answer reveals nothing.
            return new ConsoleAccessDecision(false, NoPower);
        }

        var status = await db.VirtualMachines.AsNoTracking().Where(v => v.Id == vmId).Select(v => v.Status).SingleOrDefaultAsync(ct);
        return ConsoleTargetResolver.IsRunning(status)
            ? ConsoleAccessDecision.Allow
            : new ConsoleAccessDecision(false, "The virtual machine stopped.", VmStopped: true);
    }
}
