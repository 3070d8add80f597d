using GanetiWebManager.Web.Domain.Accounts;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Domain.Jobs;
using GanetiWebManager.Web.Domain.Quotas;
using GanetiWebManager.Web.Domain.VirtualMachines;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GanetiWebManager.Web.Data.Configurations;

internal sealed class QuotaOverrideConfiguration : IEntityTypeConfiguration<QuotaOverride>
{
    public void Configure(EntityTypeBuilder<QuotaOverride> builder)
    {
        builder.ToTable("quota_overrides", t =>
        {
            t.HasCheckConstraint("ck_quota_overrides_one_principal", GrantSql.OnePrincipal);
            t.HasCheckConstraint("ck_quota_overrides_not_negative", "(ram_mib IS NULL OR ram_mib >= 0) AND (disk_mib IS NULL OR disk_mib >= 0) AND (vcpus IS NULL OR vcpus >= 0)");
        });
        builder.HasOne<Cluster>().WithMany().HasForeignKey(q => q.ClusterId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<AppUser>().WithMany().HasForeignKey(q => q.UserId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Group>().WithMany().HasForeignKey(q => q.GroupId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(q => new { q.ClusterId, q.UserId }).IsUnique().HasFilter("user_id IS NOT NULL");
        builder.HasIndex(q => new { q.ClusterId, q.GroupId }).IsUnique().HasFilter("group_id IS NOT NULL");
        builder.HasIndex(q => q.UserId);
        builder.HasIndex(q => q.GroupId);
    }
}

internal sealed class QuotaReservationConfiguration : IEntityTypeConfiguration<QuotaReservation>
{
    public void Configure(EntityTypeBuilder<QuotaReservation> builder)
    {
        builder.ToTable("quota_reservations", t =>
        {
            t.HasCheckConstraint("ck_quota_reservations_one_owner", "(owner_user_id IS NULL) <> (owner_group_id IS NULL)");
            t.HasCheckConstraint("ck_quota_reservations_not_negative", "ram_mib >= 0 AND disk_mib >= 0 AND vcpus >= 0");
        });
        builder.Property(r => r.Purpose).HasConversion<string>().HasMaxLength(16);
        builder.Property(r => r.State).HasConversion<string>().HasMaxLength(16);
        builder.Property(r => r.VmName).HasMaxLength(253);
        builder.Property(r => r.Outcome).HasMaxLength(200);
        builder.HasOne<Cluster>().WithMany().HasForeignKey(r => r.ClusterId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<AppUser>().WithMany().HasForeignKey(r => r.OwnerUserId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Group>().WithMany().HasForeignKey(r => r.OwnerGroupId).OnDelete(DeleteBehavior.Cascade);
        // A reservation outlives neither its purpose nor its history: a deleted job or VM leaves it to the sweep.
        builder.HasOne<Job>().WithMany().HasForeignKey(r => r.JobId).OnDelete(DeleteBehavior.SetNull);
        builder.HasOne<VirtualMachine>().WithMany().HasForeignKey(r => r.VirtualMachineId).OnDelete(DeleteBehavior.SetNull);
        // Usage sums the held reservations of one (owner, cluster) under its lock; the settler scans the held ones.
        builder.HasIndex(r => new { r.ClusterId, r.OwnerUserId }).HasFilter("state = 'Held'").HasDatabaseName("ix_quota_reservations_held_user");
        builder.HasIndex(r => new { r.ClusterId, r.OwnerGroupId }).HasFilter("state = 'Held'").HasDatabaseName("ix_quota_reservations_held_group");
        builder.HasIndex(r => r.JobId);
        builder.HasIndex(r => r.VirtualMachineId);
        builder.HasIndex(r => r.OwnerUserId);
        builder.HasIndex(r => r.OwnerGroupId);
    }
}
