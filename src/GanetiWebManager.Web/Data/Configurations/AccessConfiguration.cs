using GanetiWebManager.Web.Domain.Access;
using GanetiWebManager.Web.Domain.Accounts;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Domain.VirtualMachines;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GanetiWebManager.Web.Data.Configurations;

// Grants: one row per (object, principal) holding a non-empty permission set. Deleting the object or the
// principal deletes the grant; an empty set is never stored (it means "no grant").

internal sealed class ClusterGrantConfiguration : IEntityTypeConfiguration<ClusterGrant>
{
    public void Configure(EntityTypeBuilder<ClusterGrant> builder)
    {
        builder.ToTable("cluster_grants", t =>
        {
            t.HasCheckConstraint("ck_cluster_grants_one_principal", GrantSql.OnePrincipal);
            t.HasCheckConstraint("ck_cluster_grants_not_empty", "permissions <> 0");
        });
        builder.HasOne<Cluster>().WithMany().HasForeignKey(g => g.ClusterId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<AppUser>().WithMany().HasForeignKey(g => g.UserId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Group>().WithMany().HasForeignKey(g => g.GroupId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(g => new { g.ClusterId, g.UserId }).IsUnique().HasFilter("user_id IS NOT NULL");
        builder.HasIndex(g => new { g.ClusterId, g.GroupId }).IsUnique().HasFilter("group_id IS NOT NULL");
        builder.HasIndex(g => g.UserId);
        builder.HasIndex(g => g.GroupId);
    }
}

internal sealed class VmGrantConfiguration : IEntityTypeConfiguration<VmGrant>
{
    public void Configure(EntityTypeBuilder<VmGrant> builder)
    {
        builder.ToTable("vm_grants", t =>
        {
            t.HasCheckConstraint("ck_vm_grants_one_principal", GrantSql.OnePrincipal);
            t.HasCheckConstraint("ck_vm_grants_not_empty", "permissions <> 0");
        });
        builder.HasOne<VirtualMachine>().WithMany().HasForeignKey(g => g.VirtualMachineId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<AppUser>().WithMany().HasForeignKey(g => g.UserId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Group>().WithMany().HasForeignKey(g => g.GroupId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(g => new { g.VirtualMachineId, g.UserId }).IsUnique().HasFilter("user_id IS NOT NULL");
        builder.HasIndex(g => new { g.VirtualMachineId, g.GroupId }).IsUnique().HasFilter("group_id IS NOT NULL");
        // The VM list's visibility filter looks grants up by principal.
        builder.HasIndex(g => g.UserId);
        builder.HasIndex(g => g.GroupId);
    }
}

internal sealed class GroupGrantConfiguration : IEntityTypeConfiguration<GroupGrant>
{
    public void Configure(EntityTypeBuilder<GroupGrant> builder)
    {
        builder.ToTable("group_grants", t =>
        {
            t.HasCheckConstraint("ck_group_grants_one_principal", GrantSql.OnePrincipal);
            t.HasCheckConstraint("ck_group_grants_not_empty", "permissions <> 0");
        });
        builder.HasOne<Group>().WithMany().HasForeignKey(g => g.TargetGroupId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<AppUser>().WithMany().HasForeignKey(g => g.UserId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Group>().WithMany().HasForeignKey(g => g.GroupId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(g => new { g.TargetGroupId, g.UserId }).IsUnique().HasFilter("user_id IS NOT NULL");
        builder.HasIndex(g => new { g.TargetGroupId, g.GroupId }).IsUnique().HasFilter("group_id IS NOT NULL");
        builder.HasIndex(g => g.UserId);
        builder.HasIndex(g => g.GroupId);
    }
}

internal sealed class GroupMemberConfiguration : IEntityTypeConfiguration<GroupMember>
{
    public void Configure(EntityTypeBuilder<GroupMember> builder)
    {
        builder.ToTable("group_members");
        builder.HasKey(m => new { m.GroupId, m.UserId });
        builder.HasOne<Group>().WithMany().HasForeignKey(m => m.GroupId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<AppUser>().WithMany().HasForeignKey(m => m.UserId).OnDelete(DeleteBehavior.Cascade);
        // A user's groups are read on every access check.
        builder.HasIndex(m => m.UserId);
    }
}

internal static class GrantSql
{
    public const string OnePrincipal = "(user_id IS NULL) <> (group_id IS NULL)";
}
