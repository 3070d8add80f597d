using GanetiWebManager.Web.Data;
using Microsoft.EntityFrameworkCore;

namespace GanetiWebManager.Web.Features.Console;

/// <summary>Whether a user may have a VM's console open right now, and why not.</summary>
public sealed record ConsoleAccessDecision(bool Allowed, string? Refusal, bool VmStopped = false)
{
    public static ConsoleAccessDecision Allow { get; } = new(true, null);
}

/// <summary>
/// The one question the console asks, at ticket issue, at the upgrade and again every few seconds while a
/// session is open: is the user enabled, do they hold Power on the VM, and is the VM running. Read from the
/// database every time (never from the sign-in cookie), so a revocation or a disabled account takes effect.
/// </summary>
public sealed class ConsoleAccessCheck(IDbContextFactory<AppDbContext> contextFactory)
{
    public async Task<ConsoleAccessDecision> CheckAsync(Guid userId, long vmId, CancellationToken ct)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var user = await db.Users.AsNoTracking().Where(u => u.Id == userId)
            .Select(u => new { u.IsDisabled, u.IsSuperuser }).SingleOrDefaultAsync(ct);
        if (user is null || user.IsDisabled)
        {
            return new ConsoleAccessDecision(false, "Your account is disabled.");
        }

        var status = await db.VirtualMachines.AsNoTracking().Where(v => v.Id == vmId)
            .Select(v => new { v.Status }).SingleOrDefaultAsync(ct);
        if (status is null || !user.IsSuperuser)
        {
            // Not found and not permitted look the same, so the answer reveals nothing about VMs one cannot see.
            return new ConsoleAccessDecision(false, "You do not have the power permission on this virtual machine.");
        }

        return ConsoleTargetResolver.IsRunning(status.Status)
            ? ConsoleAccessDecision.Allow
            : new ConsoleAccessDecision(false, "The virtual machine stopped.", VmStopped: true);
    }
}
