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
        builder.Property(c => c.PresentedCertificateSha256).HasMaxLength(64).IsFixedLength();
        builder.Property(c => c.ConsoleAddressMapping).HasMaxLength(4000);
        builder.HasIndex(c => c.Slug).IsUnique();
        builder.HasIndex(c => new { c.Hostname, c.Port }).IsUnique();
        builder.Ignore(c => c.IsReadOnly);

        builder.OwnsOne(c => c.DefaultQuota);
        builder.Navigation(c => c.DefaultQuota).IsRequired();
        builder.OwnsOne(c => c.Info, info =>
        {
            info.Property(i => i.Parameters).HasColumnType("jsonb");
            // A default, so that rows written without it (raw SQL inserts, older code) start with an empty OS list.
            info.Property(i => i.OperatingSystems).HasDefaultValueSql("'{}'::text[]");
        });
        builder.Navigation(c => c.Info).IsRequired();
        builder.OwnsOne(c => c.Sync, sync =>
        {
            sync.Property(s => s.LastErrorKind).HasConversion<string>().HasMaxLength(32);
            sync.Ignore(s => s.IsFailing);
        });
        builder.Navigation(c => c.Sync).IsRequired();
    }
}
