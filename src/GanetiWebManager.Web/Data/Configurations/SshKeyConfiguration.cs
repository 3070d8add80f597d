using GanetiWebManager.Web.Domain.Accounts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace GanetiWebManager.Web.Data.Configurations;

internal sealed class SshKeyConfiguration : IEntityTypeConfiguration<SshKey>
{
    public void Configure(EntityTypeBuilder<SshKey> builder)
    {
        builder.ToTable("ssh_keys");
        builder.Property(k => k.Algorithm).HasMaxLength(64);
        // An RSA key of 16,384 bits is about 2,800 base64 characters; nothing sensible is longer.
        builder.Property(k => k.Blob).HasMaxLength(4096);
        builder.Property(k => k.Comment).HasMaxLength(200);
        builder.Property(k => k.Fingerprint).HasMaxLength(60);
        builder.HasOne<AppUser>().WithMany().HasForeignKey(k => k.UserId).OnDelete(DeleteBehavior.Cascade);
        // The same key twice on one account is a mistake; the database refuses it even under a race.
        builder.HasIndex(k => new { k.UserId, k.Fingerprint }).IsUnique();
    }
}
