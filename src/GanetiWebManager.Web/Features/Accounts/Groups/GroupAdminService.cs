using System.Security.Claims;
using FluentValidation;
using FluentValidation.Results;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Access;
using GanetiWebManager.Web.Domain.Accounts;
using GanetiWebManager.Web.Domain.Audit;
using GanetiWebManager.Web.Features.Access;
using GanetiWebManager.Web.Features.Accounts.Admin;
using GanetiWebManager.Web.Features.Audit;
using GanetiWebManager.Web.Features.LiveUpdates;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace GanetiWebManager.Web.Features.Accounts.Groups;

/// <summary>
/// Groups: superusers create and delete them; a group's admins (users holding <see cref="GroupPermissions.Admin"/>
/// on it, and superusers) edit its name, members and admins through the same page, authorized per call with
/// <see cref="GroupOperation.Manage"/> (<see cref="AccessGuard"/>: a refusal is audited and changes nothing).
/// Reads are filtered instead: a group the caller may not manage reads as "not found".
/// Every change is audited with before and after, and tells open pages that access changed.
/// </summary>
public sealed class GroupAdminService(
    IDbContextFactory<AppDbContext> contexts,
    IPortalAccess access,
    AccessGuard guard,
    IAuditLog audit,
    LiveUpdateHub liveUpdates,
    IValidator<GroupForm> validator,
    TimeProvider clock)
{
    private const int MaxSuggestions = 10;

    /// <summary>Superusers: every group. Others: the groups they administer (none for most users).</summary>
    public async Task<PagedResult<GroupRow>> ListAsync(ClaimsPrincipal actor, GroupQuery query, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(query);
        var pageSize = Paging.ClampPageSize(query.PageSize);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var scope = await access.ScopeAsync(db, actor, ct);
        if (!scope.IsAuthenticated)
        {
            return PagedResult.Empty<GroupRow>(pageSize);
        }

        var groups = db.Groups.AsNoTracking();
        if (!scope.IsSuperuser)
        {
            var managed = ManagedGroupIds(db, scope);
            groups = groups.Where(g => managed.Contains(g.Id));
        }

        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var pattern = "%" + AccountSearch.EscapeLike(query.Search.Trim()) + "%";
            groups = groups.Where(g => EF.Functions.ILike(g.Slug, pattern) || EF.Functions.ILike(g.Name, pattern));
        }

        var total = await groups.CountAsync(ct);
        var page = Paging.ClampPage(query.Page, total, pageSize);
        var rows = await groups.OrderBy(g => g.Name).ThenBy(g => g.Slug)
            .Skip((page - 1) * pageSize).Take(pageSize)
            .Select(g => new GroupRow(
                g.Id, g.Slug, g.Name, g.Description,
                db.GroupMembers.Count(m => m.GroupId == g.Id),
                db.GroupGrants.Count(a => a.TargetGroupId == g.Id && a.UserId != null && (a.Permissions & GroupPermissions.Admin) != 0),
                db.VirtualMachines.Count(v => v.OwnerGroupId == g.Id)))
            .ToListAsync(ct);
        return new PagedResult<GroupRow>(rows, total, page, pageSize);
    }

    /// <summary>The groups <paramref name="actor"/> administers (for the profile page); superusers are not listed every group.</summary>
    public async Task<IReadOnlyList<GroupRef>> ManagedByAsync(ClaimsPrincipal actor, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var scope = await access.ScopeAsync(db, actor, ct);
        if (!scope.IsAuthenticated)
        {
            return [];
        }

        var managed = ManagedGroupIds(db, scope);
        return await db.Groups.AsNoTracking().Where(g => managed.Contains(g.Id)).OrderBy(g => g.Name)
            .Select(g => new GroupRef(g.Id, g.Slug, g.Name)).ToListAsync(ct);
    }

    /// <summary>A group with its members and admins; null when it does not exist or the caller may not manage it.</summary>
    public async Task<GroupDetail?> GetAsync(ClaimsPrincipal actor, int groupId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var scope = await access.ScopeAsync(db, actor, ct);
        if (!AccessRules.CanManageGroup(scope, groupId))
        {
            return null;
        }

        var group = await db.Groups.AsNoTracking().Where(g => g.Id == groupId)
            .Select(g => new { g.Id, g.Slug, g.Name, g.Description, g.CreatedAt, OwnedVms = db.VirtualMachines.Count(v => v.OwnerGroupId == g.Id) })
            .SingleOrDefaultAsync(ct);
        if (group is null)
        {
            return null;
        }

        var members = await db.GroupMembers.AsNoTracking().Where(m => m.GroupId == groupId)
            .Join(db.Users, m => m.UserId, u => u.Id, (m, u) => u)
            .OrderBy(u => u.UserName).Select(u => new GroupPerson(u.Id, u.UserName!, u.IsDisabled)).ToListAsync(ct);
        var admins = await AdminsOfAsync(db, groupId, ct);
        return new GroupDetail(group.Id, group.Slug, group.Name, group.Description, group.CreatedAt, group.OwnedVms, members, admins, scope.IsSuperuser);
    }

    /// <summary>
    /// Users to add to a group. Superusers and cluster admins may see every name (product-spec §3), so they get
    /// matches by prefix; a group admin who is neither only gets an exact user name back, so the picker is no
    /// way to list the portal's users.
    /// </summary>
    public async Task<IReadOnlyList<GroupPerson>> FindUsersAsync(ClaimsPrincipal actor, int groupId, string? term, CancellationToken ct)
    {
        var text = (term ?? "").Trim();
        if (text.Length == 0)
        {
            return [];
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var scope = await access.ScopeAsync(db, actor, ct);
        if (!AccessRules.CanManageGroup(scope, groupId))
        {
            return [];
        }

        var users = db.Users.AsNoTracking().Where(u => !u.IsAwaitingApproval);
        if (AccessRules.CanListAllPrincipals(scope))
        {
            var pattern = AccountSearch.EscapeLike(text) + "%";
            users = users.Where(u => EF.Functions.ILike(u.UserName!, pattern));
        }
        else
        {
            var normalized = text.ToUpperInvariant();
            users = users.Where(u => u.NormalizedUserName == normalized);
        }

        return await users.OrderBy(u => u.UserName).Take(MaxSuggestions)
            .Select(u => new GroupPerson(u.Id, u.UserName!, u.IsDisabled)).ToListAsync(ct);
    }

    public async Task<AccountResult<int>> CreateAsync(ClaimsPrincipal actor, GroupForm form, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(form);
        if (!await guard.AllowsSuperuserAsync(actor, "group.create", ct))
        {
            return AccountResult.Failed<int>(AccountMessages.NotSuperuser);
        }

        form.ExistingId = null;
        Trim(form);
        var validation = await validator.ValidateAsync(form, ct);
        if (!validation.IsValid)
        {
            return AccountResult.Invalid<int>(validation.Errors);
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await db.Groups.AnyAsync(g => g.Slug == form.Slug, ct))
        {
            return AccountResult.Invalid<int>([SlugTaken(form.Slug)]);
        }

        var group = new Group { Slug = form.Slug, Name = form.Name, Description = form.Description, CreatedAt = clock.GetUtcNow() };
        // One transaction: the group first (its id goes into the audit entry), then the entry.
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        db.Groups.Add(group);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return AccountResult.Invalid<int>([SlugTaken(form.Slug)]);
        }

        var entry = Entry(actor, "group.create", group);
        entry.After = AuditEntries.State(GroupState.Of(group));
        audit.Add(db, entry);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        liveUpdates.Publish(new AccessChanged());
        return AccountResult.Done<int>($"Group {group.Name} created.", group.Id);
    }

    /// <summary>Name and description (group admins and superusers). The slug never changes.</summary>
    public async Task<AccountResult> UpdateAsync(ClaimsPrincipal actor, int groupId, GroupForm form, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(form);
        if (!await guard.AllowsAsync(actor, new GroupResource(groupId), GroupOperation.Manage, "group.update", ct))
        {
            return AccountResult.Failed(AccountMessages.NotGroupAdmin);
        }

        form.ExistingId = groupId;
        Trim(form);
        var validation = await validator.ValidateAsync(form, ct);
        if (!validation.IsValid)
        {
            return AccountResult.Invalid(validation.Errors);
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var group = await db.Groups.SingleOrDefaultAsync(g => g.Id == groupId, ct);
        if (group is null)
        {
            return AccountResult.Failed(AccountMessages.GroupGone);
        }

        var before = GroupState.Of(group);
        group.Name = form.Name;
        group.Description = form.Description;
        var after = GroupState.Of(group);
        if (before == after)
        {
            return AccountResult.Done("Nothing changed.");
        }

        var entry = Entry(actor, "group.update", group);
        entry.Before = AuditEntries.State(before);
        entry.After = AuditEntries.State(after);
        audit.Add(db, entry);
        await db.SaveChangesAsync(ct);
        liveUpdates.Publish(new AccessChanged());
        return AccountResult.Done($"Group {group.Name} saved.");
    }

    /// <summary>Deletes a group (superusers). Its VMs become orphans; its grants and memberships go.</summary>
    public async Task<AccountResult> DeleteAsync(ClaimsPrincipal actor, int groupId, CancellationToken ct)
    {
        if (!await guard.AllowsSuperuserAsync(actor, "group.delete", ct))
        {
            return AccountResult.Failed(AccountMessages.NotSuperuser);
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var group = await db.Groups.SingleOrDefaultAsync(g => g.Id == groupId, ct);
        if (group is null)
        {
            return AccountResult.Failed(AccountMessages.GroupGone);
        }

        var owned = await db.VirtualMachines.CountAsync(v => v.OwnerGroupId == groupId, ct);
        var members = await MemberNamesAsync(db, groupId, ct);
        var entry = Entry(actor, "group.delete", group);
        entry.Before = AuditEntries.State(new { State = GroupState.Of(group), Members = members });
        entry.Reason = owned == 0 ? null : $"{owned} virtual machine(s) became orphans";
        db.Groups.Remove(group);
        audit.Add(db, entry);
        await db.SaveChangesAsync(ct);
        liveUpdates.Publish(new AccessChanged());
        return AccountResult.Done($"Group {group.Name} deleted.");
    }

    /// <summary>Replaces the members of a group.</summary>
    public async Task<AccountResult> SetMembersAsync(ClaimsPrincipal actor, int groupId, IReadOnlyCollection<Guid> userIds, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(userIds);
        if (!await guard.AllowsAsync(actor, new GroupResource(groupId), GroupOperation.Manage, "group.members.set", ct))
        {
            return AccountResult.Failed(AccountMessages.NotGroupAdmin);
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var (group, problem) = await LoadForChangeAsync(db, groupId, userIds, ct);
        if (group is null)
        {
            return AccountResult.Failed(problem!);
        }

        var wanted = userIds.ToHashSet();
        var before = await MemberNamesAsync(db, groupId, ct);
        var current = await db.GroupMembers.Where(m => m.GroupId == groupId).ToListAsync(ct);
        db.GroupMembers.RemoveRange(current.Where(m => !wanted.Contains(m.UserId)));
        var now = clock.GetUtcNow();
        foreach (var userId in wanted.Except(current.Select(m => m.UserId)))
        {
            db.GroupMembers.Add(new GroupMember { GroupId = groupId, UserId = userId, AddedAt = now });
        }

        if (!db.ChangeTracker.HasChanges())
        {
            return AccountResult.Done("Nothing changed.");
        }

        var entry = Entry(actor, "group.members.set", group);
        entry.Before = AuditEntries.State(before);
        entry.After = AuditEntries.State(await NamesOfAsync(db, wanted, ct));
        audit.Add(db, entry);
        await db.SaveChangesAsync(ct);
        liveUpdates.Publish(new AccessChanged());
        return AccountResult.Done($"Members of {group.Name} saved.");
    }

    /// <summary>
    /// Replaces the users who administer a group (a <see cref="GroupGrant"/> of <see cref="GroupPermissions.Admin"/>
    /// each). Grants of the group to other groups are not touched here.
    /// </summary>
    public async Task<AccountResult> SetAdminsAsync(ClaimsPrincipal actor, int groupId, IReadOnlyCollection<Guid> userIds, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(userIds);
        if (!await guard.AllowsAsync(actor, new GroupResource(groupId), GroupOperation.Manage, "group.admins.set", ct))
        {
            return AccountResult.Failed(AccountMessages.NotGroupAdmin);
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var (group, problem) = await LoadForChangeAsync(db, groupId, userIds, ct);
        if (group is null)
        {
            return AccountResult.Failed(problem!);
        }

        var wanted = userIds.ToHashSet();
        var before = (await AdminsOfAsync(db, groupId, ct)).Select(a => a.UserName).ToList();
        var current = await db.GroupGrants.Where(g => g.TargetGroupId == groupId && g.UserId != null).ToListAsync(ct);
        foreach (var grant in current)
        {
            if (!wanted.Contains(grant.UserId!.Value))
            {
                // Only the admin bit is this page's; other bits (none exist today) would stay.
                grant.Permissions &= ~GroupPermissions.Admin;
                if (grant.Permissions == GroupPermissions.None)
                {
                    db.GroupGrants.Remove(grant);
                }
            }
            else
            {
                grant.Permissions |= GroupPermissions.Admin;
            }
        }

        foreach (var userId in wanted.Except(current.Select(g => g.UserId!.Value)))
        {
            db.GroupGrants.Add(new GroupGrant { TargetGroupId = groupId, UserId = userId, Permissions = GroupPermissions.Admin });
        }

        if (!db.ChangeTracker.HasChanges())
        {
            return AccountResult.Done("Nothing changed.");
        }

        var entry = Entry(actor, "group.admins.set", group);
        entry.Before = AuditEntries.State(before);
        entry.After = AuditEntries.State(await NamesOfAsync(db, wanted, ct));
        audit.Add(db, entry);
        await db.SaveChangesAsync(ct);
        liveUpdates.Publish(new AccessChanged());
        return AccountResult.Done($"Admins of {group.Name} saved.");
    }

    /// <summary>Group ids on which the scope's user holds admin, directly or through one of their groups.</summary>
    private static IQueryable<int> ManagedGroupIds(AppDbContext db, AccessScope scope)
    {
        var userId = scope.UserId;
        var groups = scope.GroupIds.ToList();
        return db.GroupGrants
            .Where(g => (g.UserId == userId || (g.GroupId != null && groups.Contains(g.GroupId.Value))) && (g.Permissions & GroupPermissions.Admin) != 0)
            .Select(g => g.TargetGroupId);
    }

    private static async Task<(Group? Group, string? Problem)> LoadForChangeAsync(AppDbContext db, int groupId, IReadOnlyCollection<Guid> userIds, CancellationToken ct)
    {
        var group = await db.Groups.AsNoTracking().SingleOrDefaultAsync(g => g.Id == groupId, ct);
        if (group is null)
        {
            return (null, AccountMessages.GroupGone);
        }

        var wanted = userIds.Distinct().ToList();
        var known = await db.Users.CountAsync(u => wanted.Contains(u.Id) && !u.IsAwaitingApproval, ct);
        return known == wanted.Count ? (group, null) : (null, "One of the chosen users no longer exists or is not approved yet; reload the page.");
    }

    private static async Task<IReadOnlyList<GroupPerson>> AdminsOfAsync(AppDbContext db, int groupId, CancellationToken ct) =>
        await db.GroupGrants.AsNoTracking()
            .Where(g => g.TargetGroupId == groupId && g.UserId != null && (g.Permissions & GroupPermissions.Admin) != 0)
            .Join(db.Users, g => g.UserId, u => u.Id, (g, u) => u)
            .OrderBy(u => u.UserName).Select(u => new GroupPerson(u.Id, u.UserName!, u.IsDisabled)).ToListAsync(ct);

    private static async Task<List<string>> MemberNamesAsync(AppDbContext db, int groupId, CancellationToken ct) =>
        await db.GroupMembers.Where(m => m.GroupId == groupId).Join(db.Users, m => m.UserId, u => u.Id, (m, u) => u.UserName!)
            .OrderBy(n => n).ToListAsync(ct);

    private static async Task<List<string>> NamesOfAsync(AppDbContext db, IReadOnlyCollection<Guid> userIds, CancellationToken ct) =>
        await db.Users.Where(u => userIds.Contains(u.Id)).Select(u => u.UserName!).OrderBy(n => n).ToListAsync(ct);

    private static AuditEntry Entry(ClaimsPrincipal actor, string action, Group group)
    {
        var entry = AuditEntries.By(actor, action);
        entry.GroupId = group.Id == 0 ? null : group.Id;
        entry.GroupSlug = group.Slug;
        return entry;
    }

    private static void Trim(GroupForm form)
    {
        form.Slug = (form.Slug ?? "").Trim();
        form.Name = (form.Name ?? "").Trim();
        form.Description = (form.Description ?? "").Trim();
    }

    private static ValidationFailure SlugTaken(string slug) => new(nameof(GroupForm.Slug), $"The slug {slug} is taken by another group.");

    private sealed record GroupState(string Slug, string Name, string Description)
    {
        public static GroupState Of(Group group) => new(group.Slug, group.Name, group.Description);
    }
}
