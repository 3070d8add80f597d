using System.Security.Claims;
using GanetiWebManager.Testing;
using GanetiWebManager.Testing.Inventory;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Access;
using GanetiWebManager.Web.Domain.Accounts;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Domain.VirtualMachines;
using GanetiWebManager.Web.Features.Access;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GanetiWebManager.Web.Tests.Features.Access;

/// <summary>
/// The SQL visibility filters must say exactly what <see cref="AccessRules"/> says, for every kind of user, on
/// the same data; and the scope is read from the database, never from the cookie's claims.
/// </summary>
public sealed class AccessFiltersTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private ServiceProvider _services = null!;
    private IDbContextFactory<AppDbContext> _contexts = null!;
    private InventoryBuilder _build = null!;
    private Cluster _a = null!;
    private Cluster _b = null!;
    private AppUser _user = null!;
    private AppUser _other = null!;
    private AppUser _admin = null!;
    private Group _g = null!;
    private Group _h = null!;
    private readonly List<VirtualMachine> _vms = [];

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync("accessfilters");
        _services = await PortalServices.CreateAsync(_database);
        _contexts = _services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        _build = new InventoryBuilder(_contexts);
        _a = await _build.AddClusterAsync("a");
        _b = await _build.AddClusterAsync("b");
        _user = await _build.AddUserAsync("user");
        _other = await _build.AddUserAsync("other");
        _admin = await _build.AddUserAsync("badmin");
        _g = await _build.AddGroupAsync("g", "G");
        _h = await _build.AddGroupAsync("h", "H");

        await using var db = await _contexts.CreateDbContextAsync();
        db.GroupMembers.Add(new GroupMember { GroupId = _g.Id, UserId = _user.Id });
        db.GroupMembers.Add(new GroupMember { GroupId = _h.Id, UserId = _admin.Id });
        // Cluster b is administered by group h (so by "badmin" through it).
        db.ClusterGrants.Add(new ClusterGrant { ClusterId = _b.Id, GroupId = _h.Id, Permissions = ClusterPermissions.Admin });
        // "user" may create on a; that alone shows no one else's VM.
        db.ClusterGrants.Add(new ClusterGrant { ClusterId = _a.Id, UserId = _user.Id, Permissions = ClusterPermissions.CreateVm });
        await db.SaveChangesAsync();

        _vms.Add(await _build.AddVmAsync(_a, "own.a", v => v.OwnerUserId = _user.Id));
        _vms.Add(await _build.AddVmAsync(_a, "group.a", v => v.OwnerGroupId = _g.Id));
        _vms.Add(await _build.AddVmAsync(_a, "granted.a", v => v.OwnerUserId = _other.Id));
        _vms.Add(await _build.AddVmAsync(_a, "groupgranted.a", v => v.OwnerUserId = _other.Id));
        _vms.Add(await _build.AddVmAsync(_a, "locked.a", v => { v.OwnerUserId = _user.Id; v.IsLocked = true; }));
        _vms.Add(await _build.AddVmAsync(_a, "others.a", v => v.OwnerUserId = _other.Id));
        _vms.Add(await _build.AddVmAsync(_a, "orphan.a"));
        _vms.Add(await _build.AddVmAsync(_b, "others.b", v => v.OwnerUserId = _other.Id));
        _vms.Add(await _build.AddVmAsync(_b, "orphan.b"));

        await using var grants = await _contexts.CreateDbContextAsync();
        grants.VmGrants.Add(new VmGrant { VirtualMachineId = Vm("granted.a").Id, UserId = _user.Id, Permissions = VmPermissions.Power });
        grants.VmGrants.Add(new VmGrant { VirtualMachineId = Vm("groupgranted.a").Id, GroupId = _g.Id, Permissions = VmPermissions.Tags });
        grants.VmGrants.Add(new VmGrant { VirtualMachineId = Vm("others.b").Id, GroupId = _g.Id, Permissions = VmPermissions.Modify });
        await grants.SaveChangesAsync();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _database.DisposeAsync();
    }

    private VirtualMachine Vm(string name) => _vms.Single(v => v.Name == name);

    private static ClaimsPrincipal PrincipalOf(AppUser user, bool superuserClaim = false) =>
        new(new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()), new Claim(ClaimTypes.Name, user.UserName!),
             .. superuserClaim ? [new Claim("gwm:superuser", "true")] : Array.Empty<Claim>()],
            "test"));

    [Theory]
    [InlineData("user", new[] { "own.a", "group.a", "granted.a", "groupgranted.a", "locked.a", "others.b" })]
    [InlineData("other", new[] { "granted.a", "groupgranted.a", "others.a", "others.b" })]
    [InlineData("badmin", new[] { "others.b", "orphan.b" })]
    public async Task VisibleVms_AreExactlyThoseTheRulesLetTheUserView(string userName, string[] expected)
    {
        var user = new[] { _user, _other, _admin }.Single(u => u.UserName == userName);
        var access = _services.GetRequiredService<IPortalAccess>();
        await using var db = await _contexts.CreateDbContextAsync();
        var scope = await access.ScopeAsync(db, PrincipalOf(user), CancellationToken.None);

        var bySql = await db.VirtualMachines.VisibleTo(db, scope).Select(v => v.Name).ToListAsync();
        List<string> byRules = [];
        foreach (var vm in _vms)
        {
            if ((await access.OnVmAsync(db, scope, vm.Id, CancellationToken.None)).CanView)
            {
                byRules.Add(vm.Name);
            }
        }

        bySql.Order().ShouldBe(expected.Order());
        byRules.Order().ShouldBe(expected.Order());
    }

    [Fact]
    public async Task VisibleClusters_ThroughGrantsOrVisibleVms()
    {
        var access = _services.GetRequiredService<IPortalAccess>();
        await using var db = await _contexts.CreateDbContextAsync();

        async Task<List<string>> ClustersOf(AppUser user)
        {
            var scope = await access.ScopeAsync(db, PrincipalOf(user), CancellationToken.None);
            return await db.Clusters.VisibleTo(db, scope).OrderBy(c => c.Slug).Select(c => c.Slug).ToListAsync();
        }

        (await ClustersOf(_user)).ShouldBe(["a", "b"]);   // a by create_vm, b through a VM granted to its group
        (await ClustersOf(_admin)).ShouldBe(["b"]);
        var stranger = await _build.AddUserAsync("stranger");
        (await ClustersOf(stranger)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Scope_ComesFromTheDatabase_NotFromClaims()
    {
        var access = _services.GetRequiredService<IPortalAccess>();

        // A cookie claiming superuser for a user the database says is not one grants nothing extra.
        var forged = await access.ScopeAsync(PrincipalOf(_other, superuserClaim: true), CancellationToken.None);
        forged.IsSuperuser.ShouldBeFalse();

        var disabled = await _build.AddUserAsync("gone");
        await using (var db = await _contexts.CreateDbContextAsync())
        {
            await db.Users.Where(u => u.Id == disabled.Id).ExecuteUpdateAsync(u => u.SetProperty(x => x.IsDisabled, true));
            db.ClusterGrants.Add(new ClusterGrant { ClusterId = _a.Id, UserId = disabled.Id, Permissions = ClusterPermissions.Admin });
            await db.SaveChangesAsync();
        }

        var scope = await access.ScopeAsync(PrincipalOf(disabled), CancellationToken.None);
        scope.IsAuthenticated.ShouldBeFalse("a disabled user holds nothing, whatever they were granted");
        scope.IsClusterAdmin(_a.Id).ShouldBeFalse();
    }

    [Fact]
    public async Task Authorization_RemovedGrant_IsRefusedAtTheNextCheck()
    {
        var guard = _services.GetRequiredService<AccessGuard>();
        var principal = PrincipalOf(_user);
        var vm = Vm("granted.a");

        (await guard.AllowsAsync(principal, new VmResource(vm.Id), VmOperation.Power, "vm.start", CancellationToken.None)).ShouldBeTrue();

        await using (var db = await _contexts.CreateDbContextAsync())
        {
            await db.VmGrants.Where(g => g.VirtualMachineId == vm.Id && g.UserId == _user.Id).ExecuteDeleteAsync();
        }

        (await guard.AllowsAsync(principal, new VmResource(vm.Id), VmOperation.Power, "vm.start", CancellationToken.None)).ShouldBeFalse();
        await using var check = await _contexts.CreateDbContextAsync();
        var refusal = await check.AuditLog.SingleAsync();
        refusal.Action.ShouldBe("vm.start");
        refusal.Outcome.ShouldBe(GanetiWebManager.Web.Domain.Audit.AuditOutcome.Refused);
        refusal.ActorUserId.ShouldBe(_user.Id);
        refusal.VmName.ShouldBe(vm.Name);
        refusal.ClusterSlug.ShouldBe("a");
    }
}
