using System.Linq.Expressions;
using System.Security.Claims;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.VirtualMachines;
using GanetiWebManager.Web.Features.Access;
using GanetiWebManager.Web.Features.Clusters;
using GanetiWebManager.Web.Features.Health;
using Microsoft.EntityFrameworkCore;

namespace GanetiWebManager.Web.Features.VirtualMachines;

/// <summary>
/// Reads virtual machines for the VM list, the VM page and the lists on cluster and node pages. The list
/// is filtered, sorted and paged in PostgreSQL and never loads more than one page of rows; it stays fast
/// on 50,000 VMs because every filter resolves names to ids first and then applies only predicates an
/// index can serve (see docs/performance.md). Every read is filtered by the user's permissions inside the query
/// (<see cref="AccessFilters"/>): a VM the user may not see is neither listed, counted, offered as a filter
/// value nor found by its URL.
/// </summary>
public sealed class VirtualMachineQueries(IDbContextFactory<AppDbContext> contextFactory, ClusterQueries clusters, IPortalAccess access)
{
    /// <summary>At most this many words of a search are used; each must match.</summary>
    public const int MaxSearchWords = 8;

    public async Task<PagedResult<VmRow>> ListAsync(ClaimsPrincipal user, VmQuery query, CancellationToken ct)
    {
        var pageSize = Paging.ClampPageSize(query.PageSize);
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var scope = await access.ScopeAsync(db, user, ct);
        if (!scope.IsAuthenticated)
        {
            return PagedResult.Empty<VmRow>(pageSize);
        }

        var filtered = (await FilterAsync(db, query, ct))?.VisibleTo(db, scope);
        if (filtered is null)
        {
            return PagedResult.Empty<VmRow>(pageSize);
        }

        var total = await filtered.CountAsync(ct);
        if (total == 0)
        {
            return PagedResult.Empty<VmRow>(pageSize);
        }

        var page = Paging.ClampPage(query.Page, total, pageSize);

        // Two steps ("deferred join"): first the ids of one page, sorting only narrow rows (the sort key, the
        // name and the id), then the 50 rows themselves with their cluster and owner. Sorting whole rows with
        // their joins made deep pages spill to disk and cost ~150 ms on 50,000 VMs.
        var ids = await PageIds(db, filtered, query.Sort, query.Descending)
            .Skip((page - 1) * pageSize)
            .Take(pageSize)
            .ToListAsync(ct);

        var rows = await (
            from v in db.VirtualMachines.AsNoTracking()
            join c in db.Clusters on v.ClusterId equals c.Id
            join u in db.Users on v.OwnerUserId equals (Guid?)u.Id into users
            from u in users.DefaultIfEmpty()
            join g in db.Groups on v.OwnerGroupId equals (int?)g.Id into groups
            from g in groups.DefaultIfEmpty()
            where ids.Contains(v.Id)
            select new
            {
                v.Id,
                v.ClusterId,
                c.Slug,
                v.Name,
                v.Status,
                v.AdminState,
                v.Os,
                v.PrimaryNode,
                v.SecondaryNodes,
                UserName = u.UserName,
                GroupName = g.Name,
                GroupSlug = g.Slug,
                v.Vcpus,
                v.MaxMemoryMiB,
                v.DiskTotalMiB,
                v.PendingDelete,
                v.MissingSince,
            })
            .ToDictionaryAsync(r => r.Id, ct);

        return new PagedResult<VmRow>(
            [.. ids.Where(rows.ContainsKey).Select(id => rows[id]).Select(r => new VmRow(
                r.Id, r.ClusterId, r.Slug, r.Name, r.Status, r.AdminState, r.Os, r.PrimaryNode, r.SecondaryNodes,
                OwnerRef.From(r.UserName, r.GroupName, r.GroupSlug), r.Vcpus, r.MaxMemoryMiB, r.DiskTotalMiB, r.PendingDelete, r.MissingSince))],
            total,
            page,
            pageSize);
    }

