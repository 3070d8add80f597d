using System.Security.Claims;
using GanetiWebManager.Testing;
using GanetiWebManager.Testing.Inventory;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Access;
using GanetiWebManager.Web.Domain.Accounts;
using GanetiWebManager.Web.Domain.Audit;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Domain.VirtualMachines;
using GanetiWebManager.Web.Features.Access.Grants;
using GanetiWebManager.Web.Features.LiveUpdates;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace GanetiWebManager.Web.Tests.Features.Access.Grants;

/// <summary>Editing grants (gwm.md §13 "permission form" cases, product-spec §3 editing rules).</summary>
public sealed class GrantServiceTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private ServiceProvider _services = null!;
    private IDbContextFactory<AppDbContext> _contexts = null!;
    private GrantService _grants = null!;
    private Cluster _cluster = null!;
    private VirtualMachine _vm = null!;
    private AppUser _carol = null!;
    private AppUser _owner = null!;
    private AppUser _stranger = null!;
    private Group _team = null!;
    private ClaimsPrincipal _admin = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync("grants");
        _services = await PortalServices.CreateAsync(_database);
        _contexts = _services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        _grants = _services.GetRequiredService<GrantService>();
        _admin = await TestPrincipals.AddSuperuserAsync(_database.ConnectionString);
        var build = new InventoryBuilder(_contexts);
        _cluster = await build.AddClusterAsync("c1");
        _carol = await build.AddUserAsync("carol");
        _owner = await build.AddUserAsync("owen");
        _stranger = await build.AddUserAsync("stranger");
        _team = await build.AddGroupAsync("team", "Team");
        _vm = await build.AddVmAsync(_cluster, "vm1.c1.invalid", v => v.OwnerUserId = _owner.Id);
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _database.DisposeAsync();
    }

    private static ClaimsPrincipal Of(AppUser user) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()), new Claim(ClaimTypes.Name, user.UserName!)], "test"));

    private GrantObject Cluster => GrantObject.OfCluster(_cluster.Id, _cluster.Slug);

    private GrantObject Vm => GrantObject.OfVm(_vm.Id, _vm.Name);

    [Fact]
    public async Task SetAsync_AdminOnAUserHoldingCreateVm_ReplacesTheSet()
    {
        (await _grants.SetAsync(_admin, Cluster, PrincipalRef.User(_carol.Id), (int)ClusterPermissions.CreateVm, default)).Succeeded.ShouldBeTrue();

        (await _grants.SetAsync(_admin, Cluster, PrincipalRef.User(_carol.Id), (int)ClusterPermissions.Admin, default)).Succeeded.ShouldBeTrue();

        var rows = await _grants.ListAsync(_admin, Cluster, default);
        rows.ShouldNotBeNull();
        rows.Single().Permissions.ShouldBe((int)ClusterPermissions.Admin, "the set is replaced, not added to");
    }

    [Fact]
    public async Task SetAsync_EmptySet_RemovesThePrincipal_AndAuditsBeforeAndAfter()
    {
        await _grants.SetAsync(_admin, Cluster, PrincipalRef.Group(_team.Id), (int)(ClusterPermissions.CreateVm | ClusterPermissions.Tags), default);

        var result = await _grants.SetAsync(_admin, Cluster, PrincipalRef.Group(_team.Id), 0, default);

        result.Succeeded.ShouldBeTrue();
        (await _grants.ListAsync(_admin, Cluster, default))!.ShouldBeEmpty();
        await using var db = await _contexts.CreateDbContextAsync();
        var last = await db.AuditLog.OrderByDescending(a => a.Id).FirstAsync();
        last.Action.ShouldBe("grants.cluster.set");
        last.GroupSlug.ShouldBe("team");
        last.Before!.ShouldContain("create_vm");
        last.Before!.ShouldContain("tags");
        last.After!.Replace(" ", "", StringComparison.Ordinal).ShouldContain("\"permissions\":[]");
    }

    [Fact]
    public async Task SetAsync_BothOrNeitherPrincipal_OrUnknownBits_Refused_NothingStored()
    {
        (await _grants.SetAsync(_admin, Cluster, new PrincipalRef(_carol.Id, _team.Id), 1, default)).Succeeded.ShouldBeFalse();
        (await _grants.SetAsync(_admin, Cluster, new PrincipalRef(null, null), 1, default)).Succeeded.ShouldBeFalse();
        (await _grants.SetAsync(_admin, Vm, PrincipalRef.User(_carol.Id), 1 << 12, default)).Succeeded.ShouldBeFalse();

        await using var db = await _contexts.CreateDbContextAsync();
        (await db.ClusterGrants.CountAsync()).ShouldBe(0);
        (await db.VmGrants.CountAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task SetAsync_OwnerOfTheVm_MayGrantOnIt_ButNotOnTheCluster()
    {
        (await _grants.SetAsync(Of(_owner), Vm, PrincipalRef.User(_carol.Id), (int)VmPermissions.Power, default)).Succeeded.ShouldBeTrue();
        (await _grants.SetAsync(Of(_owner), Cluster, PrincipalRef.User(_carol.Id), (int)ClusterPermissions.CreateVm, default)).Succeeded.ShouldBeFalse();

        (await _grants.ListAsync(Of(_owner), Vm, default))!.Single().Principal.Name.ShouldBe("carol");
        (await _grants.ListAsync(Of(_owner), Cluster, default)).ShouldBeNull();
    }

    [Fact]
    public async Task SetAsync_GranteeWithPowerOnly_MayNotGrant_AndTheRefusalIsAudited()
    {
        await _grants.SetAsync(_admin, Vm, PrincipalRef.User(_carol.Id), (int)VmPermissions.Power, default);
        await using var before = await _contexts.CreateDbContextAsync();
        var auditBefore = await before.AuditLog.CountAsync();

        var result = await _grants.SetAsync(Of(_carol), Vm, PrincipalRef.User(_stranger.Id), (int)VmPermissions.Admin, default);

        result.Succeeded.ShouldBeFalse();
        await using var db = await _contexts.CreateDbContextAsync();
        (await db.VmGrants.AnyAsync(g => g.UserId == _stranger.Id)).ShouldBeFalse();
        var entries = await db.AuditLog.OrderBy(a => a.Id).Skip(auditBefore).ToListAsync();
        entries.Count.ShouldBe(1);
        entries[0].Outcome.ShouldBe(AuditOutcome.Refused);
        entries[0].ActorUserId.ShouldBe(_carol.Id);
    }

    [Fact]
    public async Task SetAsync_Change_TellsOpenPagesThatAccessChanged()
    {
        var hub = _services.GetRequiredService<LiveUpdateHub>();
        var told = new TaskCompletionSource();
        using var subscription = hub.Subscribe(c => c is AccessChanged, () => { told.TrySetResult(); return Task.CompletedTask; }, TimeSpan.Zero);

        await _grants.SetAsync(_admin, Vm, PrincipalRef.User(_carol.Id), (int)VmPermissions.Power, default);

        await told.Task.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task SearchPrincipalsAsync_ClusterAdminsSearchAll_OthersOnlyExactNames()
    {
        await _grants.SetAsync(_admin, Cluster, PrincipalRef.User(_carol.Id), (int)ClusterPermissions.Admin, default);

        (await _grants.SearchPrincipalsAsync(Of(_carol), "str", default)).Select(p => p.Name).ShouldBe(["stranger"]);
        (await _grants.SearchPrincipalsAsync(Of(_owner), "str", default)).ShouldBeEmpty("a VM owner does not browse everyone's names");
        (await _grants.SearchPrincipalsAsync(Of(_owner), "stranger", default)).Select(p => p.Name).ShouldBe(["stranger"]);
        (await _grants.SearchPrincipalsAsync(Of(_owner), "team", default)).Single().IsGroup.ShouldBeTrue();
    }
}
