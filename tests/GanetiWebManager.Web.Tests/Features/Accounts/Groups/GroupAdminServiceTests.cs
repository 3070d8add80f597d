using System.Text.Json;
using GanetiWebManager.Web.Domain.Access;
using GanetiWebManager.Web.Features.Accounts.Groups;
using GanetiWebManager.Web.Features.LiveUpdates;
using Microsoft.EntityFrameworkCore;

namespace GanetiWebManager.Web.Tests.Features.Accounts.Groups;

public sealed class GroupAdminServiceTests : IAsyncLifetime
{
    private AccountsWorld _world = null!;
    private Guid _alice;
    private Guid _bob;
    private Guid _carol;
    private int _lab;
    private int _ops;

    public async Task InitializeAsync()
    {
        _world = await AccountsWorld.CreateAsync("groupadmin");
        await _world.CreateUserAsync("root", superuser: true);
        _alice = (await _world.CreateUserAsync("alice")).Id;
        _bob = (await _world.CreateUserAsync("bob")).Id;
        _carol = (await _world.CreateUserAsync("carol")).Id;
        _lab = await _world.CreateGroupAsync("lab", _alice);
        _ops = await _world.CreateGroupAsync("ops");
        await _world.MakeGroupAdminAsync(_lab, _alice);
    }

    public async Task DisposeAsync() => await _world.DisposeAsync();

    private GroupAdminService Service => _world.Get<GroupAdminService>();

    [Fact]
    public async Task CreateAsync_Superuser_CreatesAuditedGroup()
    {
        var root = await _world.SignInAsync("root");

        var result = await Service.CreateAsync(root, new GroupForm { Slug = "research.hpc", Name = "HPC research" }, default);

        result.Succeeded.ShouldBeTrue(result.Message);
        var entry = (await _world.AuditAsync()).Single(a => a.Action == "group.create");
        entry.GroupId.ShouldBe(result.Value);
        entry.GroupSlug.ShouldBe("research.hpc");
        JsonDocument.Parse(entry.After!).RootElement.GetProperty("name").GetString().ShouldBe("HPC research");
    }

    [Theory]
    [InlineData("Lab")]
    [InlineData("1lab")]
    [InlineData("lab space")]
    [InlineData("lab:x")]
    [InlineData("")]
    public async Task CreateAsync_BadSlug_FailsOnTheSlugField(string slug)
    {
        var root = await _world.SignInAsync("root");

        var result = await Service.CreateAsync(root, new GroupForm { Slug = slug, Name = "x" }, default);

        result.Failures.ShouldContain(f => f.PropertyName == nameof(GroupForm.Slug));
    }

    [Fact]
    public async Task CreateAsync_TakenSlug_FailsOnTheSlugField()
    {
        var root = await _world.SignInAsync("root");

        var result = await Service.CreateAsync(root, new GroupForm { Slug = "lab", Name = "Another lab" }, default);

        result.Failures.ShouldContain(f => f.PropertyName == nameof(GroupForm.Slug) && f.ErrorMessage.Contains("taken"));
    }

    [Fact]
    public async Task SetMembersAsync_GroupAdmin_ManagesOwnGroup()
    {
        var alice = await _world.SignInAsync("alice");
        _world.ClearPublished();

        var result = await Service.SetMembersAsync(alice, _lab, [_alice, _bob], default);

        result.Succeeded.ShouldBeTrue(result.Message);
        var detail = await Service.GetAsync(alice, _lab, default);
        detail!.Members.Select(m => m.UserName).ShouldBe(["alice", "bob"]);
        var entry = (await _world.AuditAsync()).Single(a => a.Action == "group.members.set");
        entry.ActorName.ShouldBe("alice");
        JsonSerializer.Deserialize<string[]>(entry.Before!).ShouldBe(["alice"]);
        JsonSerializer.Deserialize<string[]>(entry.After!).ShouldBe(["alice", "bob"]);
        _world.Published.OfType<AccessChanged>().ShouldNotBeEmpty();
    }

