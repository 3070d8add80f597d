using System.Security.Claims;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Domain.VirtualMachines;
using GanetiWebManager.Web.Domain.Access;
using GanetiWebManager.Web.Features.Access;
using GanetiWebManager.Web.Features.Health;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace GanetiWebManager.Web.Features.Clusters;

/// <summary>
/// What the cluster pages and the overview show: each cluster's sync state, capacity and VM counts, its
/// mirrored info and its errors. Reads only the database, filtered by product-spec §3: a user sees the clusters
/// where they hold a grant or may see a VM; the VM counts and allocations count only the VMs they may see; node
/// capacity goes to cluster admins and migrate holders; errors and certificates to cluster admins.
/// </summary>
public sealed class ClusterQueries(
    IDbContextFactory<AppDbContext> contextFactory,
    IOptions<HealthOptions> healthOptions,
    TimeProvider timeProvider,
    IPortalAccess access)
{
    public async Task<IReadOnlyList<ClusterSummary>> ListAsync(ClaimsPrincipal user, CancellationToken ct)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var scope = await access.ScopeAsync(db, user, ct);
        return scope.IsAuthenticated ? await ReadSummariesAsync(db, scope, null, ct) : [];
    }

    /// <summary>Every cluster's id and slug, by slug: for filter menus.</summary>
    public async Task<IReadOnlyList<ClusterOption>> ListOptionsAsync(ClaimsPrincipal user, CancellationToken ct)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var scope = await access.ScopeAsync(db, user, ct);
        if (!scope.IsAuthenticated)
        {
            return [];
        }

        return await db.Clusters.AsNoTracking().VisibleTo(db, scope).OrderBy(c => c.Slug).Select(c => new ClusterOption(c.Id, c.Slug)).ToListAsync(ct);
    }

    /// <summary>The cluster with this slug, or null when there is none (or the user may not see it).</summary>
    public async Task<ClusterDetail?> GetAsync(ClaimsPrincipal user, string slug, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(slug))
        {
            return null;
        }

        var wanted = slug.Trim().ToLowerInvariant();
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var scope = await access.ScopeAsync(db, user, ct);
        var cluster = await db.Clusters.AsNoTracking().FirstOrDefaultAsync(c => c.Slug == wanted, ct);
        if (cluster is null || !await access.CanViewClusterAsync(db, scope, cluster.Id, ct))
        {
            return null;
        }

        var summary = (await ReadSummariesAsync(db, scope, cluster.Id, ct)).Single();
        var admin = scope.IsClusterAdmin(cluster.Id);
        var openErrors = admin ? await db.ClusterErrors.CountAsync(e => e.ClusterId == cluster.Id && e.ClearedAt == null, ct) : 0;
        return new ClusterDetail(
            summary,
            cluster.Port,
            cluster.Info.GanetiName,
            cluster.Info.Uuid,
            cluster.Info.DefaultHypervisor,
            cluster.Info.EnabledHypervisors,
            cluster.Info.EnabledDiskTemplates,
            cluster.Info.DefaultIallocator,
            cluster.Info.Tags,
            admin ? cluster.CertificateSha256?.Trim() : null,
            admin ? cluster.PresentedCertificateSha256?.Trim() : null,
            new ResourceLimitsView(cluster.DefaultQuota.RamMiB, cluster.DefaultQuota.DiskMiB, cluster.DefaultQuota.Vcpus),
            cluster.Sync.LastSuccessAt,
            cluster.Sync.LastFailureAt,
            cluster.Sync.LastErrorKind,
            openErrors);
    }

    /// <summary>
    /// Errors recorded while talking to clusters, newest first: of one cluster, or of all when
    /// <paramref name="clusterId"/> is null; cleared ones only when asked.
    /// </summary>
    public async Task<IReadOnlyList<ClusterErrorRow>> ListErrorsAsync(
        ClaimsPrincipal user, int? clusterId, bool includeCleared, int limit, CancellationToken ct)
    {
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var scope = await access.ScopeAsync(db, user, ct);
        if (!scope.IsAuthenticated)
        {
            return [];
        }

        // Errors are a cluster admin's business (product-spec §3).
        var errors = db.ClusterErrors.AsNoTracking();
        if (!scope.IsSuperuser)
        {
            var adminClusters = scope.AdminClusterIds.ToList();
            errors = errors.Where(e => adminClusters.Contains(e.ClusterId));
        }

        if (clusterId is { } id)
        {
            errors = errors.Where(e => e.ClusterId == id);
        }

        if (!includeCleared)
        {
            errors = errors.Where(e => e.ClearedAt == null);
        }

        return await errors
            .Join(db.Clusters, e => e.ClusterId, c => c.Id, (e, c) => new { e, c.Slug })
            .OrderByDescending(x => x.e.LastAt)
            .ThenByDescending(x => x.e.Id)
            .Take(Math.Clamp(limit, 1, 500))
            .Select(x => new ClusterErrorRow(
                x.e.Id, x.e.ClusterId, x.Slug, x.e.Kind, x.e.Message, x.e.FirstAt, x.e.LastAt, x.e.Count, x.e.ClearedAt))
            .ToListAsync(ct);
    }

    /// <summary>How fresh one cluster's data is, for the banner of the pages of its nodes, VMs and jobs.</summary>
    public ClusterHealth HealthOf(string slug, ClusterSyncState sync) =>
        ClusterHealth.From(slug, sync.LastSuccessAt, sync.LastFailureAt, sync.LastError, timeProvider.GetUtcNow(), healthOptions.Value.ClusterStaleAfter);

    private async Task<List<ClusterSummary>> ReadSummariesAsync(AppDbContext db, AccessScope scope, int? clusterId, CancellationToken ct)
    {
        var clusters = db.Clusters.AsNoTracking().VisibleTo(db, scope);
        var vms = db.VirtualMachines.AsNoTracking().VisibleTo(db, scope);
        var nodes = db.Nodes.AsNoTracking().VisibleTo(scope);
        if (clusterId is { } id)
        {
            clusters = clusters.Where(c => c.Id == id);
            vms = vms.Where(v => v.ClusterId == id);
            nodes = nodes.Where(n => n.ClusterId == id);
        }

        var rows = await clusters
            .OrderBy(c => c.Slug)
            .Select(c => new
            {
                c.Id,
                c.Slug,
                c.Hostname,
                c.Description,
                c.RapiUsername,
                c.Info.SoftwareVersion,
                c.Info.MasterNode,
                c.Sync,
            })
            .ToListAsync(ct);

        // One aggregate per table, grouped by cluster: a single pass over the VMs however many clusters there are.
        // A VM that is gone from Ganeti (missing) no longer uses anything; one pending deletion still does.
        var vmTotals = await vms
            .GroupBy(v => v.ClusterId)
            .Select(g => new
            {
                ClusterId = g.Key,
                Total = g.Count(v => v.MissingSince == null),
                Running = g.Count(v => v.MissingSince == null && v.Status == VmStates.Running),
                Missing = g.Count(v => v.MissingSince != null),
                Memory = g.Where(v => v.MissingSince == null && v.AdminState == VmStates.AdminUp).Sum(v => v.MaxMemoryMiB) ?? 0,
                Vcpus = g.Where(v => v.MissingSince == null && v.AdminState == VmStates.AdminUp).Sum(v => v.Vcpus) ?? 0,
                Disk = g.Where(v => v.MissingSince == null).Sum(v => v.DiskTotalMiB),
            })
            .ToDictionaryAsync(x => x.ClusterId, ct);

        var nodeTotals = await nodes
            .Where(n => n.MissingSince == null)
            .GroupBy(n => n.ClusterId)
            .Select(g => new
            {
                ClusterId = g.Key,
                Count = g.Count(),
                Memory = g.Sum(n => n.MemoryTotalMiB) ?? 0,
                MemoryFree = g.Sum(n => n.MemoryFreeMiB) ?? 0,
                Disk = g.Sum(n => n.DiskTotalMiB) ?? 0,
                DiskFree = g.Sum(n => n.DiskFreeMiB) ?? 0,
                Cpus = g.Sum(n => n.CpuCount) ?? 0,
            })
            .ToDictionaryAsync(x => x.ClusterId, ct);

        return [.. rows.Select(r =>
        {
            var v = vmTotals.GetValueOrDefault(r.Id);
            var n = nodeTotals.GetValueOrDefault(r.Id);
            return new ClusterSummary(
                r.Id,
                r.Slug,
                r.Hostname,
                r.Description,
                r.RapiUsername is null,
                HealthOf(r.Slug, r.Sync),
                r.SoftwareVersion,
                r.MasterNode,
                n?.Count ?? 0,
                new VmCounts(v?.Total ?? 0, v?.Running ?? 0, v?.Missing ?? 0),
                new ClusterCapacity(
                    n?.Memory ?? 0, v?.Memory ?? 0, n?.MemoryFree ?? 0,
                    n?.Disk ?? 0, v?.Disk ?? 0, n?.DiskFree ?? 0,
                    n?.Cpus ?? 0, v?.Vcpus ?? 0))
            {
                Permissions = scope.OnCluster(r.Id),
            };
        })];
    }
}

