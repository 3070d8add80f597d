using GanetiWebManager.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GanetiWebManager.E2E.Accounts;

[Collection(PortalInBrowserGroup.Name)]
public sealed class SignInTests(PortalInBrowserFixture fixture)
{
    [Fact]
    public async Task Superuser_SignsIn_SeesTheNavigation_AndSignsOut()
    {
        var (context, page, consoleErrors) = await fixture.NewPageAsync();
        await using var _ = context;

        await page.GotoAsync("/");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/login"));
        await page.GetByLabel("User name").FillAsync(PortalFactory.SuperuserName);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(PortalFactory.SuperuserPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("current-user")).ToHaveTextAsync(PortalFactory.SuperuserName);
        var navigation = page.GetByRole(AriaRole.Navigation);
        foreach (var section in new[] { "Overview", "Virtual machines", "Create VM", "Templates", "Clusters", "Nodes", "Jobs", "Import", "Search", "Admin", "Users", "Groups", "Profile" })
        {
            await Expect(navigation.GetByText(section, new() { Exact = true }).First).ToBeVisibleAsync();
        }

        // The page is interactive over the circuit (blazor.web.js from the 9.0 pack talking to a .NET 10 server):
        // following a menu link is handled by the client-side router without a full load.
        await page.WaitForFunctionAsync("() => window.Blazor !== undefined");
        await navigation.GetByText("Templates", new() { Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Templates", Level = 1 })).ToBeVisibleAsync();
        await Expect(page).ToHaveURLAsync(fixture.Portal.BaseUrl + "/templates");

        await page.GotoAsync("/");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(PortalInBrowserFixture.ArtifactsDirectory, "home.png"), FullPage = true });
        await Expect(page.Locator("#components-reconnect-modal")).ToBeHiddenAsync();
        consoleErrors.ShouldBeEmpty();

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/login"));
        await page.GotoAsync("/");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/login"));
        (await context.CookiesAsync()).ShouldNotContain(c => c.Name == "gwm.auth");
    }

    [Fact]
    public async Task WrongPassword_ShowsAnError_AndOpensNoSession()
    {
        var (context, page, _) = await fixture.NewPageAsync();
        await using var _ = context;

        await page.GotoAsync("/account/login");
        await page.GetByLabel("User name").FillAsync(PortalFactory.SuperuserName);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync("definitely not it");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Wrong user name or password.");
        (await context.CookiesAsync()).ShouldNotContain(c => c.Name == "gwm.auth");
        await page.GotoAsync("/");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/login"));
    }
}
