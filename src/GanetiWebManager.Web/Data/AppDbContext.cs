using GanetiWebManager.Web.Domain.Access;
using GanetiWebManager.Web.Domain.Accounts;
using GanetiWebManager.Web.Domain.Audit;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Domain.Jobs;
using GanetiWebManager.Web.Domain.Quotas;
using GanetiWebManager.Web.Domain.VirtualMachines;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace GanetiWebManager.Web.Data;

/// <summary>
/// The portal's database. Feature services open one per operation through
/// <see cref="IDbContextFactory{TContext}"/> (a Blazor circuit outlives any sensible unit of work).
/// The schema itself comes from the SQL scripts in Data/Migrations; a test keeps the two equal.
/// </summary>
public sealed class AppDbContext(DbContextOptions<AppDbContext> options)
    : IdentityDbContext<AppUser, IdentityRole<Guid>, Guid>(options)
{
    public DbSet<Cluster> Clusters => Set<Cluster>();

    public DbSet<ClusterError> ClusterErrors => Set<ClusterError>();

    public DbSet<Node> Nodes => Set<Node>();

    public DbSet<VirtualMachine> VirtualMachines => Set<VirtualMachine>();

    public DbSet<Job> Jobs => Set<Job>();

    public DbSet<Group> Groups => Set<Group>();

    public DbSet<GroupMember> GroupMembers => Set<GroupMember>();

    public DbSet<SshKey> SshKeys => Set<SshKey>();

    public DbSet<ClusterGrant> ClusterGrants => Set<ClusterGrant>();

    public DbSet<VmGrant> VmGrants => Set<VmGrant>();

    public DbSet<GroupGrant> GroupGrants => Set<GroupGrant>();

    public DbSet<AuditEntry> AuditLog => Set<AuditEntry>();

    public DbSet<QuotaOverride> QuotaOverrides => Set<QuotaOverride>();

    public DbSet<QuotaReservation> QuotaReservations => Set<QuotaReservation>();

    public DbSet<Domain.Templates.VmTemplate> VmTemplates => Set<Domain.Templates.VmTemplate>();

    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<OwnerDirectoryVersion> OwnerDirectoryVersions => Set<OwnerDirectoryVersion>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.HasPostgresExtension("pg_trgm");
        builder.ApplyConfigurationsFromAssembly(typeof(AppDbContext).Assembly);
        SnakeCaseNaming.Apply(builder);
    }
}
