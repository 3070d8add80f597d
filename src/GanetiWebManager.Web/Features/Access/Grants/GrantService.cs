using System.Security.Claims;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Access;
using GanetiWebManager.Web.Features.Audit;
using GanetiWebManager.Web.Features.LiveUpdates;
using Microsoft.EntityFrameworkCore;

namespace GanetiWebManager.Web.Features.Access.Grants;

public enum GrantObjectKind
{
    Cluster,
    VirtualMachine,
}

/// <summary>What grants are shown and edited on: a cluster (by its admins) or a VM (by its admins).</summary>
public sealed record GrantObject(GrantObjectKind Kind, long Id, string Label)
{
    public static GrantObject OfCluster(int id, string slug) => new(GrantObjectKind.Cluster, id, slug);

    public static GrantObject OfVm(long id, string name) => new(GrantObjectKind.VirtualMachine, id, name);

    /// <summary>The permissions that can be granted on this kind of object, in display order.</summary>
    public IReadOnlyList<(int Flag, string Name)> Choices => Kind == GrantObjectKind.Cluster
        ? [((int)ClusterPermissions.Admin, "admin"), ((int)ClusterPermissions.CreateVm, "create_vm"), ((int)ClusterPermissions.Migrate, "migrate"),
           ((int)ClusterPermissions.ReplaceDisks, "replace_disks"), ((int)ClusterPermissions.Export, "export"), ((int)ClusterPermissions.Tags, "tags")]
        : [((int)VmPermissions.Admin, "admin"), ((int)VmPermissions.Power, "power"), ((int)VmPermissions.Modify, "modify"),
           ((int)VmPermissions.Remove, "remove"), ((int)VmPermissions.Tags, "tags")];

    public int AllFlags => Kind == GrantObjectKind.Cluster ? (int)ClusterPermissions.All : (int)VmPermissions.All;
}

/// <summary>A user or group as the grant editor lists and picks it.</summary>
public sealed record PrincipalView(PrincipalRef Ref, string Name, bool IsGroup)
{
    public string Key => IsGroup ? $"group:{Ref.GroupId}" : $"user:{Ref.UserId}";
}

/// <summary>One principal's permission set on the object.</summary>
public sealed record GrantRow(PrincipalView Principal, int Permissions);

public sealed record GrantResult(bool Succeeded, string Message);

