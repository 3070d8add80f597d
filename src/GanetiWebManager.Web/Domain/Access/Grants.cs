namespace GanetiWebManager.Web.Domain.Access;

/// <summary>
/// Who a grant is given to: exactly one of a user or a group (a check constraint holds it in the database).
/// </summary>
public interface IGrantPrincipal
{
    Guid? UserId { get; }

    int? GroupId { get; }
}

/// <summary>Permissions on a cluster held by a user or a group.</summary>
public sealed class ClusterGrant : IGrantPrincipal
{
    public long Id { get; set; }

    public int ClusterId { get; set; }

    public Guid? UserId { get; set; }

    public int? GroupId { get; set; }

    public ClusterPermissions Permissions { get; set; }
}

/// <summary>Permissions on one virtual machine held by a user or a group.</summary>
public sealed class VmGrant : IGrantPrincipal
{
    public long Id { get; set; }

    public long VirtualMachineId { get; set; }

    public Guid? UserId { get; set; }

    public int? GroupId { get; set; }

    public VmPermissions Permissions { get; set; }
}

/// <summary>Permissions on a group (its administration) held by a user or another group.</summary>
public sealed class GroupGrant : IGrantPrincipal
{
    public long Id { get; set; }

    /// <summary>The group the permissions are on.</summary>
    public int TargetGroupId { get; set; }

    public Guid? UserId { get; set; }

    /// <summary>The group holding the permissions (its members hold them).</summary>
    public int? GroupId { get; set; }

    public GroupPermissions Permissions { get; set; }
}

/// <summary>Membership of a user in a group: members act as the group (persona) and hold its grants.</summary>
public sealed class GroupMember
{
    public int GroupId { get; set; }

    public Guid UserId { get; set; }

    public DateTimeOffset AddedAt { get; set; }
}

/// <summary>A principal as the UI shows it: a user or a group, with a display name.</summary>
public readonly record struct PrincipalRef(Guid? UserId, int? GroupId)
{
    public static PrincipalRef User(Guid id) => new(id, null);

    public static PrincipalRef Group(int id) => new(null, id);

    public bool IsUser => UserId is not null;
}
