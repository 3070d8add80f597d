using GanetiWebManager.Web.Domain.Clusters;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GanetiWebManager.Web.Data.Configurations;

internal sealed class ClusterConfiguration : IEntityTypeConfiguration<Cluster>
{
    public void Configure(EntityTypeBuilder<Cluster> builder)
    {
        builder.ToTable("clusters");
        builder.Property(c => c.Slug).HasMaxLength(50);
        builder.Property(c => c.Hostname).HasMaxLength(253);
        builder.Property(c => c.Description).HasMaxLength(500);
        builder.Property(c => c.RapiUsername).HasMaxLength(128);
        builder.Property(c => c.CertificateSha256).HasMaxLength(64).IsFixedLength();
        builder.HasIndex(c => c.Slug).IsUnique();
        builder.HasIndex(c => new { c.Hostname, c.Port }).IsUnique();
        builder.Ignore(c => c.IsReadOnly);
        builder.OwnsOne(c => c.Sync, sync =>
        {
            sync.Property(s => s.LastSuccessAt).HasColumnName("sync_last_success_at");
            sync.Property(s => s.LastFailureAt).HasColumnName("sync_last_failure_at");
            sync.Property(s => s.LastError).HasColumnName("sync_last_error");
            sync.Ignore(s => s.IsFailing);
        });
        builder.Navigation(c => c.Sync).IsRequired();
    }
}
