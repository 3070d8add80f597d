using System.Security.Claims;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Features.Access;
using Microsoft.EntityFrameworkCore;

namespace GanetiWebManager.Web.Features.Import;

/// <summary>A VM on the import page: an orphan, or one missing from Ganeti.</summary>
public sealed record ImportVmRow(
    long Id,
    int ClusterId,
    string ClusterSlug,
    string Name,
    string? Status,
    string? PrimaryNode,
    string? Os,
    string? OwnerName,
    DateTimeOffset? MissingSince);

/// <summary>A node the sync no longer finds in Ganeti.</summary>
public sealed record ImportNodeRow(int Id, int ClusterId, string ClusterSlug, string Name, DateTimeOffset MissingSince);

/// <summary>What the import tools have to offer an admin, per kind.</summary>
public sealed record ImportCounts(int Orphans, int MissingVms, int MissingNodes)
{
    public int Total => Orphans + MissingVms + MissingNodes;
}

/// <summary>A cluster the user may import on.</summary>
public sealed record ImportCluster(int Id, string Slug);

/// <summary>
/// Reads the import tools' lists (product-spec §9): orphans (no owner), VMs and nodes missing from Ganeti, on the
/// clusters the user administers (superusers: all). Others get empty lists and null counts, never an error that
/// tells them what exists.
/// </summary>
public sealed class ImportQueries(IDbContextFactory<AppDbContext> contexts, IPortalAccess access)
{
    /// <summary>The clusters the user may import on; empty for everyone who administers none.</summary>
    public async Task<IReadOnlyList<ImportCluster>> ClustersAsync(ClaimsPrincipal user, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var scope = await access.ScopeAsync(db, user, ct);
        return await Administered(db, scope).OrderBy(c => c.Slug).Select(c => new ImportCluster(c.Id, c.Slug)).ToListAsync(ct);
    }

    /// <summary>Counts for the dashboard; null for users who administer no cluster (the tile is not shown).</summary>
    public async Task<ImportCounts?> CountsAsync(ClaimsPrincipal user, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var scope = await access.ScopeAsync(db, user, ct);
        if (!scope.IsSuperuser && scope.AdminClusterIds.Count == 0)
        {
            return null;
        }

        var clusters = Administered(db, scope).Select(c => c.Id);
        var vms = db.VirtualMachines.AsNoTracking().Where(v => clusters.Contains(v.ClusterId));
        var orphans = await vms.CountAsync(v => v.OwnerUserId == null && v.OwnerGroupId == null && v.MissingSince == null && !v.PendingDelete, ct);
        var missingVms = await vms.CountAsync(v => v.MissingSince != null, ct);
        var missingNodes = await db.Nodes.AsNoTracking().CountAsync(n => clusters.Contains(n.ClusterId) && n.MissingSince != null, ct);
        return new ImportCounts(orphans, missingVms, missingNodes);
    }

    /// <summary>VMs without an owner (and still in Ganeti), one page, by cluster then name.</summary>
    public Task<PagedResult<ImportVmRow>> OrphansAsync(ClaimsPrincipal user, int? clusterId, int page, int pageSize, CancellationToken ct) =>
        VmsAsync(user, clusterId, missing: false, page, pageSize, ct);

    /// <summary>VMs the sync no longer finds in Ganeti, one page, by cluster then name.</summary>
    public Task<PagedResult<ImportVmRow>> MissingVmsAsync(ClaimsPrincipal user, int? clusterId, int page, int pageSize, CancellationToken ct) =>
        VmsAsync(user, clusterId, missing: true, page, pageSize, ct);

    /// <summary>Nodes the sync no longer finds in Ganeti (few: no paging beyond the first 500).</summary>
    public async Task<IReadOnlyList<ImportNodeRow>> MissingNodesAsync(ClaimsPrincipal user, int? clusterId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var scope = await access.ScopeAsync(db, user, ct);
        // The administered clusters are few: read them, then the nodes by cluster id.
        var clusters = await Administered(db, scope).Where(c => clusterId == null || c.Id == clusterId)
            .Select(c => new { c.Id, c.Slug }).ToDictionaryAsync(c => c.Id, c => c.Slug, ct);
        var ids = clusters.Keys.ToList();
        var nodes = await db.Nodes.AsNoTracking()
            .Where(n => n.MissingSince != null && ids.Contains(n.ClusterId))
            .OrderBy(n => n.Name)
            .Take(500)
            .Select(n => new { n.Id, n.ClusterId, n.Name, n.MissingSince })
            .ToListAsync(ct);
        return [.. nodes.Select(n => new ImportNodeRow(n.Id, n.ClusterId, clusters[n.ClusterId], n.Name, n.MissingSince!.Value)).OrderBy(r => r.ClusterSlug, StringComparer.Ordinal)];
    }

    private async Task<PagedResult<ImportVmRow>> VmsAsync(ClaimsPrincipal user, int? clusterId, bool missing, int page, int pageSize, CancellationToken ct)
    {
        pageSize = Paging.ClampPageSize(pageSize);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var scope = await access.ScopeAsync(db, user, ct);
        var clusters = Administered(db, scope).Where(c => clusterId == null || c.Id == clusterId);
        var vms = db.VirtualMachines.AsNoTracking().Where(v => clusters.Any(c => c.Id == v.ClusterId));
        vms = missing
            ? vms.Where(v => v.MissingSince != null)
            : vms.Where(v => v.OwnerUserId == null && v.OwnerGroupId == null && v.MissingSince == null && !v.PendingDelete);
        var total = await vms.CountAsync(ct);
        page = Paging.ClampPage(page, total, pageSize);
        var rows = await vms
            .Join(db.Clusters, v => v.ClusterId, c => c.Id, (v, c) => new { v, c.Slug })
            .OrderBy(x => x.Slug).ThenBy(x => x.v.Name).ThenBy(x => x.v.Id)
            .Skip((page - 1) * pageSize).Take(pageSize)
            .Select(x => new ImportVmRow(
                x.v.Id, x.v.ClusterId, x.Slug, x.v.Name, x.v.Status, x.v.PrimaryNode, x.v.Os,
                x.v.OwnerUserId != null ? db.Users.Where(u => u.Id == x.v.OwnerUserId).Select(u => u.UserName).FirstOrDefault()
                    : x.v.OwnerGroupId != null ? db.Groups.Where(g => g.Id == x.v.OwnerGroupId).Select(g => g.Name).FirstOrDefault() : null,
                x.v.MissingSince))
            .ToListAsync(ct);
        return new PagedResult<ImportVmRow>(rows, total, page, pageSize);
    }

    /// <summary>Clusters the user administers: every one for superusers, none for the signed out.</summary>
    internal static IQueryable<Domain.Clusters.Cluster> Administered(AppDbContext db, AccessScope scope)
    {
        if (scope.IsSuperuser)
        {
            return db.Clusters.AsNoTracking();
        }

        var admin = scope.AdminClusterIds.ToList();
        return db.Clusters.AsNoTracking().Where(c => admin.Contains(c.Id));
    }
}
