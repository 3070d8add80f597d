using GanetiWebManager.Web.Domain.Clusters;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GanetiWebManager.Web.Data.Configurations;

internal sealed class NodeConfiguration : IEntityTypeConfiguration<Node>
{
    public void Configure(EntityTypeBuilder<Node> builder)
    {
        builder.ToTable("nodes");
        builder.Property(n => n.Name).HasMaxLength(253);
        builder.Property(n => n.Role).HasConversion<string>().HasMaxLength(16);
        builder.HasOne<Cluster>().WithMany().HasForeignKey(n => n.ClusterId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(n => new { n.ClusterId, n.Name }).IsUnique();
    }
}
