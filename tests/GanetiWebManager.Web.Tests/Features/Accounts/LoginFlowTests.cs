using System.Net;
using GanetiWebManager.Testing;
using GanetiWebManager.Web.Domain.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace GanetiWebManager.Web.Tests.Features.Accounts;

/// <summary>Sign-in and sign-out through the real HTTP pipeline, cookies and antiforgery included.</summary>
public sealed class LoginFlowTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private PortalFactory _portal = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync("login");
        _portal = new PortalFactory(_database);
    }

    public async Task DisposeAsync()
    {
        await _portal.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task AnyPage_Anonymous_RedirectsToLoginWithReturnUrl()
    {
        using var client = _portal.CreateClientWithoutRedirects();

        var response = await client.GetAsync("/vms");

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.PathAndQuery.ShouldBe("/account/login?ReturnUrl=%2Fvms");
    }

    [Fact]
    public async Task Login_RightPassword_SetsCookieAndOpensTheOverview()
    {
        using var client = _portal.CreateClientWithoutRedirects();

        var response = await client.PostLoginAsync(PortalFactory.SuperuserName, PortalFactory.SuperuserPassword, returnUrl: "/jobs");

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        client.ResolveRedirect(response).ShouldBe(new Uri(client.BaseAddress!, "/jobs"));
        var overview = await client.GetAsync("/");
        overview.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await overview.Content.ReadAsStringAsync()).ShouldContain("<h1>Overview</h1>");
    }

    [Fact]
    public async Task Login_WrongPassword_ShowsErrorAndGrantsNoSession()
    {
        using var client = _portal.CreateClientWithoutRedirects();

        var response = await client.PostLoginAsync(PortalFactory.SuperuserName, "not the password");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).ShouldContain("Wrong user name or password.");
        response.Headers.TryGetValues("Set-Cookie", out var cookies);
        (cookies ?? []).ShouldNotContain(c => c.StartsWith("gwm.auth=", StringComparison.Ordinal) && !c.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase));
        (await client.GetAsync("/")).StatusCode.ShouldBe(HttpStatusCode.Redirect);
    }

    [Fact]
    public async Task Login_UnknownUser_SameMessageAsWrongPassword()
    {
        using var client = _portal.CreateClientWithoutRedirects();

        var response = await client.PostLoginAsync("nobody", "whatever password");

        (await response.Content.ReadAsStringAsync()).ShouldContain("Wrong user name or password.");
    }

    [Fact]
    public async Task Login_FiveFailures_LocksTheAccountEvenForTheRightPassword()
    {
        await CreateUserAsync("locky", "locky's passphrase");
        using var client = _portal.CreateClientWithoutRedirects();
        for (var i = 0; i < 5; i++)
        {
            await client.PostLoginAsync("locky", "wrong guess " + i);
        }

        var response = await client.PostLoginAsync("locky", "locky's passphrase");

        (await response.Content.ReadAsStringAsync()).ShouldContain("locked");
        (await client.GetAsync("/")).StatusCode.ShouldBe(HttpStatusCode.Redirect);
    }

    [Fact]
    public async Task Login_DisabledUser_IsRefused()
    {
        await CreateUserAsync("gone", "gone's passphrase", disabled: true);
        using var client = _portal.CreateClientWithoutRedirects();

        var response = await client.PostLoginAsync("gone", "gone's passphrase");

        (await response.Content.ReadAsStringAsync()).ShouldContain("This account is disabled.");
        (await client.GetAsync("/")).StatusCode.ShouldBe(HttpStatusCode.Redirect);
    }

    [Theory]
    [InlineData("//evil.example/phish")]
    [InlineData("https://evil.example/")]
    [InlineData("/\\evil.example")]
    public async Task Login_ForeignReturnUrl_LandsOnTheOverviewInstead(string returnUrl)
    {
        using var client = _portal.CreateClientWithoutRedirects();

        var response = await client.PostLoginAsync(PortalFactory.SuperuserName, PortalFactory.SuperuserPassword, returnUrl);

        client.ResolveRedirect(response).ShouldBe(new Uri(client.BaseAddress!, "/"), "the portal may only redirect to itself");
    }

    [Fact]
    public async Task Logout_WithToken_EndsTheSession()
    {
        using var client = _portal.CreateClientWithoutRedirects();
        await client.PostLoginAsync(PortalFactory.SuperuserName, PortalFactory.SuperuserPassword);
        var token = await client.GetAntiforgeryTokenAsync("/");

        var response = await client.PostAsync("/account/logout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));

        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await client.GetAsync("/")).StatusCode.ShouldBe(HttpStatusCode.Redirect);
    }

    [Fact]
    public async Task Logout_WithoutToken_IsRefusedAndTheSessionStays()
    {
        using var client = _portal.CreateClientWithoutRedirects();
        await client.PostLoginAsync(PortalFactory.SuperuserName, PortalFactory.SuperuserPassword);

        var response = await client.PostAsync("/account/logout", new FormUrlEncodedContent([]));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await client.GetAsync("/")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    private async Task CreateUserAsync(string name, string password, bool disabled = false)
    {
        await using var scope = _portal.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var result = await users.CreateAsync(new AppUser { UserName = name, IsDisabled = disabled }, password);
        result.Succeeded.ShouldBeTrue(string.Join(", ", result.Errors.Select(e => e.Description)));
    }
}
