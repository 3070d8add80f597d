using GanetiWebManager.Web.Domain.Access;
using GanetiWebManager.Web.Domain.Accounts;
using GanetiWebManager.Web.Domain.Clusters;
using GanetiWebManager.Web.Features.Quotas;

namespace GanetiWebManager.Web.Tests.Features.Quotas;

/// <summary>The persona cases of gwm.md §13 (owner_qs) and product-spec §4, against PostgreSQL.</summary>
public sealed class PersonaServiceTests : IAsyncLifetime
{
    private QuotaWorld _world = null!;
    private int _n;

    public async Task InitializeAsync() => _world = await QuotaWorld.CreateAsync("personas");

    public async Task DisposeAsync() => await _world.DisposeAsync();

    private async Task<Cluster> ClusterAsync() => await _world.Build.AddClusterAsync($"p{++_n}");

    private async Task<AppUser> UserAsync(string name, bool superuser = false) => await _world.Build.AddUserAsync($"{name}{++_n}", superuser);

    private async Task<Group> GroupAsync(string name) => await _world.Build.AddGroupAsync($"{name.ToLowerInvariant()}{++_n}", $"{name} {_n}");

    private async Task<List<string>> OwnersAsync(AppUser user, int clusterId) =>
        [.. (await _world.Personas.AllowedOwnersAsync(QuotaWorld.Principal(user), clusterId)).Select(p => p.Name)];

    [Fact]
    public async Task AllowedOwners_NoSuchCluster_Empty()
    {
        var root = await UserAsync("root", superuser: true);
        (await OwnersAsync(root, 987_654)).ShouldBeEmpty();
    }

    [Fact]
    public async Task AllowedOwners_Superuser_EveryUserAndGroup_SortedByName_SelfFirst()
    {
        var cluster = await ClusterAsync();
        var root = await UserAsync("zroot", superuser: true);
        var bob = await UserAsync("bob");
        var group = await GroupAsync("Alpha");

        var owners = await _world.Personas.AllowedOwnersAsync(QuotaWorld.Principal(root), cluster.Id);

        owners[0].IsSelf.ShouldBeTrue();
        owners[0].Name.ShouldBe(root.UserName);
        owners.Select(o => o.Name).ShouldContain(bob.UserName!);
        owners.Select(o => o.Name).ShouldContain(group.Name);
        owners.Skip(1).Select(o => o.Name).ShouldBe(owners.Skip(1).Select(o => o.Name).OrderBy(n => n, StringComparer.OrdinalIgnoreCase));
        (await _world.Personas.MayActAsAsync(QuotaWorld.Principal(root), cluster.Id, QuotaOwner.User(bob.Id))).ShouldBeTrue("a superuser may create for another user");
    }

    [Fact]
    public async Task AllowedOwners_ClusterAdminOrDirectCreateVm_Self_NoPermissions_Nobody()
    {
        var cluster = await ClusterAsync();
        var admin = await UserAsync("ca");
        var creator = await UserAsync("creator");
        var nobody = await UserAsync("nobody");
        var other = await UserAsync("other");
        await _world.GrantAsync(cluster, ClusterPermissions.Admin, admin);
        await _world.GrantAsync(cluster, ClusterPermissions.CreateVm, creator);
        await _world.GrantAsync(cluster, ClusterPermissions.Migrate, nobody);

        (await OwnersAsync(admin, cluster.Id)).ShouldBe([admin.UserName!]);
        (await OwnersAsync(creator, cluster.Id)).ShouldBe([creator.UserName!]);
        (await OwnersAsync(nobody, cluster.Id)).ShouldBeEmpty("migrate is not a right to create");
        (await _world.Personas.MayActAsAsync(QuotaWorld.Principal(creator), cluster.Id, QuotaOwner.User(other.Id))).ShouldBeFalse("not on behalf of another user");
    }

    [Fact]
    public async Task AllowedOwners_GroupRightsDoNotMakeTheUserAnOwner_OnlyTheGroups_FollowingMembership()
    {
        var cluster = await ClusterAsync();
        var user = await UserAsync("member");
        var admins = await GroupAsync("Admins");
        var other = await GroupAsync("Builders");
        await _world.JoinAsync(admins, user);
        await _world.JoinAsync(other, user);
        await _world.GrantAsync(cluster, ClusterPermissions.Admin, group: admins);

        (await OwnersAsync(user, cluster.Id)).ShouldBe([admins.Name], "group-derived rights do not qualify the user themself");

        await _world.GrantAsync(cluster, ClusterPermissions.CreateVm, group: other);
        (await OwnersAsync(user, cluster.Id)).ShouldBe([admins.Name, other.Name]);

        await _world.LeaveAsync(admins, user);
        (await OwnersAsync(user, cluster.Id)).ShouldBe([other.Name]);
        (await _world.Personas.MayActAsAsync(QuotaWorld.Principal(user), cluster.Id, QuotaOwner.Group(admins.Id))).ShouldBeFalse("not a member any more");
        (await _world.Personas.MayActAsAsync(QuotaWorld.Principal(user), cluster.Id, QuotaOwner.Group(other.Id))).ShouldBeTrue();

        await _world.LeaveAsync(other, user);
        (await OwnersAsync(user, cluster.Id)).ShouldBeEmpty();
    }