    /// <summary>At most this many VMs are selected by "select all matching" (a bulk action runs them one by one).</summary>
    public const int MaxSelection = 1000;

    /// <summary>
    /// "Select all matching": the ids (and names) of the VMs the list's filters match, as the user may see them,
    /// in the list's order, up to <see cref="MaxSelection"/>; <c>Total</c> says how many matched in all.
    /// </summary>
    public async Task<VmSelection> MatchingIdsAsync(ClaimsPrincipal user, VmQuery query, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var scope = await access.ScopeAsync(db, user, ct);
        if (!scope.IsAuthenticated)
        {
            return new VmSelection([], new Dictionary<long, string>(), 0);
        }

        var filtered = (await FilterAsync(db, query, ct))?.VisibleTo(db, scope);
        if (filtered is null)
        {
            return new VmSelection([], new Dictionary<long, string>(), 0);
        }

        var total = await filtered.CountAsync(ct);
        var ids = await PageIds(db, filtered, query.Sort, query.Descending).Take(MaxSelection).ToListAsync(ct);
        var names = await db.VirtualMachines.AsNoTracking().Where(v => ids.Contains(v.Id)).ToDictionaryAsync(v => v.Id, v => v.Name, ct);
        return new VmSelection(ids, names, total);
    }

    /// <summary>The VM <paramref name="name"/> of cluster <paramref name="clusterSlug"/>, or null when there is none.</summary>
    public async Task<VmDetail?> GetAsync(ClaimsPrincipal user, string clusterSlug, string name, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(clusterSlug) || string.IsNullOrWhiteSpace(name))
        {
            return null;
        }

        var slug = clusterSlug.Trim().ToLowerInvariant();
        var vmName = name.Trim().ToLowerInvariant();
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var scope = await access.ScopeAsync(db, user, ct);
        if (!scope.IsAuthenticated)
        {
            return null;
        }

        var found = await (
            from vm in db.VirtualMachines.AsNoTracking()
            join c in db.Clusters on vm.ClusterId equals c.Id
            join u in db.Users on vm.OwnerUserId equals (Guid?)u.Id into users
            from u in users.DefaultIfEmpty()
            join g in db.Groups on vm.OwnerGroupId equals (int?)g.Id into groups
            from g in groups.DefaultIfEmpty()
            where c.Slug == slug && vm.Name == vmName
            select new { Vm = vm, c.Slug, c.Sync, UserName = u.UserName, GroupName = g.Name, GroupSlug = g.Slug })
            .FirstOrDefaultAsync(ct);
        if (found is null)
        {
            return null;
        }

        // Not visible and not existing look the same: the URL reveals nothing.
        var permissions = await access.OnVmAsync(db, scope, found.Vm.Id, ct);
        if (!permissions.CanView)
        {
            return null;
        }