/// <summary>
/// Views and edits the grants on a cluster (its admins) or a VM (its admins, which includes its owner and the
/// cluster's admins). Editing replaces the set one principal holds on the object; an empty set removes the
/// principal. Every change is audited with its before and after state, every refusal too, and open pages are
/// told at once (<see cref="AccessChanged"/>) so a loss of access shows within moments.
/// </summary>
public sealed class GrantService(
    IDbContextFactory<AppDbContext> contexts,
    AccessGuard guard,
    IPortalAccess access,
    IAuditLog audit,
    LiveUpdateHub liveUpdates)
{
    /// <summary>At most this many names are offered by the principal search.</summary>
    public const int SearchLimit = 20;

    /// <summary>The grants on the object, by principal name; null when the user may not see them.</summary>
    public async Task<IReadOnlyList<GrantRow>?> ListAsync(ClaimsPrincipal user, GrantObject target, CancellationToken ct)
    {
        if (!await MayEditAsync(user, target, ct))
        {
            return null;
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var raw = target.Kind == GrantObjectKind.Cluster
            ? await db.ClusterGrants.AsNoTracking().Where(g => g.ClusterId == (int)target.Id)
                .Select(g => new { g.UserId, g.GroupId, Permissions = (int)g.Permissions }).ToListAsync(ct)
            : await db.VmGrants.AsNoTracking().Where(g => g.VirtualMachineId == target.Id)
                .Select(g => new { g.UserId, g.GroupId, Permissions = (int)g.Permissions }).ToListAsync(ct);
        var userIds = raw.Where(r => r.UserId is not null).Select(r => r.UserId!.Value).ToList();
        var groupIds = raw.Where(r => r.GroupId is not null).Select(r => r.GroupId!.Value).ToList();
        var userNames = await db.Users.Where(u => userIds.Contains(u.Id)).ToDictionaryAsync(u => u.Id, u => u.UserName ?? "", ct);
        var groupNames = await db.Groups.Where(g => groupIds.Contains(g.Id)).ToDictionaryAsync(g => g.Id, g => g.Name, ct);
        return [.. raw
            .Select(r => new GrantRow(
                r.UserId is { } u
                    ? new PrincipalView(PrincipalRef.User(u), userNames.GetValueOrDefault(u, "?"), IsGroup: false)
                    : new PrincipalView(PrincipalRef.Group(r.GroupId!.Value), groupNames.GetValueOrDefault(r.GroupId!.Value, "?"), IsGroup: true),
                r.Permissions))
            .OrderBy(r => r.Principal.IsGroup)
            .ThenBy(r => r.Principal.Name, StringComparer.OrdinalIgnoreCase)];
    }

    /// <summary>
    /// Users and groups whose name contains <paramref name="text"/>, for the "add" picker. Cluster admins and
    /// superusers see every name; others (a VM's owner granting on it) only an exact user name or group slug, so
    /// the picker never lists people they have no business seeing.
    /// </summary>
    public async Task<IReadOnlyList<PrincipalView>> SearchPrincipalsAsync(ClaimsPrincipal user, string? text, CancellationToken ct)
    {
        var wanted = text?.Trim() ?? "";
        if (wanted.Length == 0)
        {
            return [];
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var scope = await access.ScopeAsync(db, user, ct);
        if (!scope.IsAuthenticated)
        {
            return [];
        }

        if (AccessRules.CanListAllPrincipals(scope))
        {
            var pattern = "%" + VirtualMachines.VirtualMachineQueries.EscapeLike(wanted) + "%";
            var users = await db.Users.AsNoTracking().Where(u => !u.IsDisabled && EF.Functions.ILike(u.UserName!, pattern))
                .OrderBy(u => u.UserName).Take(SearchLimit).Select(u => new { u.Id, u.UserName }).ToListAsync(ct);
            var groups = await db.Groups.AsNoTracking().Where(g => EF.Functions.ILike(g.Name, pattern) || EF.Functions.ILike(g.Slug, pattern))
                .OrderBy(g => g.Name).Take(SearchLimit).Select(g => new { g.Id, g.Name }).ToListAsync(ct);
            return [.. users.Select(u => new PrincipalView(PrincipalRef.User(u.Id), u.UserName ?? "", false)),
                    .. groups.Select(g => new PrincipalView(PrincipalRef.Group(g.Id), g.Name, true))];
        }

        var normalized = wanted.ToUpperInvariant();
        var slug = wanted.ToLowerInvariant();
        var exactUser = await db.Users.AsNoTracking().Where(u => !u.IsDisabled && u.NormalizedUserName == normalized)
            .Select(u => new { u.Id, u.UserName }).FirstOrDefaultAsync(ct);
        var exactGroup = await db.Groups.AsNoTracking().Where(g => g.Slug == slug).Select(g => new { g.Id, g.Name }).FirstOrDefaultAsync(ct);
        List<PrincipalView> found = [];
        if (exactUser is not null)
        {
            found.Add(new PrincipalView(PrincipalRef.User(exactUser.Id), exactUser.UserName ?? "", false));
        }

        if (exactGroup is not null)
        {
            found.Add(new PrincipalView(PrincipalRef.Group(exactGroup.Id), exactGroup.Name, true));
        }

        return found;
    }

    /// <summary>
    /// Replaces the permissions <paramref name="principal"/> holds on the object with <paramref name="permissions"/>;
    /// zero removes the principal. Unknown bits are refused.
    /// </summary>
    public async Task<GrantResult> SetAsync(ClaimsPrincipal user, GrantObject target, PrincipalRef principal, int permissions, CancellationToken ct)
    {
        var action = target.Kind == GrantObjectKind.Cluster ? "grants.cluster.set" : "grants.vm.set";
        if ((permissions & ~target.AllFlags) != 0 || permissions < 0)
        {
            return new GrantResult(false, "Those are not permissions of this kind of object.");
        }

        if ((principal.UserId is null) == (principal.GroupId is null))
        {
            return new GrantResult(false, "Choose one user or one group.");
        }

        if (!await AuthorizeEditAsync(user, target, action, ct))
        {
            return new GrantResult(false, "You may not change who has access here.");
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var entry = AuditEntries.By(user, action);
        string? principalName;
        if (principal.UserId is { } userId)
        {
            principalName = await db.Users.Where(u => u.Id == userId).Select(u => u.UserName).SingleOrDefaultAsync(ct);
            entry.SubjectUserId = userId;
            entry.SubjectUserName = principalName;
        }
        else
        {
            var group = await db.Groups.Where(g => g.Id == principal.GroupId).Select(g => new { g.Id, g.Slug, g.Name }).SingleOrDefaultAsync(ct);
            principalName = group?.Name;
            entry.GroupId = group?.Id;
            entry.GroupSlug = group?.Slug;
        }

        if (principalName is null)
        {
            return new GrantResult(false, "That user or group no longer exists.");
        }

        int before;
        if (target.Kind == GrantObjectKind.Cluster)
        {
            var clusterId = (int)target.Id;
            var slug = await db.Clusters.Where(c => c.Id == clusterId).Select(c => c.Slug).SingleOrDefaultAsync(ct);
            if (slug is null)
            {
                return new GrantResult(false, "The cluster no longer exists.");
            }

            entry.ClusterId = clusterId;
            entry.ClusterSlug = slug;
            var row = await db.ClusterGrants.SingleOrDefaultAsync(g => g.ClusterId == clusterId && g.UserId == principal.UserId && g.GroupId == principal.GroupId, ct);
            before = (int)(row?.Permissions ?? ClusterPermissions.None);
            Apply(db.ClusterGrants, row, permissions, () => new ClusterGrant { ClusterId = clusterId, UserId = principal.UserId, GroupId = principal.GroupId },
                (g, p) => g.Permissions = (ClusterPermissions)p);
            if (permissions == 0 && row is not null)
            {
                // An empty set removes the principal from the cluster, their quota override included (product-spec §3).
                var quota = await db.QuotaOverrides.SingleOrDefaultAsync(q => q.ClusterId == clusterId && q.UserId == principal.UserId && q.GroupId == principal.GroupId, ct);
                if (quota is not null)
                {
                    db.QuotaOverrides.Remove(quota);
                    entry.Reason = $"quota override removed too (ram {quota.RamMiB?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unlimited"} MiB, disk {quota.DiskMiB?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unlimited"} MiB, vcpus {quota.Vcpus?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unlimited"})";
                }
            }
        }
        else
        {
            var vm = await db.VirtualMachines.Where(v => v.Id == target.Id).Select(v => new { v.Id, v.Name, v.ClusterId }).SingleOrDefaultAsync(ct);
            if (vm is null)
            {
                return new GrantResult(false, "The virtual machine no longer exists.");
            }

            entry.ClusterId = vm.ClusterId;
            entry.ClusterSlug = await db.Clusters.Where(c => c.Id == vm.ClusterId).Select(c => c.Slug).SingleOrDefaultAsync(ct);
            entry.VirtualMachineId = vm.Id;
            entry.VmName = vm.Name;
            var row = await db.VmGrants.SingleOrDefaultAsync(g => g.VirtualMachineId == vm.Id && g.UserId == principal.UserId && g.GroupId == principal.GroupId, ct);
            before = (int)(row?.Permissions ?? VmPermissions.None);
            Apply(db.VmGrants, row, permissions, () => new VmGrant { VirtualMachineId = vm.Id, UserId = principal.UserId, GroupId = principal.GroupId },
                (g, p) => g.Permissions = (VmPermissions)p);
        }

        if (before == permissions)
        {
            return new GrantResult(true, "Nothing changed.");
        }

        entry.Before = AuditEntries.State(new { principal = principalName, permissions = Names(target, before) });
        entry.After = AuditEntries.State(new { principal = principalName, permissions = Names(target, permissions) });
        audit.Add(db, entry);
        await db.SaveChangesAsync(ct);
        liveUpdates.Publish(new AccessChanged());
        return new GrantResult(true, permissions == 0
            ? $"{principalName} no longer has access here."
            : $"{principalName} now has {string.Join(", ", Names(target, permissions))}.");
    }

    /// <summary>The names of the permissions in a set, in display order.</summary>
    public static IReadOnlyList<string> Names(GrantObject target, int permissions) =>
        [.. target.Choices.Where(c => (permissions & c.Flag) != 0).Select(c => c.Name)];

    private static void Apply<T>(DbSet<T> set, T? row, int permissions, Func<T> create, Action<T, int> assign)
        where T : class
    {
        if (permissions == 0)
        {
            if (row is not null)
            {
                set.Remove(row);
            }

            return;
        }

        if (row is null)
        {
            row = create();
            set.Add(row);
        }

        assign(row, permissions);
    }

    private async Task<bool> MayEditAsync(ClaimsPrincipal user, GrantObject target, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var scope = await access.ScopeAsync(db, user, ct);
        return target.Kind == GrantObjectKind.Cluster
            ? scope.IsClusterAdmin((int)target.Id)
            : (await access.OnVmAsync(db, scope, target.Id, ct)).Has(VmPermissions.Admin);
    }

    private Task<bool> AuthorizeEditAsync(ClaimsPrincipal user, GrantObject target, string action, CancellationToken ct) =>
        target.Kind == GrantObjectKind.Cluster
            ? guard.AllowsAsync(user, new ClusterResource((int)target.Id), ClusterOperation.Admin, action, ct)
            : guard.AllowsAsync(user, new VmResource(target.Id), VmOperation.Admin, action, ct);
}
