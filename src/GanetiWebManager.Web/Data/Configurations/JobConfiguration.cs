using GanetiWebManager.Web.Domain.Accounts;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Domain.Jobs;
using GanetiWebManager.Web.Domain.VirtualMachines;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GanetiWebManager.Web.Data.Configurations;

internal sealed class JobConfiguration : IEntityTypeConfiguration<Job>
{
    public void Configure(EntityTypeBuilder<Job> builder)
    {
        builder.ToTable("jobs");
        builder.Property(j => j.Operation).HasMaxLength(64);
        builder.Property(j => j.Request).HasColumnType("jsonb");
        builder.Property(j => j.Marker).HasMaxLength(64);
        builder.Property(j => j.Source).HasConversion<string>().HasMaxLength(16);
        builder.Property(j => j.Submission).HasConversion<string>().HasMaxLength(16);
        builder.Property(j => j.TargetKind).HasConversion<string>().HasMaxLength(16);
        builder.Property(j => j.Status).HasConversion<string>().HasMaxLength(16);
        builder.Property(j => j.TargetName).HasMaxLength(253);
        builder.Property(j => j.SubmittedByName).HasMaxLength(100);
        builder.Property(j => j.Log).HasColumnType("jsonb");
        builder.Property(j => j.Result).HasColumnType("jsonb");
        builder.Property(j => j.ErrorClass).HasMaxLength(64);
        builder.Property(j => j.ErrorCode).HasMaxLength(64);
        builder.Ignore(j => j.IsFinished);

        builder.HasOne<Cluster>().WithMany().HasForeignKey(j => j.ClusterId).OnDelete(DeleteBehavior.Cascade);
        // Jobs outlive the objects they acted on: their history stays readable.
        builder.HasOne<VirtualMachine>().WithMany().HasForeignKey(j => j.VirtualMachineId).OnDelete(DeleteBehavior.SetNull);
        builder.HasOne<Node>().WithMany().HasForeignKey(j => j.NodeId).OnDelete(DeleteBehavior.SetNull);
        builder.HasOne<AppUser>().WithMany().HasForeignKey(j => j.SubmittedByUserId).OnDelete(DeleteBehavior.SetNull);
        builder.HasOne<Job>().WithMany().HasForeignKey(j => j.ParentJobId).OnDelete(DeleteBehavior.SetNull);

        builder.HasIndex(j => new { j.ClusterId, j.GanetiJobId }).IsUnique();
        builder.HasIndex(j => j.Marker).IsUnique();
        builder.HasIndex(j => j.ClusterId).HasFilter("submission = 'Pending'").HasDatabaseName("ix_jobs_pending_intents");
        builder.HasIndex(j => new { j.VirtualMachineId, j.Id });
        builder.HasIndex(j => new { j.NodeId, j.Id });
        // Job lists are newest first, for all clusters or one (0004).
        builder.HasIndex(j => new { j.CreatedAt, j.Id });
        builder.HasIndex(j => new { j.ClusterId, j.CreatedAt, j.Id });
        // The follower and the reconciler look only at what is not finished.
        builder.HasIndex(j => j.Status).HasFilter("status NOT IN ('Success', 'Error', 'Canceled', 'Unknown')");
    }
}
