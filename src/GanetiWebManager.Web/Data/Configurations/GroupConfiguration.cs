using GanetiWebManager.Web.Domain.Accounts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GanetiWebManager.Web.Data.Configurations;

internal sealed class GroupConfiguration : IEntityTypeConfiguration<Group>
{
    public void Configure(EntityTypeBuilder<Group> builder)
    {
        builder.ToTable("groups");
        // Slugs end up in ownership tags (gwm:owner:group:<slug>, at most 128 characters in all).
        builder.Property(g => g.Slug).HasMaxLength(100);
        builder.Property(g => g.Name).HasMaxLength(200);
        builder.Property(g => g.Description).HasMaxLength(1000);
        builder.HasIndex(g => g.Slug).IsUnique();
    }
}