    [Fact]
    public async Task AllowedOwners_DirectAndGroupRights_SelfFirstThenGroupsByName()
    {
        var cluster = await ClusterAsync();
        var user = await UserAsync("zed");
        var b = await GroupAsync("Beta");
        var a = await GroupAsync("Alpha");
        await _world.JoinAsync(a, user);
        await _world.JoinAsync(b, user);
        await _world.GrantAsync(cluster, ClusterPermissions.CreateVm, user);
        await _world.GrantAsync(cluster, ClusterPermissions.CreateVm, group: a);
        await _world.GrantAsync(cluster, ClusterPermissions.Admin, group: b);

        (await OwnersAsync(user, cluster.Id)).ShouldBe([user.UserName!, a.Name, b.Name]);
        var labels = (await _world.Personas.AllowedOwnersAsync(QuotaWorld.Principal(user), cluster.Id)).Select(p => p.Label).ToList();
        labels[0].ShouldBe($"{user.UserName} (you)");
        labels[1].ShouldBe($"group {a.Name}");
    }

    [Fact]
    public async Task AllowedOwners_SignedOutOrDisabled_Nobody()
    {
        var cluster = await ClusterAsync();
        var gone = await UserAsync("disabled");
        await _world.GrantAsync(cluster, ClusterPermissions.Admin, gone);
        await using (var db = await _world.DbAsync())
        {
            (await db.Users.FindAsync(gone.Id))!.IsDisabled = true;
            await db.SaveChangesAsync();
        }

        (await OwnersAsync(gone, cluster.Id)).ShouldBeEmpty();
        (await _world.Personas.AllowedOwnersAsync(new System.Security.Claims.ClaimsPrincipal(), cluster.Id)).ShouldBeEmpty();
    }

    [Fact]
    public async Task DashboardPersonas_AllGroups_PlusSelfWhenOwningDirectOrGroupless()
    {
        var cluster = await ClusterAsync();
        var loner = await UserAsync("loner");
        (await _world.Personas.DashboardPersonasAsync(QuotaWorld.Principal(loner))).Select(p => p.Name).ShouldBe([loner.UserName!], "no groups: themself");

        var member = await UserAsync("member");
        var team = await GroupAsync("Team");
        await _world.JoinAsync(team, member);
        (await _world.Personas.DashboardPersonasAsync(QuotaWorld.Principal(member))).Select(p => p.Name).ShouldBe([team.Name]);

        await _world.Build.AddVmAsync(cluster, $"mine{_n}", v => v.OwnerUserId = member.Id);
        (await _world.Personas.DashboardPersonasAsync(QuotaWorld.Principal(member))).Select(p => p.Name).ShouldBe([member.UserName!, team.Name], "owns a VM");
    }

    [Fact]
    public async Task PersonaUsage_PerPersonaAndVisibleCluster_UsedOverQuota_ExceededBy()
    {
        var cluster = await ClusterAsync();
        var elsewhere = await ClusterAsync();
        var unrelated = await ClusterAsync();
        var user = await UserAsync("user");
        var team = await GroupAsync("Team");
        await _world.JoinAsync(team, user);
        await _world.GrantAsync(cluster, ClusterPermissions.CreateVm, group: team);
        await _world.Build.AddVmAsync(cluster, $"t{_n}", v => { v.OwnerGroupId = team.Id; v.Vcpus = 3; v.MaxMemoryMiB = 1024; v.Disks = [new Web.Domain.VirtualMachines.VmDisk { SizeMiB = 100 }]; });
        await _world.Build.AddVmAsync(elsewhere, $"e{_n}", v => v.OwnerGroupId = team.Id); // the group's VM: the member sees it
        var strangers = await GroupAsync("Strangers");
        await _world.Build.AddVmAsync(unrelated, $"u{_n}", v => v.OwnerGroupId = strangers.Id);
        var root = QuotaWorld.Principal(await UserAsync("root", superuser: true));
        await _world.Admin.SetOverrideAsync(root, cluster.Id, QuotaOwner.Group(team.Id), new QuotaValues(null, 1000, 2));

        var usage = await _world.Queries.PersonaUsageAsync(QuotaWorld.Principal(user));

        var clusters = usage.ShouldHaveSingleItem().Clusters;
        clusters.Select(c => c.ClusterSlug).ShouldBe([cluster.Slug, elsewhere.Slug], "a cluster the user cannot see is left out");
        var row = clusters[0];
        row.Used.ShouldBe(new ResourceAmounts(1024, 100, 3));
        row.Quota.ShouldBe(new QuotaLimits(null, 1000, 2, IsDefault: false));
        row.Exceeded.ShouldBe("exceeded by 1 vCPU");
        row.VmsTotal.ShouldBe(1);
    }
}
