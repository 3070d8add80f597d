namespace GanetiWebManager.Web.Domain.Access;

// The permission vocabulary of product-spec §3. Stored as integer bit sets in the grant tables: one row per
// (principal, object), so "replace the set for that principal" is one UPDATE and "any permission" is a
// non-zero test that SQL filters can use.

/// <summary>Permissions on a cluster. Admin implies every VM permission on the cluster's VMs.</summary>
[Flags]
public enum ClusterPermissions
{
    None = 0,
    Admin = 1,
    CreateVm = 2,
    Migrate = 4,
    ReplaceDisks = 8,
    Export = 16,
    Tags = 32,
    All = Admin | CreateVm | Migrate | ReplaceDisks | Export | Tags,
}

/// <summary>Permissions on a virtual machine. Admin implies the others.</summary>
[Flags]
public enum VmPermissions
{
    None = 0,
    Admin = 1,
    Power = 2,
    Modify = 4,
    Remove = 8,
    Tags = 16,
    All = Admin | Power | Modify | Remove | Tags,
}

/// <summary>Permissions on a group: its admins edit it and its members.</summary>
[Flags]
public enum GroupPermissions
{
    None = 0,
    Admin = 1,
    All = Admin,
}