        var v = found.Vm;
        return new VmDetail(
            v.Id,
            v.ClusterId,
            found.Slug,
            clusters.HealthOf(found.Slug, found.Sync),
            v.Name,
            v.Uuid,
            OwnerRef.From(found.UserName, found.GroupName, found.GroupSlug),
            v.Status,
            v.OperState,
            v.OperRamMiB,
            v.AdminState,
            v.Os,
            v.Hypervisor,
            v.Vcpus,
            v.MinMemoryMiB,
            v.MaxMemoryMiB,
            v.DiskTemplate,
            v.DiskTotalMiB,
            [.. v.Disks.Select(d => new VmDiskView(d.Name, d.SizeMiB, d.Uuid, d.Spindles))],
            [.. v.Nics.Select(n => new VmNicView(n.Name, n.Mac, n.Ip, n.Mode, n.Link, n.Network, n.Uuid))],
            v.PrimaryNode,
            v.SecondaryNodes,
            v.NetworkPort,
            v.Tags,
            v.SerialNo,
            v.Ctime,
            v.Mtime,
            v.Notes,
            v.PendingDelete,
            v.MissingSince)
        {
            Access = permissions,
            IsLocked = v.IsLocked,
            IsClusterAdmin = scope.IsClusterAdmin(v.ClusterId),
        };
    }

    /// <summary>The values the VM list's filters offer, within one cluster when <paramref name="clusterSlug"/> is given.</summary>
    public async Task<VmFilterOptions> GetFilterOptionsAsync(ClaimsPrincipal user, string? clusterSlug, CancellationToken ct)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var scope = await access.ScopeAsync(db, user, ct);
        if (!scope.IsAuthenticated)
        {
            return new VmFilterOptions([], [], [], []);
        }

        var clusterList = await db.Clusters.AsNoTracking().VisibleTo(db, scope).OrderBy(c => c.Slug).Select(c => new { c.Id, c.Slug }).ToListAsync(ct);
        var slug = clusterSlug?.Trim().ToLowerInvariant();
        var clusterId = clusterList.FirstOrDefault(c => c.Slug == slug)?.Id;

        var vms = db.VirtualMachines.AsNoTracking().VisibleTo(db, scope);
        var nodes = db.Nodes.AsNoTracking().VisibleTo(scope);
        if (clusterId is { } id)
        {
            vms = vms.Where(v => v.ClusterId == id);
            nodes = nodes.Where(n => n.ClusterId == id);
        }

        // All user and group names only for those who grant (cluster admins, superusers); others see the owners
        // of the VMs they may see, and the node names those VMs run on.
        var allNames = AccessRules.CanListAllPrincipals(scope);
        var userOwners = await (allNames ? db.Users.AsNoTracking() : db.Users.Where(u => vms.Any(v => v.OwnerUserId == u.Id)))
            .OrderBy(u => u.UserName).Select(u => u.UserName!).ToListAsync(ct);
        var groupOwners = await (allNames ? db.Groups.AsNoTracking() : db.Groups.Where(g => vms.Any(v => v.OwnerGroupId == g.Id)))
            .OrderBy(g => g.Name).Select(g => new { g.Name, g.Slug }).ToListAsync(ct);
        var nodeNames = await nodes.Select(n => n.Name)
            .Union(vms.Where(v => v.PrimaryNode != null).Select(v => v.PrimaryNode!))
            .Distinct().OrderBy(n => n).ToListAsync(ct);
        var operatingSystems = await vms.Where(v => v.Os != null).Select(v => v.Os!).Distinct().OrderBy(o => o).ToListAsync(ct);

        return new VmFilterOptions(
            [.. clusterList.Select(c => new ClusterOption(c.Id, c.Slug))],
            [.. userOwners.Select(u => new OwnerRef(OwnerKind.User, u, VmQuery.OwnerKeyOfUser(u))),
             .. groupOwners.Select(g => new OwnerRef(OwnerKind.Group, g.Name, VmQuery.OwnerKeyOfGroup(g.Slug)))],
            nodeNames,
            operatingSystems);
    }

    /// <summary>
    /// The VMs the query's filters and search select, or null when a filter names something that does not
    /// exist (nothing can match). Names are resolved to ids in small lookups first, so that the big query
    /// only compares indexed columns.
    /// </summary>
    private static async Task<IQueryable<VirtualMachine>?> FilterAsync(AppDbContext db, VmQuery query, CancellationToken ct)
    {
        var vms = db.VirtualMachines.AsNoTracking();

        if (!string.IsNullOrWhiteSpace(query.Cluster))
        {
            var slug = query.Cluster.Trim().ToLowerInvariant();
            var clusterId = await db.Clusters.Where(c => c.Slug == slug).Select(c => (int?)c.Id).FirstOrDefaultAsync(ct);
            if (clusterId is not { } id)
            {
                return null;
            }

            vms = vms.Where(v => v.ClusterId == id);
        }

        if (!string.IsNullOrWhiteSpace(query.Status))
        {
            var status = query.Status.Trim();
            if (string.Equals(status, VmQuery.StatusMissing, StringComparison.OrdinalIgnoreCase))
            {
                vms = vms.Where(v => v.MissingSince != null);
            }
            else if (string.Equals(status, VmQuery.StatusPendingDelete, StringComparison.OrdinalIgnoreCase))
            {
                vms = vms.Where(v => v.PendingDelete && v.MissingSince == null);
            }
            else if (string.Equals(status, VmQuery.StatusError, StringComparison.OrdinalIgnoreCase))
            {
                // The status chip shows "missing" and "pending delete" before Ganeti's status; the filter agrees with it.
                vms = vms.Where(v => v.Status!.StartsWith(VmStates.ErrorPrefix) && v.MissingSince == null && !v.PendingDelete);
            }
            else if (VmStates.Statuses.FirstOrDefault(s => string.Equals(s, status, StringComparison.OrdinalIgnoreCase)) is { } known)
            {
                vms = vms.Where(v => v.Status == known && v.MissingSince == null && !v.PendingDelete);
            }
            else
            {
                return null;
            }
        }

        if (!string.IsNullOrWhiteSpace(query.Owner))
        {
            var owner = query.Owner.Trim();
            if (string.Equals(owner, VmQuery.OwnerOrphans, StringComparison.OrdinalIgnoreCase))
            {
                vms = vms.Where(v => v.OwnerUserId == null && v.OwnerGroupId == null);
            }
            else if (owner.StartsWith(VmQuery.OwnerUserPrefix, StringComparison.OrdinalIgnoreCase))
            {
                // Identity's normalizer upper-cases invariantly; the normalized name is unique and indexed.
                var normalized = owner[VmQuery.OwnerUserPrefix.Length..].ToUpperInvariant();
                var userId = await db.Users.Where(u => u.NormalizedUserName == normalized).Select(u => (Guid?)u.Id).FirstOrDefaultAsync(ct);
                if (userId is null)
                {
                    return null;
                }

                vms = vms.Where(v => v.OwnerUserId == userId);
            }
            else if (owner.StartsWith(VmQuery.OwnerGroupPrefix, StringComparison.OrdinalIgnoreCase))
            {
                var groupSlug = owner[VmQuery.OwnerGroupPrefix.Length..].ToLowerInvariant();
                var groupId = await db.Groups.Where(g => g.Slug == groupSlug).Select(g => (int?)g.Id).FirstOrDefaultAsync(ct);
                if (groupId is null)
                {
                    return null;
                }

                vms = vms.Where(v => v.OwnerGroupId == groupId);
            }
            else
            {
                return null;
            }
        }

        if (!string.IsNullOrWhiteSpace(query.Node))
        {
            var node = query.Node.Trim().ToLowerInvariant();
            if (string.IsNullOrWhiteSpace(query.Cluster))
            {
                // A node belongs to one cluster: naming it lets the (cluster_id, primary_node) index do the work.
                // A node the portal has not mirrored (yet) does not narrow anything.
                var nodeClusters = await db.Nodes.Where(n => n.Name == node).Select(n => n.ClusterId).Distinct().ToListAsync(ct);
                if (nodeClusters.Count > 0)
                {
                    vms = vms.Where(v => nodeClusters.Contains(v.ClusterId));
                }
            }

            vms = query.NodePlacement switch
            {
                VmNodePlacement.Primary => vms.Where(v => v.PrimaryNode == node),
                VmNodePlacement.Secondary => vms.Where(v => v.SecondaryNodes.Contains(node)),
                _ => vms.Where(v => v.PrimaryNode == node || v.SecondaryNodes.Contains(node)),
            };
        }

        if (!string.IsNullOrWhiteSpace(query.Os))
        {
            var os = query.Os.Trim();
            vms = vms.Where(v => v.Os == os);
        }

        foreach (var word in SearchWords(query.Search))
        {
            var pattern = "%" + EscapeLike(word) + "%";
            // Owners are few compared with VMs: find the ones whose name matches, then match their VMs by id,
            // which keeps the VM predicate to the trigram index (search_text) or'ed with the owner-id indexes.
            var userIds = await db.Users.Where(u => EF.Functions.ILike(u.UserName!, pattern)).Select(u => (Guid?)u.Id).ToListAsync(ct);
            var groupIds = await db.Groups.Where(g => EF.Functions.ILike(g.Name, pattern) || EF.Functions.ILike(g.Slug, pattern))
                .Select(g => (int?)g.Id).ToListAsync(ct);
            vms = (userIds.Count, groupIds.Count) switch
            {
                (0, 0) => vms.Where(v => EF.Functions.Like(v.SearchText, pattern)),
                (_, 0) => vms.Where(v => EF.Functions.Like(v.SearchText, pattern) || userIds.Contains(v.OwnerUserId)),
                (0, _) => vms.Where(v => EF.Functions.Like(v.SearchText, pattern) || groupIds.Contains(v.OwnerGroupId)),
                _ => vms.Where(v => EF.Functions.Like(v.SearchText, pattern) || userIds.Contains(v.OwnerUserId) || groupIds.Contains(v.OwnerGroupId)),
            };
        }

        return vms;
    }

    /// <summary>The search split into lower-case words (search_text is stored lower-case).</summary>
    internal static IReadOnlyList<string> SearchWords(string? search) =>
        string.IsNullOrWhiteSpace(search)
            ? []
            : [.. search.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Distinct().Take(MaxSearchWords)];

    /// <summary>A user's text taken literally inside a LIKE pattern (PostgreSQL's escape character is the backslash).</summary>
    internal static string EscapeLike(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("%", "\\%", StringComparison.Ordinal)
            .Replace("_", "\\_", StringComparison.Ordinal);

    /// <summary>
    /// The ids of the filtered VMs in the requested order. Only the sorts that need another table join it:
    /// the cluster's slug for <see cref="VmSort.Cluster"/>, the owner's name for <see cref="VmSort.Owner"/>.
    /// Equal keys are ordered by name then id, so the order is total and pages never overlap.
    /// </summary>
    private static IQueryable<long> PageIds(AppDbContext db, IQueryable<VirtualMachine> vms, VmSort sort, bool descending)
    {
        IQueryable<long> By<TKey>(Expression<Func<VirtualMachine, TKey>> key)
        {
            var ordered = descending ? vms.OrderByDescending(key) : vms.OrderBy(key);
            return ordered.ThenBy(v => v.Name).ThenBy(v => v.Id).Select(v => v.Id);
        }

        switch (sort)
        {
            case VmSort.Name:
                return descending
                    ? vms.OrderByDescending(v => v.Name).ThenByDescending(v => v.Id).Select(v => v.Id)
                    : vms.OrderBy(v => v.Name).ThenBy(v => v.Id).Select(v => v.Id);
            case VmSort.Cluster:
                var withCluster = vms.Join(db.Clusters, v => v.ClusterId, c => c.Id, (v, c) => new { v.Id, v.Name, c.Slug });
                return (descending ? withCluster.OrderByDescending(x => x.Slug) : withCluster.OrderBy(x => x.Slug))
                    .ThenBy(x => x.Name).ThenBy(x => x.Id).Select(x => x.Id);
            case VmSort.Owner:
                var withOwner =
                    from v in vms
                    join u in db.Users on v.OwnerUserId equals (Guid?)u.Id into users
                    from u in users.DefaultIfEmpty()
                    join g in db.Groups on v.OwnerGroupId equals (int?)g.Id into groups
                    from g in groups.DefaultIfEmpty()
                    select new { v.Id, v.Name, Owner = u.UserName ?? g.Name };
                return (descending ? withOwner.OrderByDescending(x => x.Owner) : withOwner.OrderBy(x => x.Owner))
                    .ThenBy(x => x.Name).ThenBy(x => x.Id).Select(x => x.Id);
            case VmSort.Status:
                return By(v => v.Status);
            case VmSort.Os:
                return By(v => v.Os);
            case VmSort.Node:
                return By(v => v.PrimaryNode);
            case VmSort.Vcpus:
                return By(v => v.Vcpus);
            case VmSort.Memory:
                return By(v => v.MaxMemoryMiB);
            case VmSort.Disk:
                return By(v => v.DiskTotalMiB);
            default:
                throw new ArgumentOutOfRangeException(nameof(sort), sort, null);
        }
    }
}

