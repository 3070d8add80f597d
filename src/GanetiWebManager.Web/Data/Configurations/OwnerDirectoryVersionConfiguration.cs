using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GanetiWebManager.Web.Data.Configurations;

internal sealed class OwnerDirectoryVersionConfiguration : IEntityTypeConfiguration<OwnerDirectoryVersion>
{
    public void Configure(EntityTypeBuilder<OwnerDirectoryVersion> builder)
    {
        builder.ToTable("owner_directory_version");
        builder.Property(v => v.Id).ValueGeneratedNever();
    }
}
