using System.Security.Claims;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Domain.VirtualMachines;
using GanetiWebManager.Web.Features.Access;
using GanetiWebManager.Web.Features.Clusters;
using GanetiWebManager.Web.Features.Health;
using Microsoft.EntityFrameworkCore;

namespace GanetiWebManager.Web.Features.Nodes;

/// <summary>
/// Reads nodes for the node list, the node page and the cluster page's nodes tab. Memory and vCPUs
/// "allocated" on a node are those of the VMs it is primary for and that are meant to run; the VM lists
/// of a node come from <see cref="VirtualMachines.VirtualMachineQueries"/> with a node filter.
/// Nodes are shown to the admins of their cluster and to holders of its migrate permission (product-spec §3).
/// </summary>
public sealed class NodeQueries(IDbContextFactory<AppDbContext> contextFactory, ClusterQueries clusters, IPortalAccess access)
{
    /// <summary>Nodes of every cluster, or of one (<paramref name="clusterSlug"/>), by cluster then name.</summary>
    public async Task<PagedResult<NodeRow>> ListAsync(ClaimsPrincipal user, string? clusterSlug, int page, int pageSize, CancellationToken ct)
    {
        pageSize = Paging.ClampPageSize(pageSize);
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var scope = await access.ScopeAsync(db, user, ct);
        if (!scope.IsAuthenticated)
        {
            return PagedResult.Empty<NodeRow>(pageSize);
        }

        var nodes = db.Nodes.AsNoTracking().VisibleTo(scope);
        if (!string.IsNullOrWhiteSpace(clusterSlug))
        {
            var slug = clusterSlug.Trim().ToLowerInvariant();
            var clusterId = await db.Clusters.Where(c => c.Slug == slug).Select(c => (int?)c.Id).FirstOrDefaultAsync(ct);
            if (clusterId is not { } id)
            {
                return PagedResult.Empty<NodeRow>(pageSize);
            }

            nodes = nodes.Where(n => n.ClusterId == id);
        }

        var total = await nodes.CountAsync(ct);
        if (total == 0)
        {
            return PagedResult.Empty<NodeRow>(pageSize);
        }

        page = Paging.ClampPage(page, total, pageSize);
        var found = await nodes
            .Join(db.Clusters, n => n.ClusterId, c => c.Id, (n, c) => new { Node = n, c.Slug })
            .OrderBy(x => x.Slug)
            .ThenBy(x => x.Node.Name)
            .Skip((page - 1) * pageSize)
            .Take(pageSize)
            .ToListAsync(ct);

        var allocations = await AllocationsAsync(db, found.Select(x => x.Node), ct);
        return new PagedResult<NodeRow>(
            [.. found.Select(x => ToRow(x.Node, x.Slug, allocations.GetValueOrDefault((x.Node.ClusterId, x.Node.Name))))],
            total,
            page,
            pageSize);
    }

    /// <summary>The node <paramref name="name"/> of cluster <paramref name="clusterSlug"/>, or null when there is none.</summary>
    public async Task<NodeDetail?> GetAsync(ClaimsPrincipal user, string clusterSlug, string name, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(clusterSlug) || string.IsNullOrWhiteSpace(name))
        {
            return null;
        }

        var slug = clusterSlug.Trim().ToLowerInvariant();
        var nodeName = name.Trim().ToLowerInvariant();
        await using var db = await contextFactory.CreateDbContextAsync(ct);
        var scope = await access.ScopeAsync(db, user, ct);
        var found = await db.Nodes.AsNoTracking().VisibleTo(scope)
            .Join(db.Clusters, n => n.ClusterId, c => c.Id, (n, c) => new { Node = n, c.Slug, c.Sync, c.Info.MasterNode })
            .FirstOrDefaultAsync(x => x.Slug == slug && x.Node.Name == nodeName, ct);
        if (found is null)
        {
            return null;
        }

