using GanetiWebManager.Testing;
using GanetiWebManager.Web.Features.Accounts.Profile;
using Microsoft.EntityFrameworkCore;

namespace GanetiWebManager.Web.Tests.Features.Accounts.Profile;

public sealed class ProfileServiceTests : IAsyncLifetime
{
    private AccountsWorld _world = null!;

    public async Task InitializeAsync()
    {
        _world = await AccountsWorld.CreateAsync("profile");
        await _world.CreateUserAsync("alice");
        await _world.CreateUserAsync("bob");
    }

    public async Task DisposeAsync() => await _world.DisposeAsync();

    private ProfileService Service => _world.Get<ProfileService>();

    [Fact]
    public async Task AddSshKeyAsync_SeveralKeys_AreListedWithFingerprints_DuplicateRejected()
    {
        var alice = await _world.SignInAsync("alice");
        var (ed, edPrint, _) = await SshKeyGen.GenerateAsync("ed25519", comment: "alice@laptop");
        var (rsa, rsaPrint, _) = await SshKeyGen.GenerateAsync("rsa", 3072, comment: "alice@desktop");

        (await Service.AddSshKeyAsync(alice, new SshKeyForm { Text = ed }, default)).Succeeded.ShouldBeTrue();
        (await Service.AddSshKeyAsync(alice, new SshKeyForm { Text = "  " + rsa + "\n" }, default)).Succeeded.ShouldBeTrue();
        var duplicate = await Service.AddSshKeyAsync(alice, new SshKeyForm { Text = ed.Replace("alice@laptop", "other comment", StringComparison.Ordinal) }, default);

        duplicate.Succeeded.ShouldBeFalse();
        duplicate.Failures.ShouldHaveSingleItem().ErrorMessage.ShouldContain("already on your account");
        var profile = await Service.GetAsync(alice, default);
        profile!.SshKeys.Select(k => (k.Fingerprint, k.Comment)).ShouldBe([(edPrint, "alice@laptop"), (rsaPrint, "alice@desktop")]);
        (await _world.AuditAsync()).Count(a => a.Action == "user.sshkey.add").ShouldBe(2);
    }

    [Fact]
    public async Task AddSshKeyAsync_SameKeyOnTwoAccounts_IsAllowed()
    {
        // A shared admin key is a policy question, not a format error; each account holds it once.
        var (ed, _, _) = await SshKeyGen.GenerateAsync("ed25519");

        (await Service.AddSshKeyAsync(await _world.SignInAsync("alice"), new SshKeyForm { Text = ed }, default)).Succeeded.ShouldBeTrue();
        (await Service.AddSshKeyAsync(await _world.SignInAsync("bob"), new SshKeyForm { Text = ed }, default)).Succeeded.ShouldBeTrue();
    }

    [Fact]
    public async Task AddSshKeyAsync_BadKey_FailsOnTheFieldAndStoresNothing()
    {
        var alice = await _world.SignInAsync("alice");
        var (weak, _, _) = await SshKeyGen.GenerateAsync("rsa", 1024);

        var result = await Service.AddSshKeyAsync(alice, new SshKeyForm { Text = weak }, default);

        result.Failures.ShouldHaveSingleItem().PropertyName.ShouldBe(nameof(SshKeyForm.Text));
        await using var db = await _world.NewContextAsync();
        (await db.SshKeys.CountAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task RemoveSshKeyAsync_SomeoneElsesKey_IsRefusedAndAudited()
    {
        var alice = await _world.SignInAsync("alice");
        var bob = await _world.SignInAsync("bob");
        var (ed, _, _) = await SshKeyGen.GenerateAsync("ed25519");
        var added = await Service.AddSshKeyAsync(alice, new SshKeyForm { Text = ed }, default);

        var refused = await _world.ShouldRefuseAsync("user.sshkey.remove", () => Service.RemoveSshKeyAsync(bob, added.Value!.Id, default));
        var removed = await Service.RemoveSshKeyAsync(alice, added.Value!.Id, default);

        refused.Succeeded.ShouldBeFalse();
        removed.Succeeded.ShouldBeTrue();
        (await Service.GetAsync(alice, default))!.SshKeys.ShouldBeEmpty();
    }

    [Fact]
    public async Task SetEmailAsync_ChangesAddressWithoutEndingTheSession()
    {
        var alice = await _world.SignInAsync("alice");
        var before = await _world.ReloadUserAsync((await Service.GetAsync(alice, default))!.UserId);

        var result = await Service.SetEmailAsync(alice, new EmailForm { Email = " alice@example.org " }, default);
        var invalid = await Service.SetEmailAsync(alice, new EmailForm { Email = "not an address" }, default);

        result.Succeeded.ShouldBeTrue(result.Message);
        invalid.Succeeded.ShouldBeFalse();
        var after = await _world.ReloadUserAsync(before.Id);
        after.Email.ShouldBe("alice@example.org");
        after.NormalizedEmail.ShouldBe("ALICE@EXAMPLE.ORG");
        after.SecurityStamp.ShouldBe(before.SecurityStamp, "a new address must not sign the user out of the page they edit");
        (await _world.AuditAsync()).ShouldContain(a => a.Action == "user.email.set" && a.SubjectUserName == "alice");
    }
}
