using GanetiWebManager.Web.Domain.Access;

namespace GanetiWebManager.Web.Features.Access;

/// <summary>A cluster grant as it concerns one user: held directly (<see cref="GroupId"/> null) or through a group.</summary>
public readonly record struct HeldClusterGrant(int ClusterId, int? GroupId, ClusterPermissions Permissions);

/// <summary>
/// Everything needed to decide what one user may do, read from the database at the start of an operation
/// (never from cookie claims, so a demotion or a removed grant counts at once): whether they are an active
/// superuser, their groups, and the cluster and group grants they hold directly or through those groups.
/// VM grants are looked up per VM (or joined in list queries), since a user may hold thousands.
/// </summary>
public sealed class AccessScope
{
    private readonly Dictionary<int, ClusterPermissions> _clusters = [];
    private readonly Dictionary<int, GroupPermissions> _groups = [];

    public AccessScope(
        Guid userId,
        string userName,
        bool isSuperuser,
        IReadOnlyCollection<int> groupIds,
        IReadOnlyList<HeldClusterGrant> clusterGrants,
        IReadOnlyDictionary<int, GroupPermissions> groupGrants)
    {
        UserId = userId;
        UserName = userName;
        IsSuperuser = isSuperuser;
        GroupIds = groupIds;
        ClusterGrants = clusterGrants;
        foreach (var grant in clusterGrants)
        {
            _clusters[grant.ClusterId] = _clusters.GetValueOrDefault(grant.ClusterId) | grant.Permissions;
        }

        foreach (var (groupId, permissions) in groupGrants)
        {
            _groups[groupId] = permissions;
        }
    }

    /// <summary>No one: signed out, unknown, disabled or deleted. Holds nothing.</summary>
    public static AccessScope Nobody { get; } = new(Guid.Empty, "", false, [], [], new Dictionary<int, GroupPermissions>());

    public Guid UserId { get; }

    public string UserName { get; }

    public bool IsSuperuser { get; }

    public bool IsAuthenticated => UserId != Guid.Empty;

    /// <summary>The groups the user belongs to.</summary>
    public IReadOnlyCollection<int> GroupIds { get; }

    /// <summary>Every cluster grant the user holds, directly or through a group (personas need the difference).</summary>
    public IReadOnlyList<HeldClusterGrant> ClusterGrants { get; }

    /// <summary>Effective permissions on a cluster: own ∪ groups'; superuser ⇒ all.</summary>
    public ClusterPermissions OnCluster(int clusterId) =>
        IsSuperuser ? ClusterPermissions.All : _clusters.GetValueOrDefault(clusterId);

    public bool IsClusterAdmin(int clusterId) => OnCluster(clusterId).HasFlag(ClusterPermissions.Admin);

    /// <summary>Clusters where the user holds any grant (not counting VM grants or ownership).</summary>
    public IReadOnlyCollection<int> ClustersWithGrants => _clusters.Keys;

    /// <summary>Clusters the user administers (every VM permission on them).</summary>
    public IReadOnlyList<int> AdminClusterIds => [.. _clusters.Where(c => c.Value.HasFlag(ClusterPermissions.Admin)).Select(c => c.Key)];

    /// <summary>Whether the user administers at least one cluster (they then see all user and group names).</summary>
    public bool IsAnyClusterAdmin => IsSuperuser || _clusters.Values.Any(p => p.HasFlag(ClusterPermissions.Admin));

    public bool IsMemberOf(int groupId) => GroupIds.Contains(groupId);

    /// <summary>Effective permissions on a group: superuser ⇒ all.</summary>
    public GroupPermissions OnGroup(int groupId) =>
        IsSuperuser ? GroupPermissions.All : _groups.GetValueOrDefault(groupId);

    /// <summary>Whether the user is the owner, or a member of the owning group.</summary>
    public bool Owns(Guid? ownerUserId, int? ownerGroupId) =>
        IsAuthenticated
        && ((ownerUserId is { } user && user == UserId) || (ownerGroupId is { } group && IsMemberOf(group)));
}
