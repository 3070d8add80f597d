using System.Security.Claims;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Access;
using Microsoft.EntityFrameworkCore;

namespace GanetiWebManager.Web.Features.Access;

/// <summary>Loads a user's <see cref="AccessScope"/> and evaluates it against objects read from the database.</summary>
public interface IPortalAccess
{
    /// <summary>
    /// The user's scope, read now. Signed-out, unknown, disabled and deleted users get
    /// <see cref="AccessScope.Nobody"/>, whatever their cookie says.
    /// </summary>
    Task<AccessScope> ScopeAsync(ClaimsPrincipal user, CancellationToken ct);

    /// <inheritdoc cref="ScopeAsync(ClaimsPrincipal, CancellationToken)"/>
    Task<AccessScope> ScopeAsync(AppDbContext db, ClaimsPrincipal user, CancellationToken ct);

    /// <summary>The user's access to a VM; <see cref="VmAccess.None"/> when it does not exist.</summary>
    Task<VmAccess> OnVmAsync(AppDbContext db, AccessScope scope, long vmId, CancellationToken ct);

    /// <summary>Whether the user may see the cluster (a grant on it, or a VM of it they may see).</summary>
    Task<bool> CanViewClusterAsync(AppDbContext db, AccessScope scope, int clusterId, CancellationToken ct);
}

internal sealed class PortalAccess(IDbContextFactory<AppDbContext> contexts) : IPortalAccess
{
    public async Task<AccessScope> ScopeAsync(ClaimsPrincipal user, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await ScopeAsync(db, user, ct);
    }

    public async Task<AccessScope> ScopeAsync(AppDbContext db, ClaimsPrincipal user, CancellationToken ct)
    {
        if (user.Identity?.IsAuthenticated != true
            || !Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var userId))
        {
            return AccessScope.Nobody;
        }

        var account = await db.Users.AsNoTracking()
            .Where(u => u.Id == userId && !u.IsDisabled)
            .Select(u => new { u.UserName, u.IsSuperuser })
            .SingleOrDefaultAsync(ct);
        if (account is null)
        {
            return AccessScope.Nobody;
        }

        var groups = await db.GroupMembers.AsNoTracking()
            .Where(m => m.UserId == userId)
            .Select(m => m.GroupId)
            .ToListAsync(ct);
        var clusterGrants = await db.ClusterGrants.AsNoTracking()
            .Where(g => g.UserId == userId || (g.GroupId != null && groups.Contains(g.GroupId.Value)))
            .Select(g => new HeldClusterGrant(g.ClusterId, g.GroupId, g.Permissions))
            .ToListAsync(ct);
        var groupGrants = await db.GroupGrants.AsNoTracking()
            .Where(g => g.UserId == userId || (g.GroupId != null && groups.Contains(g.GroupId.Value)))
            .GroupBy(g => g.TargetGroupId)
            .Select(g => new { GroupId = g.Key, Permissions = g.Select(x => x.Permissions).ToList() })
            .ToListAsync(ct);

        return new AccessScope(
            userId,
            account.UserName ?? "",
            account.IsSuperuser,
            groups,
            clusterGrants,
            groupGrants.ToDictionary(g => g.GroupId, g => g.Permissions.Aggregate(GroupPermissions.None, (a, p) => a | p)));
    }

    public async Task<VmAccess> OnVmAsync(AppDbContext db, AccessScope scope, long vmId, CancellationToken ct)
    {
        if (!scope.IsAuthenticated)
        {
            return VmAccess.None;
        }

        var userId = scope.UserId;
        var groups = scope.GroupIds.ToList();
        var vm = await db.VirtualMachines.AsNoTracking()
            .Where(v => v.Id == vmId)
            .Select(v => new
            {
                v.ClusterId,
                v.OwnerUserId,
                v.OwnerGroupId,
                v.IsLocked,
                Grants = db.VmGrants
                    .Where(g => g.VirtualMachineId == v.Id
                        && (g.UserId == userId || (g.GroupId != null && groups.Contains(g.GroupId.Value))))
                    .Select(g => g.Permissions)
                    .ToList(),
            })
            .SingleOrDefaultAsync(ct);
        if (vm is null)
        {
            return VmAccess.None;
        }

        var granted = vm.Grants.Aggregate(VmPermissions.None, (all, p) => all | p);
        return AccessRules.OnVm(scope, new VmFacts(vm.ClusterId, vm.OwnerUserId, vm.OwnerGroupId, vm.IsLocked), granted);
    }

    public async Task<bool> CanViewClusterAsync(AppDbContext db, AccessScope scope, int clusterId, CancellationToken ct)
    {
        if (!scope.IsAuthenticated)
        {
            return false;
        }

        if (AccessRules.CanViewCluster(scope, clusterId, hasVisibleVm: false))
        {
            return await db.Clusters.AnyAsync(c => c.Id == clusterId, ct);
        }

        var hasVisibleVm = await db.VirtualMachines.Where(v => v.ClusterId == clusterId).VisibleTo(db, scope).AnyAsync(ct);
        return AccessRules.CanViewCluster(scope, clusterId, hasVisibleVm);
    }
}