/// <summary>The VMs "select all matching" chose (at most <see cref="VirtualMachineQueries.MaxSelection"/>) and how many matched.</summary>
public sealed record VmSelection(IReadOnlyList<long> Ids, IReadOnlyDictionary<long, string> Names, int Total);

public enum OwnerKind
{
    User,
    Group,
}

/// <summary>Who owns a VM: a user (by user name) or a group; <see cref="Key"/> is the VM list's owner filter value.</summary>
public sealed record OwnerRef(OwnerKind Kind, string Name, string Key)
{
    internal static OwnerRef? From(string? userName, string? groupName, string? groupSlug) =>
        userName is not null ? new OwnerRef(OwnerKind.User, userName, VmQuery.OwnerKeyOfUser(userName))
        : groupName is not null ? new OwnerRef(OwnerKind.Group, groupName, VmQuery.OwnerKeyOfGroup(groupSlug!))
        : null;
}

/// <summary>One line of a VM list.</summary>
public sealed record VmRow(
    long Id,
    int ClusterId,
    string ClusterSlug,
    string Name,
    string? Status,
    string? AdminState,
    string? Os,
    string? PrimaryNode,
    IReadOnlyList<string> SecondaryNodes,
    OwnerRef? Owner,
    int? Vcpus,
    long? MaxMemoryMiB,
    long DiskTotalMiB,
    bool PendingDelete,
    DateTimeOffset? MissingSince);

