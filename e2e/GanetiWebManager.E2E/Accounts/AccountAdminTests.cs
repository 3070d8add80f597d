using System.Diagnostics;
using GanetiWebManager.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GanetiWebManager.E2E.Accounts;

/// <summary>Issue 4 §1 in the browser: users and groups made by a superuser, a user's own profile, sign-out of open pages, reset links.</summary>
[Collection(PortalInBrowserGroup.Name)]
public sealed class AccountAdminTests(PortalInBrowserFixture fixture)
{
    [Fact]
    public async Task Superuser_CreatesUserAndGroup_UserChangesPasswordAndAddsSshKey()
    {
        var (adminContext, admin, adminErrors) = await fixture.NewPageAsync();
        await using var _ = adminContext;
        await admin.SignInAsync(PortalFactory.SuperuserName, PortalFactory.SuperuserPassword);

        // The superuser creates the user...
        await admin.GotoAsync("/admin/users");
        await admin.WaitInteractiveAsync("users-actions");
        await admin.GetByTestId("new-user").ClickAsync();
        await admin.GetByLabel("User name").FillAsync("erin");
        await admin.GetByLabel("E-mail address (optional)").FillAsync("erin@example.org");
        await admin.Locator("#new-user-password").FillAsync("erin's first passphrase");
        await admin.GetByTestId("create-user").ClickAsync();
        await Expect(admin.GetByTestId("user-name")).ToHaveTextAsync("erin");
        await Expect(admin.GetByTestId("user-message")).ToContainTextAsync("created");

        // ...and a group, and adds the user to it.
        await admin.GotoAsync("/admin/groups");
        await admin.WaitInteractiveAsync("groups-actions");
        await admin.GetByTestId("new-group").ClickAsync();
        await admin.GetByLabel("Name", new() { Exact = true }).FillAsync("Lab");
        await admin.Locator("#group-slug").FillAsync("lab");
        await admin.GetByTestId("create-group").ClickAsync();
        await Expect(admin.GetByTestId("group-slug")).ToHaveTextAsync("lab");
        await admin.WaitInteractiveAsync("group-actions");
        await admin.GetByTestId("group-members-find").FillAsync("erin");
        await admin.GetByTestId("group-members-find-go").ClickAsync();
        await admin.GetByTestId("group-members-add").ClickAsync();
        await Expect(admin.Locator("[data-testid=group-members-person][data-user=erin]")).ToBeVisibleAsync();
        await admin.GotoAsync("/admin/users");
        await Expect(admin.Locator("[data-testid=user-row][data-user=erin] td").Nth(3)).ToHaveTextAsync("1");
        await admin.ScreenshotAsync(new() { Path = Path.Combine(PortalInBrowserFixture.ArtifactsDirectory, "admin-users.png"), FullPage = true });

        // The user signs in, changes the password...
        var (userContext, user, userErrors) = await fixture.NewPageAsync();
        await using var __ = userContext;
        await user.SignInAsync("erin", "erin's first passphrase");
        await user.GotoAsync("/profile");
        await user.WaitInteractiveAsync("profile-user");
        await Expect(user.GetByTestId("profile-user")).ToContainTextAsync("member of Lab");
        await user.GetByTestId("change-password").ClickAsync();
        await user.GetByLabel("Current password").FillAsync("erin's first passphrase");
        await user.GetByLabel("New password", new() { Exact = true }).FillAsync("erin's second passphrase");
        await user.GetByLabel("New password again").FillAsync("erin's second passphrase");
        await user.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();
        await Expect(user.GetByTestId("password-changed")).ToBeVisibleAsync();

        // ...stays signed in, and adds an SSH key whose fingerprint is the one ssh-keygen gives.
        var (publicKey, fingerprint, _) = await SshKeyGen.GenerateAsync("ed25519", comment: "erin@laptop");
        await user.GotoAsync("/profile");
        await user.WaitInteractiveAsync("profile-user");
        await user.GetByTestId("ssh-key-text").FillAsync(publicKey);
        await user.GetByTestId("add-ssh-key").ClickAsync();
        await Expect(user.GetByTestId("ssh-key-fingerprint")).ToHaveTextAsync(fingerprint);
        await Expect(user.GetByTestId("profile-message")).ToContainTextAsync("added");
        await Expect(user.GetByTestId("persona-usage")).ToBeVisibleAsync();
        await user.ScreenshotAsync(new() { Path = Path.Combine(PortalInBrowserFixture.ArtifactsDirectory, "profile.png"), FullPage = true });

        // The old password is gone for good.
        var (checkContext, check, _) = await fixture.NewPageAsync();
        await using var ___ = checkContext;
        await check.GotoAsync("/account/login");
        await check.GetByLabel("User name").FillAsync("erin");
        await check.GetByLabel("Password", new() { Exact = true }).FillAsync("erin's first passphrase");
        await check.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(check.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Wrong user name or password.");

        adminErrors.ShouldBeEmpty();
        userErrors.ShouldBeEmpty();
    }

    [Fact]
    public async Task Superuser_DisablesAUserWhosePageIsOpen_ThatPageIsSignedOutWithinFiveSeconds()
    {
        await CreateUserAsync("dave", "dave's passphrase");
        var (userContext, user, _) = await fixture.NewPageAsync();
        await using var _ = userContext;
        await user.SignInAsync("dave", "dave's passphrase");
        await user.GotoAsync("/profile");
        await user.WaitInteractiveAsync("profile-user");

        var (adminContext, admin, adminErrors) = await fixture.NewPageAsync();
        await using var __ = adminContext;
        await admin.SignInAsync(PortalFactory.SuperuserName, PortalFactory.SuperuserPassword);
        await admin.GotoAsync("/admin/users");
        await admin.WaitInteractiveAsync("users-actions");
        await admin.Locator("[data-testid=user-row][data-user=dave] a").ClickAsync();
        await admin.WaitInteractiveAsync("user-actions");

        await admin.GetByTestId("disable-user").ClickAsync();
        var clock = Stopwatch.StartNew();
        await Expect(admin.GetByTestId("user-message")).ToContainTextAsync("disabled");
        await user.ShouldBeOnLoginAsync(timeoutMs: 5_000);
        clock.Stop();

        // And it stays out: the cookie died with the security stamp.
        await user.GotoAsync("/profile");
        await user.ShouldBeOnLoginAsync(timeoutMs: 5_000);
        await File.AppendAllTextAsync(Path.Combine(PortalInBrowserFixture.ArtifactsDirectory, "accounts-signout.txt"),
            $"disable → open page on the login page: {clock.ElapsedMilliseconds} ms{Environment.NewLine}");
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5));
        adminErrors.ShouldBeEmpty();
    }

    [Fact]
    public async Task ResetLink_IssuedByASuperuser_WorksOnce()
    {
        await CreateUserAsync("frank", "frank's forgotten passphrase");
        var (adminContext, admin, _) = await fixture.NewPageAsync();
        await using var _ = adminContext;
        await admin.SignInAsync(PortalFactory.SuperuserName, PortalFactory.SuperuserPassword);
        await admin.GotoAsync("/admin/users");
        await admin.WaitInteractiveAsync("users-actions");
        await admin.Locator("[data-testid=user-row][data-user=frank] a").ClickAsync();
        await admin.WaitInteractiveAsync("user-actions");
        await admin.GetByTestId("reset-link").ClickAsync();
        var link = (await admin.GetByTestId("reset-link-url").TextContentAsync())!.Trim();

        var (userContext, user, userErrors) = await fixture.NewPageAsync();
        await using var __ = userContext;
        await user.GotoAsync(link);
        await user.GetByLabel("New password", new() { Exact = true }).FillAsync("frank's new passphrase");
        await user.GetByLabel("New password again").FillAsync("frank's new passphrase");
        await user.GetByRole(AriaRole.Button, new() { Name = "Set password" }).ClickAsync();
        await Expect(user.GetByTestId("reset-done")).ToContainTextAsync("Your password was set.");

        await user.GotoAsync(link);
        await Expect(user.GetByTestId("reset-error")).ToContainTextAsync("not valid any more");
        await Expect(user.GetByLabel("New password", new() { Exact = true })).ToHaveCountAsync(0);

        await user.SignInAsync("frank", "frank's new passphrase");
        userErrors.ShouldBeEmpty();
    }

    private async Task CreateUserAsync(string name, string password)
    {
        await using var scope = fixture.Portal.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<Web.Domain.Accounts.AppUser>>();
        var result = await users.CreateAsync(new Web.Domain.Accounts.AppUser { UserName = name }, password);
        result.Succeeded.ShouldBeTrue(string.Join(" ", result.Errors.Select(e => e.Description)));
    }
}