public sealed record ClusterOption(int Id, string Slug);

/// <summary>A cluster as the lists and the overview show it.</summary>
public sealed record ClusterSummary(
    int Id,
    string Slug,
    string Hostname,
    string Description,
    bool IsReadOnly,
    ClusterHealth Health,
    string? SoftwareVersion,
    string? MasterNode,
    int NodeCount,
    VmCounts Vms,
    ClusterCapacity Capacity)
{
    /// <summary>The viewing user's effective permissions on the cluster (none: they see it through its VMs).</summary>
    public ClusterPermissions Permissions { get; init; }

    public bool IsAdmin => Permissions.HasFlag(ClusterPermissions.Admin);

    /// <summary>Whether the viewer sees its nodes (admins and migrate holders).</summary>
    public bool ShowsNodes => (Permissions & (ClusterPermissions.Admin | ClusterPermissions.Migrate)) != 0;
}

/// <summary>VMs of a cluster: <see cref="Total"/> and <see cref="Running"/> leave out the ones gone from Ganeti.</summary>
public sealed record VmCounts(int Total, int Running, int Missing);

/// <summary>
/// Node totals against what the VMs are given (product-spec §5's arithmetic): memory and vCPUs of the VMs
/// meant to run (admin state up), disk of every VM. The free figures are what the nodes report.
/// </summary>
public sealed record ClusterCapacity(
    long MemoryTotalMiB,
    long MemoryAllocatedMiB,
    long MemoryFreeMiB,
    long DiskTotalMiB,
    long DiskAllocatedMiB,
    long DiskFreeMiB,
    int CpuTotal,
    int VcpusAllocated);

public sealed record ResourceLimitsView(long? RamMiB, long? DiskMiB, int? Vcpus);

/// <summary>A cluster with its mirrored info (never its credentials).</summary>
public sealed record ClusterDetail(
    ClusterSummary Summary,
    int Port,
    string? GanetiName,
    string? Uuid,
    string? DefaultHypervisor,
    IReadOnlyList<string> EnabledHypervisors,
    IReadOnlyList<string> EnabledDiskTemplates,
    string? DefaultIallocator,
    IReadOnlyList<string> Tags,
    string? CertificateSha256,
    string? PresentedCertificateSha256,
    ResourceLimitsView DefaultQuota,
    DateTimeOffset? LastSuccessAt,
    DateTimeOffset? LastFailureAt,
    ClusterErrorKind? LastErrorKind,
    int OpenErrorCount)
{
    public int Id => Summary.Id;

    public string Slug => Summary.Slug;
}

public sealed record ClusterErrorRow(
    long Id,
    int ClusterId,
    string ClusterSlug,
    ClusterErrorKind Kind,
    string Message,
    DateTimeOffset FirstAt,
    DateTimeOffset LastAt,
    int Count,
    DateTimeOffset? ClearedAt);
