using System.Security.Claims;
using GanetiWebManager.Testing;
using GanetiWebManager.Testing.Inventory;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Access;
using GanetiWebManager.Web.Domain.Accounts;
using GanetiWebManager.Web.Domain.Audit;
using GanetiWebManager.Web.Features.LiveUpdates;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace GanetiWebManager.Web.Tests.Features.Accounts;

/// <summary>
/// The portal's services on a database of their own, with helpers to make users and groups and to prove that a
/// refused call changed nothing (every account table compared row by row) and left exactly one refusal entry.
/// </summary>
public sealed class AccountsWorld : IAsyncDisposable
{
    /// <summary>The tables account actions write, apart from the audit log.</summary>
    private static readonly string[] AccountTables = ["users", "groups", "group_members", "group_grants", "ssh_keys", "virtual_machines"];

    private readonly List<PortalChange> _published = [];
    private IDisposable? _subscription;

    private AccountsWorld(TestDatabase database, ServiceProvider services)
    {
        Database = database;
        Services = services;
    }

    public TestDatabase Database { get; }

    public ServiceProvider Services { get; }

    /// <summary>Changes published on the hub since the last <see cref="ClearPublished"/>.</summary>
    public IReadOnlyList<PortalChange> Published
    {
        get
        {
            lock (_published)
            {
                return [.. _published];
            }
        }
    }

    public static async Task<AccountsWorld> CreateAsync(string purpose, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? configure = null)
    {
        var database = await TestDatabase.CreateAsync(purpose);
        var services = await PortalServices.CreateAsync(database, settings, configure);
        var world = new AccountsWorld(database, services);
        world._subscription = services.GetRequiredService<LiveUpdateHub>().Subscribe(
            c =>
            {
                lock (world._published)
                {
                    world._published.Add(c);
                }

                return false;
            },
            () => Task.CompletedTask);
        return world;
    }

    public void ClearPublished()
    {
        lock (_published)
        {
            _published.Clear();
        }
    }

    public T Get<T>()
        where T : notnull => Services.CreateScope().ServiceProvider.GetRequiredService<T>();

    public async Task<AppUser> CreateUserAsync(string name, string password = "a long enough passphrase", bool superuser = false, string? email = null)
    {
        await using var scope = Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var user = new AppUser { UserName = name, Email = email, IsSuperuser = superuser, CreatedAt = DateTimeOffset.UnixEpoch };
        var result = await users.CreateAsync(user, password);
        result.Succeeded.ShouldBeTrue(string.Join(", ", result.Errors.Select(e => e.Description)));
        return user;
    }

    /// <summary>The principal a real sign-in of <paramref name="name"/> gives.</summary>
    public Task<ClaimsPrincipal> SignInAsync(string name) => TestPrincipals.OfAsync(Services, name);

    public async Task<int> CreateGroupAsync(string slug, params Guid[] members)
    {
        await using var db = await NewContextAsync();
        var group = new Group { Slug = slug, Name = "Group " + slug, CreatedAt = DateTimeOffset.UnixEpoch };
        db.Groups.Add(group);
        await db.SaveChangesAsync();
        foreach (var member in members)
        {
            db.GroupMembers.Add(new GroupMember { GroupId = group.Id, UserId = member, AddedAt = DateTimeOffset.UnixEpoch });
        }

        await db.SaveChangesAsync();
        return group.Id;
    }

    public async Task MakeGroupAdminAsync(int groupId, Guid userId)
    {
        await using var db = await NewContextAsync();
        db.GroupGrants.Add(new GroupGrant { TargetGroupId = groupId, UserId = userId, Permissions = GroupPermissions.Admin });
        await db.SaveChangesAsync();
    }

    public async Task<AppDbContext> NewContextAsync() =>
        await Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();

    public async Task<AppUser> ReloadUserAsync(Guid id)
    {
        await using var db = await NewContextAsync();
        return await db.Users.AsNoTracking().SingleAsync(u => u.Id == id);
    }

    public async Task<AppUser> ReloadUserByNameAsync(string name)
    {
        await using var db = await NewContextAsync();
        return await db.Users.AsNoTracking().SingleAsync(u => u.UserName == name);
    }

    public async Task<List<AuditEntry>> AuditAsync()
    {
        await using var db = await NewContextAsync();
        return await db.AuditLog.AsNoTracking().OrderBy(a => a.Id).ToListAsync();
    }

    /// <summary>Every row of every account table, as JSON text: two equal snapshots mean nothing was written.</summary>
    public async Task<Dictionary<string, List<string>>> SnapshotAsync()
    {
        var snapshot = new Dictionary<string, List<string>>();
        await using var connection = new NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        foreach (var table in AccountTables)
        {
            await using var command = new NpgsqlCommand($"SELECT row_to_json(t)::text FROM {table} t ORDER BY 1", connection);
            await using var reader = await command.ExecuteReaderAsync();
            var rows = new List<string>();
            while (await reader.ReadAsync())
            {
                rows.Add(reader.GetString(0));
            }

            snapshot[table] = rows;
        }

        return snapshot;
    }

    /// <summary>
    /// Runs a call that must be refused: no account table changes, and exactly one new audit entry, a refusal of
    /// <paramref name="action"/> by the caller.
    /// </summary>
    public async Task<T> ShouldRefuseAsync<T>(string action, Func<Task<T>> call)
    {
        ArgumentNullException.ThrowIfNull(call);
        var before = await SnapshotAsync();
        var auditBefore = (await AuditAsync()).Count;
        ClearPublished();

        var result = await call();

        var after = await SnapshotAsync();
        foreach (var table in before.Keys)
        {
            after[table].ShouldBe(before[table], $"a refused {action} must not write {table}");
        }

        var added = (await AuditAsync()).Skip(auditBefore).ToList();
        added.Count.ShouldBe(1, $"a refused {action} leaves exactly one audit entry");
        added[0].Action.ShouldBe(action);
        added[0].Outcome.ShouldBe(AuditOutcome.Refused);
        Published.OfType<AccessChanged>().ShouldBeEmpty();
        return result;
    }

    public async ValueTask DisposeAsync()
    {
        _subscription?.Dispose();
        await Services.DisposeAsync();
        await Database.DisposeAsync();
    }
}
