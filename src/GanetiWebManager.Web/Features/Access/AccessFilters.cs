using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Domain.Jobs;
using GanetiWebManager.Web.Domain.VirtualMachines;

namespace GanetiWebManager.Web.Features.Access;

/// <summary>
/// The visibility rules of <see cref="AccessRules"/> as query filters, so lists, counts and searches are
/// filtered inside PostgreSQL (a user with access to 10 of 50,000 VMs never has the others read). Keep these
/// and AccessRules in step: AccessFiltersTests checks them against each other on the same data.
/// </summary>
public static class AccessFilters
{
    /// <summary>VMs the user may see: any VM permission, explicit (own or a group's) or implicit (owner, cluster admin).</summary>
    public static IQueryable<VirtualMachine> VisibleTo(this IQueryable<VirtualMachine> vms, AppDbContext db, AccessScope scope)
    {
        if (scope.IsSuperuser)
        {
            return vms;
        }

        if (!scope.IsAuthenticated)
        {
            return vms.Where(_ => false);
        }

        var userId = scope.UserId;
        var groups = scope.GroupIds.ToList();
        var adminClusters = scope.AdminClusterIds.ToList();
        return vms.Where(v =>
            adminClusters.Contains(v.ClusterId)
            || v.OwnerUserId == userId
            || (v.OwnerGroupId != null && groups.Contains(v.OwnerGroupId.Value))
            || db.VmGrants.Any(g => g.VirtualMachineId == v.Id
                && (g.UserId == userId || (g.GroupId != null && groups.Contains(g.GroupId.Value)))));
    }

    /// <summary>Clusters the user may see: any grant on the cluster, or a VM of it they may see.</summary>
    public static IQueryable<Cluster> VisibleTo(this IQueryable<Cluster> clusters, AppDbContext db, AccessScope scope)
    {
        if (scope.IsSuperuser)
        {
            return clusters;
        }

        if (!scope.IsAuthenticated)
        {
            return clusters.Where(_ => false);
        }

        var granted = scope.ClustersWithGrants.ToList();
        var visibleVms = db.VirtualMachines.VisibleTo(db, scope);
        return clusters.Where(c => granted.Contains(c.Id) || visibleVms.Any(v => v.ClusterId == c.Id));
    }

    /// <summary>
    /// Jobs the user may see: every job of a cluster they administer, and the jobs of VMs they may see.
    /// (Node and cluster jobs belong to cluster admins.)
    /// </summary>
    public static IQueryable<Job> VisibleTo(this IQueryable<Job> jobs, AppDbContext db, AccessScope scope)
    {
        if (scope.IsSuperuser)
        {
            return jobs;
        }

        if (!scope.IsAuthenticated)
        {
            return jobs.Where(_ => false);
        }

        var adminClusters = scope.AdminClusterIds.ToList();
        var visibleVms = db.VirtualMachines.VisibleTo(db, scope);
        return jobs.Where(j =>
            adminClusters.Contains(j.ClusterId)
            || (j.VirtualMachineId != null && visibleVms.Any(v => v.Id == j.VirtualMachineId)));
    }

    /// <summary>Nodes of clusters where the user is admin or holds migrate.</summary>
    public static IQueryable<Node> VisibleTo(this IQueryable<Node> nodes, AccessScope scope)
    {
        if (scope.IsSuperuser)
        {
            return nodes;
        }

        var clusters = scope.ClustersWithGrants.Where(c => AccessRules.CanViewNodes(scope, c)).ToList();
        return nodes.Where(n => clusters.Contains(n.ClusterId));
    }
}
