using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GanetiWebManager.E2E.Accounts;

/// <summary>Steps the account scenarios share: signing in, and waiting for a page to be live over its circuit.</summary>
internal static partial class AccountsUi
{
    public static async Task SignInAsync(this IPage page, string userName, string password)
    {
        await page.GotoAsync("/account/login");
        await page.GetByLabel("User name").FillAsync(userName);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByTestId("current-user")).ToHaveTextAsync(userName);
    }

    /// <summary>Waits until the element's page answers over the circuit (buttons do something).</summary>
    public static Task WaitInteractiveAsync(this IPage page, string testId) =>
        Expect(page.GetByTestId(testId)).ToHaveAttributeAsync("data-interactive", "true");

    public static Task ShouldBeOnLoginAsync(this IPage page, float timeoutMs) =>
        Expect(page).ToHaveURLAsync(LoginUrl(), new() { Timeout = timeoutMs });

    [GeneratedRegex("/account/login")]
    private static partial Regex LoginUrl();
}
