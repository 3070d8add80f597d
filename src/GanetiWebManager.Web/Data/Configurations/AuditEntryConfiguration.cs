using GanetiWebManager.Web.Domain.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GanetiWebManager.Web.Data.Configurations;

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> builder)
    {
        // No foreign keys on purpose: entries outlive the users, groups, clusters and VMs they name.
        builder.ToTable("audit_log");
        builder.Property(a => a.ActorName).HasMaxLength(100);
        builder.Property(a => a.Persona).HasMaxLength(120);
        builder.Property(a => a.Action).HasMaxLength(64);
        builder.Property(a => a.Outcome).HasConversion<string>().HasMaxLength(16);
        builder.Property(a => a.ClusterSlug).HasMaxLength(50);
        builder.Property(a => a.VmName).HasMaxLength(253);
        builder.Property(a => a.NodeName).HasMaxLength(253);
        builder.Property(a => a.SubjectUserName).HasMaxLength(100);
        builder.Property(a => a.GroupSlug).HasMaxLength(100);
        builder.Property(a => a.Before).HasColumnType("jsonb");
        builder.Property(a => a.After).HasColumnType("jsonb");
        // The views: per cluster, per VM, per actor, per subject user, per group, newest first.
        builder.HasIndex(a => new { a.ClusterId, a.Id });
        builder.HasIndex(a => new { a.VirtualMachineId, a.Id });
        builder.HasIndex(a => new { a.ActorUserId, a.Id });
        builder.HasIndex(a => new { a.SubjectUserId, a.Id });
        builder.HasIndex(a => new { a.GroupId, a.Id });
        builder.HasIndex(a => a.At);
    }
}
