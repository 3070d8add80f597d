using GanetiWebManager.Web.Domain.Accounts;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Domain.Templates;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GanetiWebManager.Web.Data.Configurations;

internal sealed class VmTemplateConfiguration : IEntityTypeConfiguration<VmTemplate>
{
    public void Configure(EntityTypeBuilder<VmTemplate> builder)
    {
        builder.ToTable("vm_templates");
        builder.Property(t => t.Name).HasMaxLength(VmTemplate.MaxNameLength);
        builder.Property(t => t.Description).HasMaxLength(VmTemplate.MaxDescriptionLength);
        builder.Property(t => t.Spec).HasColumnType("jsonb");
        builder.Property(t => t.CreatedByName).HasMaxLength(256);
        builder.HasIndex(t => new { t.ClusterId, t.Name }).IsUnique();
        builder.HasOne<Cluster>().WithMany().HasForeignKey(t => t.ClusterId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<AppUser>().WithMany().HasForeignKey(t => t.CreatedByUserId).OnDelete(DeleteBehavior.SetNull);
    }
}