/// <summary>Everything the VM page shows about one VM.</summary>
public sealed record VmDetail(
    long Id,
    int ClusterId,
    string ClusterSlug,
    ClusterHealth ClusterHealth,
    string Name,
    string? Uuid,
    OwnerRef? Owner,
    string? Status,
    bool? OperState,
    long? OperRamMiB,
    string? AdminState,
    string? Os,
    string? Hypervisor,
    int? Vcpus,
    long? MinMemoryMiB,
    long? MaxMemoryMiB,
    string? DiskTemplate,
    long DiskTotalMiB,
    IReadOnlyList<VmDiskView> Disks,
    IReadOnlyList<VmNicView> Nics,
    string? PrimaryNode,
    IReadOnlyList<string> SecondaryNodes,
    int? NetworkPort,
    IReadOnlyList<string> Tags,
    long? SerialNo,
    double? Ctime,
    double? Mtime,
    string Notes,
    bool PendingDelete,
    DateTimeOffset? MissingSince)
{
    /// <summary>What the viewing user may do to it (checked again on the server by every action).</summary>
    public VmAccess Access { get; init; }

    /// <summary>Locked by a cluster admin: owners and grantees may only view it.</summary>
    public bool IsLocked { get; init; }

    /// <summary>Whether the viewing user administers its cluster (sees its grants, may lock it).</summary>
    public bool IsClusterAdmin { get; init; }
}

public sealed record VmDiskView(string? Name, long SizeMiB, string? Uuid, int? Spindles);

public sealed record VmNicView(string? Name, string? Mac, string? Ip, string? Mode, string? Link, string? Network, string? Uuid);

/// <summary>What the VM list's filter menus offer.</summary>
public sealed record VmFilterOptions(
    IReadOnlyList<ClusterOption> Clusters,
    IReadOnlyList<OwnerRef> Owners,
    IReadOnlyList<string> Nodes,
    IReadOnlyList<string> OperatingSystems);