    [Fact]
    public async Task SetAdminsAsync_GroupAdmin_AddsAndRemovesAdminGrants()
    {
        var alice = await _world.SignInAsync("alice");

        (await Service.SetAdminsAsync(alice, _lab, [_alice, _bob], default)).Succeeded.ShouldBeTrue();
        (await Service.SetAdminsAsync(alice, _lab, [_bob], default)).Succeeded.ShouldBeTrue();

        await using var db = await _world.NewContextAsync();
        var grants = await db.GroupGrants.Where(g => g.TargetGroupId == _lab).ToListAsync();
        grants.ShouldHaveSingleItem().UserId.ShouldBe(_bob);
        grants[0].Permissions.ShouldBe(GroupPermissions.Admin);
        (await _world.AuditAsync()).Count(a => a.Action == "group.admins.set").ShouldBe(2);
        // Alice gave her admin away: the group is no longer hers to manage.
        (await Service.GetAsync(alice, _lab, default)).ShouldBeNull();
    }

    [Fact]
    public async Task ManageActions_MemberWhoIsNotAdmin_AreRefusedChangeNothingAndAuditedOnce()
    {
        var bob = await _world.SignInAsync("bob");
        var alice = await _world.SignInAsync("alice");

        (await _world.ShouldRefuseAsync("group.members.set", () => Service.SetMembersAsync(bob, _lab, [_bob], default))).Succeeded.ShouldBeFalse();
        (await _world.ShouldRefuseAsync("group.admins.set", () => Service.SetAdminsAsync(bob, _lab, [_bob], default))).Succeeded.ShouldBeFalse();
        (await _world.ShouldRefuseAsync("group.update", () => Service.UpdateAsync(bob, _lab, new GroupForm { Name = "mine now" }, default))).Succeeded.ShouldBeFalse();
        // A group admin manages their own group only, and neither creates nor deletes groups.
        (await _world.ShouldRefuseAsync("group.members.set", () => Service.SetMembersAsync(alice, _ops, [_alice], default))).Succeeded.ShouldBeFalse();
        (await _world.ShouldRefuseAsync("group.delete", () => Service.DeleteAsync(alice, _lab, default))).Succeeded.ShouldBeFalse();
        (await _world.ShouldRefuseAsync("group.create", () => Service.CreateAsync(alice, new GroupForm { Slug = "alices", Name = "x" }, default))).Succeeded.ShouldBeFalse();
    }

    [Fact]
    public async Task Reads_UserWhoIsNotAdmin_SeeNothing()
    {
        var bob = await _world.SignInAsync("bob");
        var alice = await _world.SignInAsync("alice");

        (await Service.GetAsync(bob, _lab, default)).ShouldBeNull();
        (await Service.ListAsync(bob, new GroupQuery(), default)).Rows.ShouldBeEmpty();
        (await Service.FindUsersAsync(bob, _lab, "carol", default)).ShouldBeEmpty();
        (await Service.ListAsync(alice, new GroupQuery(), default)).Rows.Select(r => r.Slug).ShouldBe(["lab"]);
    }

    [Fact]
    public async Task FindUsersAsync_GroupAdminWhoIsNoClusterAdmin_FindsExactNamesOnly()
    {
        var alice = await _world.SignInAsync("alice");
        var root = await _world.SignInAsync("root");

        (await Service.FindUsersAsync(alice, _lab, "ca", default)).ShouldBeEmpty("a group admin cannot list users by prefix");
        (await Service.FindUsersAsync(alice, _lab, "CAROL", default)).Select(p => p.Id).ShouldBe([_carol]);
        (await Service.FindUsersAsync(root, _lab, "ca", default)).Select(p => p.UserName).ShouldBe(["carol"]);
    }

    [Fact]
    public async Task DeleteAsync_Superuser_DeletesGroupWithMembershipsAndGrants()
    {
        var root = await _world.SignInAsync("root");

        (await Service.DeleteAsync(root, _lab, default)).Succeeded.ShouldBeTrue();

        await using var db = await _world.NewContextAsync();
        (await db.Groups.AnyAsync(g => g.Id == _lab)).ShouldBeFalse();
        (await db.GroupMembers.AnyAsync(m => m.GroupId == _lab)).ShouldBeFalse();
        (await db.GroupGrants.AnyAsync(g => g.TargetGroupId == _lab)).ShouldBeFalse();
        var entry = (await _world.AuditAsync()).Single(a => a.Action == "group.delete");
        entry.GroupSlug.ShouldBe("lab");
        entry.Before!.ShouldContain("alice");
    }
}
