using System.Text.Json;
using GanetiWebManager.Web.Domain.Audit;
using GanetiWebManager.Web.Features.Accounts.Admin;
using GanetiWebManager.Web.Features.LiveUpdates;
using Microsoft.EntityFrameworkCore;

namespace GanetiWebManager.Web.Tests.Features.Accounts.Admin;

public sealed class UserAdminServiceTests : IAsyncLifetime
{
    private AccountsWorld _world = null!;
    private Guid _adminId;
    private Guid _aliceId;

    public async Task InitializeAsync()
    {
        _world = await AccountsWorld.CreateAsync("useradmin");
        _adminId = (await _world.CreateUserAsync("root", superuser: true)).Id;
        _aliceId = (await _world.CreateUserAsync("alice", email: "alice@example.org")).Id;
    }

    public async Task DisposeAsync() => await _world.DisposeAsync();

    private UserAdminService Service => _world.Get<UserAdminService>();

    [Fact]
    public async Task CreateAsync_Superuser_CreatesTheAccountAuditedAndPublishesAccessChanged()
    {
        var root = await _world.SignInAsync("root");
        _world.ClearPublished();

        var result = await Service.CreateAsync(root, new NewUserForm { UserName = "bob", Email = "bob@example.org", Password = "bob's passphrase" }, default);

        result.Succeeded.ShouldBeTrue(result.Message);
        var bob = await _world.ReloadUserAsync(result.Value);
        bob.UserName.ShouldBe("bob");
        bob.Email.ShouldBe("bob@example.org");
        bob.IsSuperuser.ShouldBeFalse();
        var entry = (await _world.AuditAsync()).Single(a => a.Action == "user.create");
        entry.ActorName.ShouldBe("root");
        entry.SubjectUserId.ShouldBe(bob.Id);
        entry.SubjectUserName.ShouldBe("bob");
        entry.Before.ShouldBeNull();
        JsonDocument.Parse(entry.After!).RootElement.GetProperty("userName").GetString().ShouldBe("bob");
        entry.After!.ShouldNotContain("passphrase");
        _world.Published.OfType<AccessChanged>().ShouldNotBeEmpty();
    }

    [Fact]
    public async Task CreateAsync_TakenNameOrShortPassword_FailsOnTheFieldAndWritesNothing()
    {
        var root = await _world.SignInAsync("root");
        var auditBefore = (await _world.AuditAsync()).Count;

        var taken = await Service.CreateAsync(root, new NewUserForm { UserName = "ALICE", Password = "long enough passphrase" }, default);
        var weak = await Service.CreateAsync(root, new NewUserForm { UserName = "carol", Password = "short" }, default);

        taken.Succeeded.ShouldBeFalse();
        taken.Failures.ShouldContain(f => f.PropertyName == nameof(NewUserForm.UserName));
        weak.Failures.ShouldContain(f => f.PropertyName == nameof(NewUserForm.Password));
        (await _world.AuditAsync()).Count.ShouldBe(auditBefore);
        await using var db = await _world.NewContextAsync();
        (await db.Users.CountAsync()).ShouldBe(2);
    }

    [Fact]
    public async Task EveryAdminAction_NonSuperuser_IsRefusedChangesNothingAndIsAuditedOnce()
    {
        var alice = await _world.SignInAsync("alice");
        var groupId = await _world.CreateGroupAsync("lab");

        (await _world.ShouldRefuseAsync("user.create", () => Service.CreateAsync(alice, new NewUserForm { UserName = "mallory", Password = "mallory's passphrase" }, default))).Succeeded.ShouldBeFalse();
        (await _world.ShouldRefuseAsync("user.update", () => Service.UpdateAsync(alice, _aliceId, new EditUserForm { IsSuperuser = true }, default))).Succeeded.ShouldBeFalse();
        (await _world.ShouldRefuseAsync("user.disable", () => Service.SetDisabledAsync(alice, _adminId, true, default))).Succeeded.ShouldBeFalse();
        (await _world.ShouldRefuseAsync("user.delete", () => Service.DeleteAsync(alice, _adminId, default))).Succeeded.ShouldBeFalse();
        (await _world.ShouldRefuseAsync("user.groups.set", () => Service.SetGroupsAsync(alice, _aliceId, [groupId], default))).Succeeded.ShouldBeFalse();
        (await _world.ShouldRefuseAsync("user.approve", () => Service.ApproveAsync(alice, _aliceId, default))).Succeeded.ShouldBeFalse();
        (await _world.ShouldRefuseAsync("user.password.reset-link", () => Service.IssueResetLinkAsync(alice, _adminId, "http://portal", default))).Value.ShouldBeNull();
        (await _world.ShouldRefuseAsync("users.view", () => Service.SearchAsync(alice, new UserQuery(), default))).Rows.ShouldBeEmpty();
    }

