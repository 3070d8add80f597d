using System.Net;
using GanetiWebManager.Testing;
using GanetiWebManager.Testing.Inventory;
using GanetiWebManager.Web.Domain.Accounts;
using GanetiWebManager.Web.Features.Accounts.Admin;
using GanetiWebManager.Web.Features.Accounts.Passwords;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace GanetiWebManager.Web.Tests.Features.Accounts.Passwords;

/// <summary>The server-rendered account pages through the real HTTP pipeline: reset link, change password, registration.</summary>
public sealed class AccountPagesFlowTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private PortalFactory _portal = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync("accpages");
        _portal = new PortalFactory(_database, settings: new Dictionary<string, string?> { ["Accounts:SelfRegistration"] = "true" });
        _ = _portal.Server; // starts the host: migrations and the superuser
    }

    public async Task DisposeAsync()
    {
        await _portal.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task ResetLink_SetsThePassword_WorksOnce_AndEndsTheLockout()
    {
        var userId = await CreateUserAsync("forgetful", "old passphrase here");
        using var attacker = _portal.CreateClientWithoutRedirects();
        for (var i = 0; i < 5; i++)
        {
            await attacker.PostLoginAsync("forgetful", "guess " + i);
        }

        var link = await IssueLinkAsync(userId);
        using var client = _portal.CreateClientWithoutRedirects();
        var path = new Uri(link).PathAndQuery;

        var first = await PostResetAsync(client, path, "brand new passphrase");
        var again = await PostResetAsync(client, path, "another new passphrase");

        first.ShouldContain("Your password was set.");
        again.ShouldContain(PasswordService.BadLinkMessage);
        (await client.GetStringAsync(path)).ShouldContain(PasswordService.BadLinkMessage, customMessage: "a used link says so before any typing");
        (await client.PostLoginAsync("forgetful", "old passphrase here")).StatusCode.ShouldBe(HttpStatusCode.OK, "the old password no longer works");
        (await client.PostLoginAsync("forgetful", "brand new passphrase")).StatusCode.ShouldBe(HttpStatusCode.Redirect, "the new password signs in, lockout or not");
        (await ReadAuditAsync()).ShouldContain(a => a.Action == "user.password.reset" && a.SubjectUserName == "forgetful");
    }

    [Fact]
    public async Task ResetLink_TamperedToken_IsRefused()
    {
        var userId = await CreateUserAsync("tampered", "old passphrase here");
        var link = await IssueLinkAsync(userId);
        using var client = _portal.CreateClientWithoutRedirects();

        var html = await client.GetStringAsync(new Uri(link).PathAndQuery.Replace("token=", "token=x", StringComparison.Ordinal));

        html.ShouldContain(PasswordService.BadLinkMessage);
        html.ShouldNotContain("name=\"Input.NewPassword\"");
    }

    [Fact]
    public async Task ChangePassword_RightCurrentPassword_KeepsThisBrowserSignedIn_OldPasswordStops()
    {
        await CreateUserAsync("changer", "first passphrase");
        using var client = _portal.CreateClientWithoutRedirects();
        (await client.PostLoginAsync("changer", "first passphrase")).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var token = await client.GetAntiforgeryTokenAsync("/account/password");

        var wrong = await PostChangeAsync(client, token, "not my password", "second passphrase");
        var response = await PostChangeAsync(client, await client.GetAntiforgeryTokenAsync("/account/password"), "first passphrase", "second passphrase");

        wrong.ShouldContain("The current password is wrong.");
        response.ShouldContain("Your password was changed.");
        (await client.GetAsync("/")).StatusCode.ShouldBe(HttpStatusCode.OK, "the cookie was renewed with the new security stamp");
        using var other = _portal.CreateClientWithoutRedirects();
        (await other.PostLoginAsync("changer", "first passphrase")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await other.PostLoginAsync("changer", "second passphrase")).StatusCode.ShouldBe(HttpStatusCode.Redirect);
    }

    [Fact]
    public async Task Registration_WaitsForApproval_ThenSignsIn()
    {
        using var client = _portal.CreateClientWithoutRedirects();
        var token = await client.GetAntiforgeryTokenAsync("/account/register");

        var registered = await client.PostAsync("/account/register", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "register",
            ["__RequestVerificationToken"] = token,
            ["Input.UserName"] = "newcomer",
            ["Input.Email"] = "newcomer@example.org",
            ["Input.NewPassword"] = "newcomer passphrase",
            ["Input.ConfirmPassword"] = "newcomer passphrase",
        }));

        (await registered.Content.ReadAsStringAsync()).ShouldContain("A superuser has to approve it");
        var waiting = await client.PostLoginAsync("newcomer", "newcomer passphrase");
        (await waiting.Content.ReadAsStringAsync()).ShouldContain("waits for a superuser");
        var guessed = await client.PostLoginAsync("newcomer", "a wrong guess");
        (await guessed.Content.ReadAsStringAsync()).ShouldContain("Wrong user name or password.", customMessage: "without the password, the state of an account is not told");

        var admin = await TestPrincipals.OfAsync(_portal.Services, PortalFactory.SuperuserName);
        await using (var scope = _portal.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            var id = (await users.FindByNameAsync("newcomer"))!.Id;
            (await scope.ServiceProvider.GetRequiredService<UserAdminService>().ApproveAsync(admin, id, default)).Succeeded.ShouldBeTrue();
        }

        (await client.PostLoginAsync("newcomer", "newcomer passphrase")).StatusCode.ShouldBe(HttpStatusCode.Redirect);
    }

    [Fact]
    public async Task Registration_Off_ByDefault()
    {
        var database = await TestDatabase.CreateAsync("regoff");
        try
        {
            await using var portal = new PortalFactory(database);
            using var client = portal.CreateClientWithoutRedirects();

            var page = await client.GetStringAsync("/account/register");
            var login = await client.GetStringAsync("/account/login");

            page.ShouldContain("does not accept registrations");
            page.ShouldNotContain("Input.NewPassword");
            login.ShouldNotContain("register-link");
        }
        finally
        {
            await database.DisposeAsync();
        }
    }

    private async Task<Guid> CreateUserAsync(string name, string password)
    {
        await using var scope = _portal.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var user = new AppUser { UserName = name };
        (await users.CreateAsync(user, password)).Succeeded.ShouldBeTrue();
        return user.Id;
    }

    private async Task<string> IssueLinkAsync(Guid userId)
    {
        var admin = await TestPrincipals.OfAsync(_portal.Services, PortalFactory.SuperuserName);
        await using var scope = _portal.Services.CreateAsyncScope();
        var result = await scope.ServiceProvider.GetRequiredService<UserAdminService>().IssueResetLinkAsync(admin, userId, "http://localhost/", default);
        result.Succeeded.ShouldBeTrue(result.Message);
        result.Value!.MailedTo.ShouldBeNull("no mail server is configured: the admin hands the link over");
        return result.Value.Url!;
    }

    private static async Task<string> PostResetAsync(HttpClient client, string path, string password)
    {
        // The token from any form: a used link's page has none, and its POST must still be refused properly.
        var token = await client.GetAntiforgeryTokenAsync("/account/login");
        var query = System.Web.HttpUtility.ParseQueryString(new Uri("http://x" + path).Query);
        var response = await client.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "reset",
            ["__RequestVerificationToken"] = token,
            ["user"] = query["user"]!,
            ["token"] = query["token"]!,
            ["Input.NewPassword"] = password,
            ["Input.ConfirmPassword"] = password,
        }));
        return await response.Content.ReadAsStringAsync();
    }

    private static async Task<string> PostChangeAsync(HttpClient client, string token, string current, string next)
    {
        var response = await client.PostAsync("/account/password", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "change-password",
            ["__RequestVerificationToken"] = token,
            ["Input.CurrentPassword"] = current,
            ["Input.NewPassword"] = next,
            ["Input.ConfirmPassword"] = next,
        }));
        return await response.Content.ReadAsStringAsync();
    }

    private async Task<List<GanetiWebManager.Web.Domain.Audit.AuditEntry>> ReadAuditAsync()
    {
        await using var scope = _portal.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<GanetiWebManager.Web.Data.AppDbContext>();
        return [.. db.AuditLog];
    }
}
