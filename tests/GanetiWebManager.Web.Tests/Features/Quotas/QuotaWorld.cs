using System.Security.Claims;
using GanetiWebManager.Testing;
using GanetiWebManager.Testing.Inventory;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Access;
using GanetiWebManager.Web.Domain.Accounts;
using GanetiWebManager.Web.Domain.Audit;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Features.Quotas;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GanetiWebManager.Web.Tests.Features.Quotas;

/// <summary>The portal's services over a database of their own, a manual clock, and helpers to set up owners and grants.</summary>
internal sealed class QuotaWorld : IAsyncDisposable
{
    private TestDatabase _database = null!;

    public ManualTimeProvider Clock { get; } = new();

    public ServiceProvider Services { get; private set; } = null!;

    public InventoryBuilder Build { get; private set; } = null!;

    public QuotaService Quotas => Services.GetRequiredService<QuotaService>();

    public QuotaAdminService Admin => Services.GetRequiredService<QuotaAdminService>();

    public QuotaQueries Queries => Services.GetRequiredService<QuotaQueries>();

    public PersonaService Personas => Services.GetRequiredService<PersonaService>();

    public QuotaSettler Settler => Services.GetRequiredService<QuotaSettler>();

    public static async Task<QuotaWorld> CreateAsync(string purpose, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? configure = null)
    {
        var world = new QuotaWorld();
        world._database = await TestDatabase.CreateAsync(purpose);
        var values = new Dictionary<string, string?> { ["Quotas:SettlerEnabled"] = "false" };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>())
        {
            values[k] = v;
        }

        world.Services = await PortalServices.CreateAsync(world._database, values, services =>
        {
            services.AddSingleton<TimeProvider>(world.Clock);
            configure?.Invoke(services);
        });
        world.Build = new InventoryBuilder(world.Services.GetRequiredService<IDbContextFactory<AppDbContext>>(), world.Clock);
        return world;
    }

    public async Task<AppDbContext> DbAsync() => await Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();

    /// <summary>A signed-in session of <paramref name="user"/> (the services re-read the database; claims are only the id).</summary>
    public static ClaimsPrincipal Principal(AppUser user) => new(new ClaimsIdentity(
        [new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()), new Claim(ClaimTypes.Name, user.UserName!)], "test"));

    public async Task GrantAsync(Cluster cluster, ClusterPermissions permissions, AppUser? user = null, Group? group = null)
    {
        await using var db = await DbAsync();
        db.ClusterGrants.Add(new ClusterGrant { ClusterId = cluster.Id, UserId = user?.Id, GroupId = group?.Id, Permissions = permissions });
        await db.SaveChangesAsync();
    }

    public async Task JoinAsync(Group group, AppUser user)
    {
        await using var db = await DbAsync();
        db.GroupMembers.Add(new GroupMember { GroupId = group.Id, UserId = user.Id, AddedAt = Clock.GetUtcNow() });
        await db.SaveChangesAsync();
    }

    public async Task LeaveAsync(Group group, AppUser user)
    {
        await using var db = await DbAsync();
        await db.GroupMembers.Where(m => m.GroupId == group.Id && m.UserId == user.Id).ExecuteDeleteAsync();
    }

    public async Task<List<AuditEntry>> AuditAsync(string action)
    {
        await using var db = await DbAsync();
        return await db.AuditLog.AsNoTracking().Where(a => a.Action == action).OrderBy(a => a.Id).ToListAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await _database.DisposeAsync();
    }
}
