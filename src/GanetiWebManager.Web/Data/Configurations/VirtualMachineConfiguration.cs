using GanetiWebManager.Web.Domain.Accounts;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Domain.VirtualMachines;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GanetiWebManager.Web.Data.Configurations;

internal sealed class VirtualMachineConfiguration : IEntityTypeConfiguration<VirtualMachine>
{
    public void Configure(EntityTypeBuilder<VirtualMachine> builder)
    {
        builder.ToTable("virtual_machines", t =>
            t.HasCheckConstraint("ck_virtual_machines_one_owner", "owner_user_id IS NULL OR owner_group_id IS NULL"));
        builder.Property(v => v.Name).HasMaxLength(253);
        builder.Property(v => v.Status).HasMaxLength(32);
        builder.Property(v => v.AdminState).HasMaxLength(16);
        builder.Property(v => v.HvParams).HasColumnType("jsonb");
        builder.Property(v => v.BeParams).HasColumnType("jsonb");
        builder.Property(v => v.OsParams).HasColumnType("jsonb");
        builder.OwnsMany(v => v.Disks, d => d.ToJson());
        builder.OwnsMany(v => v.Nics, n => n.ToJson());
        builder.Ignore(v => v.IsOrphan);
        // Portal-only; the sync's COPY and bulk inserts leave it out, so the database supplies "not locked".
        builder.Property(v => v.IsLocked).HasDefaultValue(false);

        builder.HasOne<Cluster>().WithMany().HasForeignKey(v => v.ClusterId).OnDelete(DeleteBehavior.Cascade);
        // Deleting a user or group leaves their VMs as orphans rather than deleting them.
        builder.HasOne<AppUser>().WithMany().HasForeignKey(v => v.OwnerUserId).OnDelete(DeleteBehavior.SetNull);
        builder.HasOne<Group>().WithMany().HasForeignKey(v => v.OwnerGroupId).OnDelete(DeleteBehavior.SetNull);

        builder.HasIndex(v => new { v.ClusterId, v.Name }).IsUnique();
        // The VM list's default order (name, then id to break ties across clusters): an index-only scan
        // serves any page of it, even the last of 50,000 VMs (0004).
        builder.HasIndex(v => new { v.Name, v.Id });
        builder.HasIndex(v => v.Status);
        builder.HasIndex(v => v.OwnerUserId);
        builder.HasIndex(v => v.OwnerGroupId);
        builder.HasIndex(v => new { v.ClusterId, v.PrimaryNode });
        // Free-text search is a substring match; trigrams make it an index scan on 50k+ rows.
        builder.HasIndex(v => v.SearchText).HasMethod("gin").HasOperators("gin_trgm_ops");
    }
}
