using GanetiWebManager.Web.Domain.Clusters;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GanetiWebManager.Web.Data.Configurations;

internal sealed class ClusterErrorConfiguration : IEntityTypeConfiguration<ClusterError>
{
    public void Configure(EntityTypeBuilder<ClusterError> builder)
    {
        builder.ToTable("cluster_errors");
        builder.Property(e => e.Kind).HasConversion<string>().HasMaxLength(32);
        builder.HasOne<Cluster>().WithMany().HasForeignKey(e => e.ClusterId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(e => new { e.ClusterId, e.LastAt });
    }
}
