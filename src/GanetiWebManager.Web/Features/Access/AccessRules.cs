using GanetiWebManager.Web.Domain.Access;

namespace GanetiWebManager.Web.Features.Access;

/// <summary>What decides access to one VM, besides the user's scope: its cluster, owner and lock.</summary>
public readonly record struct VmFacts(int ClusterId, Guid? OwnerUserId, int? OwnerGroupId, bool IsLocked);

/// <summary>A user's access to one VM: whether they may see it, and what they may do to it.</summary>
public readonly record struct VmAccess(bool CanView, VmPermissions Permissions)
{
    public static VmAccess None => default;

    /// <summary>Whether every permission in <paramref name="required"/> is held.</summary>
    public bool Has(VmPermissions required) => required == VmPermissions.None ? CanView : (Permissions & required) == required;
}

/// <summary>
/// The permission rules of product-spec §3 as plain functions of a scope and an object's facts: no
/// database, no ASP.NET Core, unit-tested case by case. Services and authorization handlers load the facts
/// and call these; SQL list filters (<see cref="AccessFilters"/>) express the same visibility rule.
/// </summary>
public static class AccessRules
{
    /// <summary>
    /// Effective permissions on a VM. Superuser and cluster admin hold all. Otherwise: the union of the
    /// user's and their groups' VM grants, plus VM admin for the owner (a user, or the members of the owning
    /// group). VM admin implies every other VM permission. A locked VM leaves its owner and VM-level
    /// grantees only the right to view it.
    /// </summary>
    public static VmAccess OnVm(AccessScope scope, VmFacts vm, VmPermissions grantedOnVm)
    {
        if (!scope.IsAuthenticated)
        {
            return VmAccess.None;
        }

        if (scope.IsSuperuser || scope.IsClusterAdmin(vm.ClusterId))
        {
            return new VmAccess(true, VmPermissions.All);
        }

        var held = grantedOnVm;
        if (scope.Owns(vm.OwnerUserId, vm.OwnerGroupId))
        {
            held |= VmPermissions.Admin;
        }

        if (held.HasFlag(VmPermissions.Admin))
        {
            held = VmPermissions.All;
        }

        var canView = held != VmPermissions.None;
        return new VmAccess(canView, vm.IsLocked ? VmPermissions.None : held);
    }

    /// <summary>
    /// Whether the user sees a cluster at all (its name, status, the VMs they may see): any grant on it, or
    /// <paramref name="hasVisibleVm"/> (a grant on, or ownership of, one of its VMs).
    /// </summary>
    public static bool CanViewCluster(AccessScope scope, int clusterId, bool hasVisibleVm) =>
        scope.IsAuthenticated && (scope.OnCluster(clusterId) != ClusterPermissions.None || hasVisibleVm);

    /// <summary>Nodes, jobs, grants, quotas, log, errors and import: cluster admins (nodes also to migrate holders).</summary>
    public static bool CanViewClusterAdminTabs(AccessScope scope, int clusterId) => scope.IsClusterAdmin(clusterId);

    /// <summary>Nodes are shown to cluster admins and to holders of migrate (they move VMs between them).</summary>
    public static bool CanViewNodes(AccessScope scope, int clusterId) =>
        (scope.OnCluster(clusterId) & (ClusterPermissions.Admin | ClusterPermissions.Migrate)) != ClusterPermissions.None;

    /// <summary>A cluster-level permission; cluster admin implies every one of them.</summary>
    public static bool HasOnCluster(AccessScope scope, int clusterId, ClusterPermissions required)
    {
        var held = scope.OnCluster(clusterId);
        return held.HasFlag(ClusterPermissions.Admin) || (held & required) == required;
    }

    /// <summary>A group is edited (name, members, admins) by its admins and superusers.</summary>
    public static bool CanManageGroup(AccessScope scope, int groupId) => scope.OnGroup(groupId).HasFlag(GroupPermissions.Admin);

    /// <summary>All user and group names: superusers and cluster admins (they need them to grant).</summary>
    public static bool CanListAllPrincipals(AccessScope scope) => scope.IsAnyClusterAdmin;

    /// <summary>The audit log of a cluster: its admins.</summary>
    public static bool CanViewClusterLog(AccessScope scope, int clusterId) => scope.IsClusterAdmin(clusterId);

    /// <summary>
    /// The owners a user may create as on a cluster (product-spec §4): superusers any (null = no limit);
    /// otherwise themself if they hold admin or create_vm on the cluster directly, plus each of their groups
    /// that holds admin or create_vm there.
    /// </summary>
    public static PersonaChoice AllowedOwners(AccessScope scope, int clusterId)
    {
        if (scope.IsSuperuser)
        {
            return new PersonaChoice(AnyOwner: true, Self: true, GroupIds: []);
        }

        const ClusterPermissions creates = ClusterPermissions.Admin | ClusterPermissions.CreateVm;
        var self = scope.ClusterGrants.Any(g => g.ClusterId == clusterId && g.GroupId is null && (g.Permissions & creates) != 0);
        var groups = scope.ClusterGrants
            .Where(g => g.ClusterId == clusterId && g.GroupId is not null && (g.Permissions & creates) != 0)
            .Select(g => g.GroupId!.Value)
            .Distinct()
            .ToList();
        return new PersonaChoice(AnyOwner: false, Self: self, GroupIds: groups);
    }
}

/// <summary>Who a user may create as on one cluster: any owner (superusers), or themself and/or some groups.</summary>
public sealed record PersonaChoice(bool AnyOwner, bool Self, IReadOnlyList<int> GroupIds)
{
    public bool IsEmpty => !AnyOwner && !Self && GroupIds.Count == 0;

    public bool Allows(Guid? ownerUserId, int? ownerGroupId, Guid actingUserId) =>
        AnyOwner
        || (ownerUserId is { } user && Self && user == actingUserId)
        || (ownerGroupId is { } group && GroupIds.Contains(group));
}
