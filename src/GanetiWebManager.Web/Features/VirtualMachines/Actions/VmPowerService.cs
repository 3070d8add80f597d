using System.Security.Claims;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Features.Access;
using GanetiWebManager.Web.Features.Quotas;
using Microsoft.EntityFrameworkCore;

namespace GanetiWebManager.Web.Features.VirtualMachines.Actions;

public enum ShutdownKind
{
    /// <summary>Ask the guest to power off; stop it anyway after <see cref="VmPowerService.GracefulShutdownTimeoutSeconds"/>.</summary>
    Graceful,

    /// <summary>Stop at once, like pulling the plug (timeout 0).</summary>
    Immediate,
}

public enum RebootKind
{
    /// <summary>The guest reboots itself.</summary>
    Soft,

    /// <summary>Ganeti stops and starts the VM (a reset).</summary>
    Hard,
}

/// <summary>Start, shut down and reboot a VM (product-spec §8), each a job through the outbox, followed live.</summary>
public sealed class VmPowerService(VmActionRunner runner, IDbContextFactory<AppDbContext> contextFactory, IPortalAccess access)
{
    /// <summary>How long a graceful shutdown waits for the guest before stopping it (Ganeti's own default).</summary>
    public const int GracefulShutdownTimeoutSeconds = 120;

    /// <summary>What the power buttons need to know of a VM (from the database, like every page); null when the user may not see it.</summary>
    public async Task<VmPowerState?> GetStateAsync(ClaimsPrincipal user, long vmId, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        if (!(await access.OnVmAsync(db, await access.ScopeAsync(db, user, ct), vmId, ct)).CanView)
        {
            return null;
        }

        return await db.VirtualMachines.AsNoTracking()
            .Where(v => v.Id == vmId)
            .Join(db.Clusters, v => v.ClusterId, c => c.Id, (v, c) => new VmPowerState(
                v.Id, v.ClusterId, v.Name, v.Status, v.AdminState, c.RapiUsername == null, v.PendingDelete, v.MissingSince != null))
            .SingleOrDefaultAsync(ct);
    }

    /// <summary>
    /// Starts a VM. A VM meant to be down adds its max memory and vCPUs to its owner's usage: they are reserved against
    /// the owner's quota first (product-spec §5); a cluster admin may exceed it only with an explicit confirmation (the overload taking <c>confirmOverQuota</c>), which is audited.
    /// </summary>
    public Task<VmActionResult> StartAsync(ClaimsPrincipal user, long vmId, CancellationToken ct = default) =>
        StartAsync(user, vmId, confirmOverQuota: false, ct);

    /// <inheritdoc cref="StartAsync(ClaimsPrincipal, long, CancellationToken)"/>
    public Task<VmActionResult> StartAsync(ClaimsPrincipal user, long vmId, bool confirmOverQuota, CancellationToken ct = default) =>
        runner.RunAsync(user, vmId, VmOperation.Power, "vm.start", vm => new StartInstance(vm.Name),
            new VmQuotaCharge(QuotaService.StartNeed, Domain.Quotas.QuotaPurpose.Start, confirmOverQuota), ct);

    public Task<VmActionResult> ShutdownAsync(ClaimsPrincipal user, long vmId, ShutdownKind kind, CancellationToken ct = default) =>
        runner.RunAsync(user, vmId, VmOperation.Power, "vm.shutdown", vm => new ShutdownInstance(vm.Name, kind == ShutdownKind.Immediate ? 0 : GracefulShutdownTimeoutSeconds), ct);

    public Task<VmActionResult> RebootAsync(ClaimsPrincipal user, long vmId, RebootKind kind, CancellationToken ct = default) =>
        runner.RunAsync(user, vmId, VmOperation.Power, "vm.reboot", vm => new RebootInstance(vm.Name, Hard: kind == RebootKind.Hard, ShutdownTimeoutSeconds: kind == RebootKind.Hard ? 0 : null), ct);
}

/// <summary>A VM as the power buttons see it.</summary>
public sealed record VmPowerState(long Id, int ClusterId, string Name, string? Status, string? AdminState, bool ClusterReadOnly, bool PendingDelete, bool Missing)
{
    /// <summary>Why no power action is possible at all, or null.</summary>
    public string? Unavailable => ClusterReadOnly ? "Its cluster is read-only: the portal mirrors it but changes nothing there."
        : PendingDelete ? "It is being deleted."
        : Missing ? "It no longer exists in Ganeti."
        : null;

    public bool IsRunning => Status is "running";

    /// <summary>Stopped on purpose (admin state down or offline): nothing to shut down or reboot.</summary>
    public bool IsStopped => Status is "ADMIN_down" or "ADMIN_offline" || (Status is null && AdminState is "down" or "offline");
}
