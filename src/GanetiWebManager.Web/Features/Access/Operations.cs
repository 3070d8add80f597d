using GanetiWebManager.Web.Domain.Access;
using Microsoft.AspNetCore.Authorization;

namespace GanetiWebManager.Web.Features.Access;

/// <summary>A VM as the resource of an authorization check.</summary>
public sealed record VmResource(long Id);

/// <summary>A cluster as the resource of an authorization check.</summary>
public sealed record ClusterResource(int Id);

/// <summary>A group as the resource of an authorization check.</summary>
public sealed record GroupResource(int Id);

/// <summary>An operation on a VM: needs every permission in <see cref="Required"/> (None = view).</summary>
public sealed record VmOperation(string Name, VmPermissions Required) : IAuthorizationRequirement
{
    public static readonly VmOperation View = new("view", VmPermissions.None);
    public static readonly VmOperation Power = new("power", VmPermissions.Power);
    public static readonly VmOperation Modify = new("modify", VmPermissions.Modify);
    public static readonly VmOperation Remove = new("remove", VmPermissions.Remove);
    public static readonly VmOperation Tags = new("tags", VmPermissions.Tags);
    public static readonly VmOperation Admin = new("admin", VmPermissions.Admin);
}

/// <summary>
/// An operation on a cluster: <see cref="Required"/> held (cluster admin implies all); None with
/// <see cref="ViewOnly"/> = may see the cluster at all.
/// </summary>
public sealed record ClusterOperation(string Name, ClusterPermissions Required, bool ViewOnly = false) : IAuthorizationRequirement
{
    public static readonly ClusterOperation View = new("view", ClusterPermissions.None, ViewOnly: true);
    public static readonly ClusterOperation ViewNodes = new("view-nodes", ClusterPermissions.Migrate);
    public static readonly ClusterOperation Admin = new("admin", ClusterPermissions.Admin);
    public static readonly ClusterOperation CreateVm = new("create-vm", ClusterPermissions.CreateVm);
    public static readonly ClusterOperation Migrate = new("migrate", ClusterPermissions.Migrate);
    public static readonly ClusterOperation ReplaceDisks = new("replace-disks", ClusterPermissions.ReplaceDisks);
    public static readonly ClusterOperation Tags = new("tags", ClusterPermissions.Tags);
}

/// <summary>An operation on a group: editing it and its members needs group admin.</summary>
public sealed record GroupOperation(string Name) : IAuthorizationRequirement
{
    public static readonly GroupOperation Manage = new("manage");
}