    [Fact]
    public async Task EveryAdminAction_DemotedSuperuserWithOldCookie_IsRefused()
    {
        // The cookie still carries the superuser claim; the database says otherwise, and the database wins.
        var formerAdmin = await _world.CreateUserAsync("former", superuser: true);
        var principal = await _world.SignInAsync("former");
        await using (var db = await _world.NewContextAsync())
        {
            await db.Users.Where(u => u.Id == formerAdmin.Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.IsSuperuser, false));
        }

        (await _world.ShouldRefuseAsync("user.disable", () => Service.SetDisabledAsync(principal, _aliceId, true, default))).Succeeded.ShouldBeFalse();
    }

    [Fact]
    public async Task SetDisabledAsync_DisablesRenewsTheStampAuditsBeforeAndAfter()
    {
        var root = await _world.SignInAsync("root");
        var stampBefore = (await _world.ReloadUserAsync(_aliceId)).SecurityStamp;
        _world.ClearPublished();

        var result = await Service.SetDisabledAsync(root, _aliceId, true, default);

        result.Succeeded.ShouldBeTrue(result.Message);
        var alice = await _world.ReloadUserAsync(_aliceId);
        alice.IsDisabled.ShouldBeTrue();
        alice.SecurityStamp.ShouldNotBe(stampBefore, "existing cookies must stop working");
        var entry = (await _world.AuditAsync()).Single(a => a.Action == "user.disable");
        JsonDocument.Parse(entry.Before!).RootElement.GetProperty("isDisabled").GetBoolean().ShouldBeFalse();
        JsonDocument.Parse(entry.After!).RootElement.GetProperty("isDisabled").GetBoolean().ShouldBeTrue();
        _world.Published.OfType<AccessChanged>().ShouldNotBeEmpty();

        (await Service.SetDisabledAsync(root, _aliceId, false, default)).Succeeded.ShouldBeTrue();
        (await _world.ReloadUserAsync(_aliceId)).IsDisabled.ShouldBeFalse();
        (await _world.AuditAsync()).ShouldContain(a => a.Action == "user.enable");
    }

    [Fact]
    public async Task OwnAccount_CannotBeDisabledDeletedOrDemoted()
    {
        var root = await _world.SignInAsync("root");

        (await Service.SetDisabledAsync(root, _adminId, true, default)).Succeeded.ShouldBeFalse();
        (await Service.DeleteAsync(root, _adminId, default)).Succeeded.ShouldBeFalse();
        (await Service.UpdateAsync(root, _adminId, new EditUserForm { IsSuperuser = false }, default)).Succeeded.ShouldBeFalse();

        var admin = await _world.ReloadUserAsync(_adminId);
        admin.IsDisabled.ShouldBeFalse();
        admin.IsSuperuser.ShouldBeTrue();
    }

    [Fact]
    public async Task UpdateAsync_SuperuserFlag_IsAuditedAsSuperuserSet()
    {
        var root = await _world.SignInAsync("root");

        var result = await Service.UpdateAsync(root, _aliceId, new EditUserForm { Email = "alice@example.org", IsSuperuser = true }, default);

        result.Succeeded.ShouldBeTrue(result.Message);
        (await _world.ReloadUserAsync(_aliceId)).IsSuperuser.ShouldBeTrue();
        var entry = (await _world.AuditAsync()).Single(a => a.Action == "user.superuser.set");
        entry.SubjectUserName.ShouldBe("alice");
    }

    [Fact]
    public async Task DeleteAsync_UserWithGroups_RemovesAccountAndMemberships_AuditKeepsTheName()
    {
        var root = await _world.SignInAsync("root");
        var groupId = await _world.CreateGroupAsync("lab", _aliceId);

        (await Service.DeleteAsync(root, _aliceId, default)).Succeeded.ShouldBeTrue();

        await using var db = await _world.NewContextAsync();
        (await db.Users.AnyAsync(u => u.Id == _aliceId)).ShouldBeFalse();
        (await db.GroupMembers.AnyAsync(m => m.GroupId == groupId)).ShouldBeFalse();
        (await _world.AuditAsync()).Single(a => a.Action == "user.delete").SubjectUserName.ShouldBe("alice");
    }

    [Fact]
    public async Task SetGroupsAsync_ReplacesMembershipsAndAuditsSlugs()
    {
        var root = await _world.SignInAsync("root");
        var lab = await _world.CreateGroupAsync("lab", _aliceId);
        var ops = await _world.CreateGroupAsync("ops");

        (await Service.SetGroupsAsync(root, _aliceId, [ops], default)).Succeeded.ShouldBeTrue();

        var detail = await Service.GetAsync(root, _aliceId, default);
        detail!.Groups.Select(g => g.Slug).ShouldBe(["ops"]);
        var entry = (await _world.AuditAsync()).Single(a => a.Action == "user.groups.set");
        JsonSerializer.Deserialize<string[]>(entry.Before!).ShouldBe(["lab"]);
        JsonSerializer.Deserialize<string[]>(entry.After!).ShouldBe(["ops"]);
        lab.ShouldNotBe(ops);
    }

    [Fact]
    public async Task SearchAsync_FindsByNameOrEmail_PagesInTheDatabase()
    {
        var root = await _world.SignInAsync("root");
        for (var i = 0; i < 30; i++)
        {
            await _world.CreateUserAsync($"user{i:00}", email: $"u{i:00}@lab.example.org");
        }

        var byEmail = await Service.SearchAsync(root, new UserQuery("alice@EXAMPLE"), default);
        var page2 = await Service.SearchAsync(root, new UserQuery("lab.example", Page: 2, PageSize: 10), default);
        var literal = await Service.SearchAsync(root, new UserQuery("user_"), default);

        byEmail.Rows.Select(r => r.UserName).ShouldBe(["alice"]);
        page2.Total.ShouldBe(30);
        page2.Rows.Select(r => r.UserName).ShouldBe([.. Enumerable.Range(10, 10).Select(i => $"user{i:00}")]);
        literal.Total.ShouldBe(0, "_ is taken literally, not as a LIKE wildcard");
    }

    [Fact]
    public async Task Registration_AwaitingUser_IsListedFirst_ApproveLetsThemIn_RejectDeletes()
    {
        var root = await _world.SignInAsync("root");
        var pending = await _world.CreateUserAsync("newbie");
        var other = await _world.CreateUserAsync("spammer");
        await using (var db = await _world.NewContextAsync())
        {
            await db.Users.Where(u => u.Id == pending.Id || u.Id == other.Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.IsAwaitingApproval, true));
        }

        var waiting = await Service.SearchAsync(root, new UserQuery(Filter: UserFilter.AwaitingApproval), default);
        var all = await Service.SearchAsync(root, new UserQuery(), default);
        (await Service.ApproveAsync(root, pending.Id, default)).Succeeded.ShouldBeTrue();
        (await Service.RejectAsync(root, other.Id, default)).Succeeded.ShouldBeTrue();
        var rejectApproved = await Service.RejectAsync(root, pending.Id, default);

        waiting.Rows.Select(r => r.UserName).ShouldBe(["newbie", "spammer"]);
        all.Rows.Take(2).Select(r => r.UserName).ShouldBe(["newbie", "spammer"]);
        (await _world.ReloadUserAsync(pending.Id)).IsAwaitingApproval.ShouldBeFalse();
        await using var check = await _world.NewContextAsync();
        (await check.Users.AnyAsync(u => u.Id == other.Id)).ShouldBeFalse();
        rejectApproved.Succeeded.ShouldBeFalse("an approved account is disabled or deleted, not rejected");
        var audit = await _world.AuditAsync();
        audit.ShouldContain(a => a.Action == "user.approve" && a.SubjectUserName == "newbie" && a.Outcome == AuditOutcome.Allowed);
        audit.ShouldContain(a => a.Action == "user.reject" && a.SubjectUserName == "spammer");
    }
}
