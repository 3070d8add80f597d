using System.Security.Claims;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Features.Access;
using Microsoft.EntityFrameworkCore;

namespace GanetiWebManager.Web.Features.VirtualMachines.Actions;

public enum BulkVmAction
{
    Start,
    Shutdown,
    Reboot,
    Delete,
}

/// <summary>What became of one VM of a bulk action.</summary>
public sealed record BulkVmLine(long VmId, string Name, VmActionOutcome Outcome, long? JobId, string Message);

/// <summary>
/// Bulk actions on a selection of VMs (product-spec §8 and §4 of the issue): start, shutdown, reboot, delete, across
/// pages and clusters. Each VM goes through the same path as its own button (<see cref="VmPowerService"/>,
/// <see cref="VmManageService"/>): its permission, state and quota are checked on their own, one result line per
/// VM, in the order given; nothing is skipped silently. Starts reserve one after another, so together they never
/// exceed a quota (product-spec §5). A delete needs each VM's name typed, as on its own page.
/// </summary>
public sealed class VmBulkService(VmPowerService power, VmManageService manage, IDbContextFactory<AppDbContext> contexts, IPortalAccess access)
{
    /// <summary>A bulk action takes at most this many VMs (the selection's cap).</summary>
    public const int MaxVms = VirtualMachineQueries.MaxSelection;

    public async Task<IReadOnlyList<BulkVmLine>> RunAsync(
        ClaimsPrincipal user, IReadOnlyList<long> vmIds, BulkVmAction action, IReadOnlyCollection<string>? typedNames = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(vmIds);
        var ids = vmIds.Distinct().Take(MaxVms).ToList();

        // Names only of VMs the user may see: an id they may not see is reported without its name.
        Dictionary<long, string> names;
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            var scope = await access.ScopeAsync(db, user, ct);
            names = await db.VirtualMachines.AsNoTracking().VisibleTo(db, scope).Where(v => ids.Contains(v.Id))
                .ToDictionaryAsync(v => v.Id, v => v.Name, ct);
        }

        var typed = new HashSet<string>((typedNames ?? []).Select(n => n.Trim()), StringComparer.OrdinalIgnoreCase);
        List<BulkVmLine> lines = [];
        foreach (var id in ids)
        {
            var name = names.GetValueOrDefault(id) ?? $"VM #{id}";
            var result = action switch
            {
                BulkVmAction.Start => await power.StartAsync(user, id, ct),
                BulkVmAction.Shutdown => await power.ShutdownAsync(user, id, ShutdownKind.Graceful, ct),
                BulkVmAction.Reboot => await power.RebootAsync(user, id, RebootKind.Soft, ct),
                _ => await manage.DeleteAsync(user, id, typed.Contains(name) ? name : "", ct),
            };
            lines.Add(new BulkVmLine(id, name, result.Outcome, result.JobId, result.Message));
        }

        return lines;
    }
}
