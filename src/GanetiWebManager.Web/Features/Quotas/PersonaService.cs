using System.Security.Claims;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Access;
using GanetiWebManager.Web.Features.Access;
using Microsoft.EntityFrameworkCore;

namespace GanetiWebManager.Web.Features.Quotas;

/// <summary>An owner a user may act as: themself or a group, with the name shown for it.</summary>
public sealed record Persona(QuotaOwner Owner, string Name, bool IsSelf)
{
    /// <summary>"alice (you)", "group lab".</summary>
    public string Label => IsSelf ? $"{Name} (you)" : Owner.IsGroup ? $"group {Name}" : Name;

    /// <summary>A stable value for pickers and URLs: <c>user:&lt;guid&gt;</c> or <c>group:&lt;id&gt;</c>.</summary>
    public string Key => Owner.ToString();
}

/// <summary>
/// Personas (product-spec §4): the owners a user may create as on a cluster — superusers any user or group;
/// otherwise themself when they hold admin or create_vm on it directly, plus each of their groups that holds one
/// of them (<see cref="AccessRules.AllowedOwners"/>) — with names, sorted by name, the user first. And the
/// personas whose quota usage the dashboard shows.
/// </summary>
public sealed class PersonaService(IDbContextFactory<AppDbContext> contextFactory, IPortalAccess access)
{
    /// <summary>Who <paramref name="user"/> may create as on the cluster (empty when nobody, or signed out).</summary>
    public async Task<IReadOnlyList<Persona>> AllowedOwnersAsync(ClaimsPrincipal user, int clusterId, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var scope = await access.ScopeAsync(db, user, ct);
        if (!scope.IsAuthenticated || !await db.Clusters.AnyAsync(c => c.Id == clusterId, ct))
        {
            return [];
        }

        var choice = AccessRules.AllowedOwners(scope, clusterId);
        List<Persona> others;
        if (choice.AnyOwner)
        {
            var users = await db.Users.AsNoTracking().Where(u => u.Id != scope.UserId)
                .Select(u => new { u.Id, u.UserName }).ToListAsync(ct);
            var groups = await db.Groups.AsNoTracking().Select(g => new { g.Id, g.Name }).ToListAsync(ct);
            others = [.. users.Select(u => new Persona(QuotaOwner.User(u.Id), u.UserName ?? "", false)),
                      .. groups.Select(g => new Persona(QuotaOwner.Group(g.Id), g.Name, false))];
        }
        else
        {
            var ids = choice.GroupIds.ToList();
            others = await db.Groups.AsNoTracking().Where(g => ids.Contains(g.Id))
                .Select(g => new Persona(QuotaOwner.Group(g.Id), g.Name, false)).ToListAsync(ct);
        }

        var sorted = others.OrderBy(p => p.Name, StringComparer.OrdinalIgnoreCase).ThenBy(p => p.Key, StringComparer.Ordinal).ToList();
        if (choice.Self)
        {
            sorted.Insert(0, new Persona(QuotaOwner.User(scope.UserId), scope.UserName, true));
        }

        return sorted;
    }

    /// <summary>Whether <paramref name="user"/> may create as <paramref name="owner"/> on the cluster (checked again at the action).</summary>
    public async Task<bool> MayActAsAsync(ClaimsPrincipal user, int clusterId, QuotaOwner owner, CancellationToken ct = default)
    {
        var scope = await access.ScopeAsync(user, ct);
        return scope.IsAuthenticated && AccessRules.AllowedOwners(scope, clusterId).Allows(owner.UserId, owner.GroupId, scope.UserId);
    }

    /// <summary>
    /// The personas whose usage the dashboard shows (gwm.md §3): every group the user belongs to, plus the user
    /// when they own a VM, hold admin or create_vm on a cluster directly, or belong to no group. The user first.
    /// </summary>
    public async Task<IReadOnlyList<Persona>> DashboardPersonasAsync(ClaimsPrincipal user, CancellationToken ct = default)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var scope = await access.ScopeAsync(db, user, ct);
        if (!scope.IsAuthenticated)
        {
            return [];
        }

        var groupIds = scope.GroupIds.ToList();
        var groups = await db.Groups.AsNoTracking().Where(g => groupIds.Contains(g.Id))
            .Select(g => new Persona(QuotaOwner.Group(g.Id), g.Name, false)).ToListAsync(ct);
        var result = groups.OrderBy(p => p.Name, StringComparer.OrdinalIgnoreCase).ToList();

        const ClusterPermissions creates = ClusterPermissions.Admin | ClusterPermissions.CreateVm;
        var self = groupIds.Count == 0
            || scope.IsSuperuser
            || scope.ClusterGrants.Any(g => g.GroupId is null && (g.Permissions & creates) != 0)
            || await db.VirtualMachines.AnyAsync(v => v.OwnerUserId == scope.UserId, ct);
        if (self)
        {
            result.Insert(0, new Persona(QuotaOwner.User(scope.UserId), scope.UserName, true));
        }

        return result;
    }
}