        var n = found.Node;
        var allocation = (await AllocationsAsync(db, [n], ct)).GetValueOrDefault((n.ClusterId, n.Name));
        // Disk is used on every node that holds a copy: the primary and, for DRBD, the secondaries.
        var diskAllocated = await db.VirtualMachines
            .Where(v => v.ClusterId == n.ClusterId && v.MissingSince == null && (v.PrimaryNode == n.Name || v.SecondaryNodes.Contains(n.Name)))
            .SumAsync(v => v.DiskTotalMiB, ct);
        return new NodeDetail(
            ToRow(n, found.Slug, allocation),
            clusters.HealthOf(found.Slug, found.Sync),
            n.Uuid,
            n.PrimaryIp,
            n.SecondaryIp,
            n.MasterCapable,
            n.GroupUuid,
            n.MemoryNodeMiB,
            n.CpuNodeCount,
            n.Sockets,
            n.Tags,
            diskAllocated);
    }

    private static async Task<Dictionary<(int ClusterId, string Name), NodeAllocation>> AllocationsAsync(
        AppDbContext db, IEnumerable<Node> nodes, CancellationToken ct)
    {
        var byCluster = nodes.GroupBy(n => n.ClusterId).ToList();
        var result = new Dictionary<(int, string), NodeAllocation>();
        foreach (var cluster in byCluster)
        {
            var clusterId = cluster.Key;
            var names = cluster.Select(n => n.Name).ToList();
            // (cluster_id, primary_node) is indexed: this touches only the VMs of the nodes on the page.
            var sums = await db.VirtualMachines
                .Where(v => v.ClusterId == clusterId && v.PrimaryNode != null && names.Contains(v.PrimaryNode) && v.MissingSince == null)
                .GroupBy(v => v.PrimaryNode!)
                .Select(g => new
                {
                    Node = g.Key,
                    Vms = g.Count(),
                    Memory = g.Where(v => v.AdminState == VmStates.AdminUp).Sum(v => v.MaxMemoryMiB) ?? 0,
                    Vcpus = g.Where(v => v.AdminState == VmStates.AdminUp).Sum(v => v.Vcpus) ?? 0,
                })
                .ToListAsync(ct);
            foreach (var s in sums)
            {
                result[(clusterId, s.Node)] = new NodeAllocation(s.Vms, s.Memory, s.Vcpus);
            }
        }

        return result;
    }

    private static NodeRow ToRow(Node n, string clusterSlug, NodeAllocation? allocation) => new(
        n.Id,
        n.ClusterId,
        clusterSlug,
        n.Name,
        n.Role,
        n.Offline,
        n.Drained,
        n.MasterCandidate,
        n.VmCapable,
        n.GroupName,
        n.MemoryTotalMiB,
        n.MemoryFreeMiB,
        n.DiskTotalMiB,
        n.DiskFreeMiB,
        n.CpuCount,
        n.PrimaryInstanceCount,
        n.SecondaryInstanceCount,
        allocation?.PrimaryVms ?? 0,
        allocation?.MemoryMiB ?? 0,
        allocation?.Vcpus ?? 0,
        n.MissingSince);

    private sealed record NodeAllocation(int PrimaryVms, long MemoryMiB, int Vcpus);
}

/// <summary>
/// One line of a node list. Totals and free figures are what Ganeti reports (null when the node did not
/// answer); the instance counts are Ganeti's; the allocations are computed from the portal's VMs.
/// </summary>
public sealed record NodeRow(
    int Id,
    int ClusterId,
    string ClusterSlug,
    string Name,
    NodeRole Role,
    bool Offline,
    bool Drained,
    bool MasterCandidate,
    bool VmCapable,
    string? GroupName,
    long? MemoryTotalMiB,
    long? MemoryFreeMiB,
    long? DiskTotalMiB,
    long? DiskFreeMiB,
    int? CpuCount,
    int PrimaryInstanceCount,
    int SecondaryInstanceCount,
    int PrimaryVmsInPortal,
    long MemoryAllocatedMiB,
    int VcpusAllocated,
    DateTimeOffset? MissingSince);

public sealed record NodeDetail(
    NodeRow Row,
    ClusterHealth ClusterHealth,
    string? Uuid,
    string? PrimaryIp,
    string? SecondaryIp,
    bool MasterCapable,
    string? GroupUuid,
    long? MemoryNodeMiB,
    int? CpuNodeCount,
    int? Sockets,
    IReadOnlyList<string> Tags,
    long DiskAllocatedMiB);
