using GanetiWebManager.E2E.Inventory;
using GanetiWebManager.Testing;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.VirtualMachines;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GanetiWebManager.E2E.Quotas;

/// <summary>
/// The cluster's Quotas tab in Chromium on the seeded inventory (carol owns lab's vm-001 … vm-010): usage bars,
/// editing an owner's quota (the bar then says by how much it is exceeded), resetting it, giving another user a
/// quota of their own, editing the default — each change audited with before and after.
/// </summary>
[Collection(InventoryPortalGroup.Name)]
public sealed class QuotaTabTests(PortalInBrowserFixture fixture)
{
    /// <summary>Fills a number field and leaves it, so its change reaches the circuit before the next click.</summary>
    private static async Task FillAsync(IPage page, string testId, string value)
    {
        await page.GetByTestId(testId).FillAsync(value);
        await page.GetByTestId(testId).PressAsync("Tab");
    }

    [Fact]
    public async Task QuotaTab_EditResetAddAndDefault_UsageBarsFollow_ChangesAudited()
    {
        await InventorySeed.EnsureAsync(fixture.Portal);
        var (context, page, errors) = await fixture.NewPageAsync();
        await using var _ = context;
        await page.GotoAsync("/account/login");
        await page.GetByLabel("User name").FillAsync(PortalFactory.SuperuserName);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(PortalFactory.SuperuserPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("persona-usage")).ToBeVisibleAsync();

        await page.GotoAsync("/clusters/lab?tab=quotas");
        await Expect(page.GetByTestId("quota-default")).ToHaveAttributeAsync("data-interactive", "true");
        var carol = page.GetByTestId("quota-row").Filter(new() { HasText = "carol" });
        var carolsVcpus = Enumerable.Range(1, 10).Where(i => InventorySeed.StatusOf(i) != VmStates.AdminDown).Sum(i => 1 + (i % 4));
        await Expect(carol).ToContainTextAsync("default");
        await Expect(carol).ToContainTextAsync($"{carolsVcpus} of unlimited");

        await carol.GetByTestId("quota-edit").ClickAsync();
        await FillAsync(page, "quota-edit-vcpus", "2");
        await page.GetByTestId("quota-edit-save").ClickAsync();
        await Expect(page.GetByTestId("quota-message")).ToContainTextAsync("The quota of user:carol on lab was saved.");
        await Expect(carol).ToContainTextAsync($"{carolsVcpus} of 2");
        await Expect(carol).ToContainTextAsync($"exceeded by {carolsVcpus - 2}");
        await page.ScreenshotAsync(new() { Path = Path.Combine(PortalInBrowserFixture.ArtifactsDirectory, "cluster-quotas.png"), FullPage = true });

        // carol's own dashboard shows her usage on lab and by how much she is over.
        var (carolContext, carolPage, carolErrors) = await fixture.NewPageAsync();
        await using (carolContext)
        {
            await using (var users = fixture.Portal.Services.CreateAsyncScope())
            {
                var manager = users.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<GanetiWebManager.Web.Domain.Accounts.AppUser>>();
                var account = (await manager.FindByNameAsync("carol"))!;
                if (!await manager.HasPasswordAsync(account))
                {
                    (await manager.AddPasswordAsync(account, "carol's long enough password")).Succeeded.ShouldBeTrue();
                }
            }

            await carolPage.GotoAsync("/account/login");
            await carolPage.GetByLabel("User name").FillAsync("carol");
            await carolPage.GetByLabel("Password", new() { Exact = true }).FillAsync("carol's long enough password");
            await carolPage.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            var lab = carolPage.GetByTestId("persona-usage-cluster").Filter(new() { HasText = "lab" });
            await Expect(lab.GetByTestId("usage-vcpus-value")).ToHaveTextAsync($"{carolsVcpus} of 2");
            await Expect(lab.GetByTestId("usage-exceeded")).ToContainTextAsync($"exceeded by {carolsVcpus - 2} vCPUs");
            await carolPage.ScreenshotAsync(new() { Path = Path.Combine(PortalInBrowserFixture.ArtifactsDirectory, "overview-persona-usage.png"), FullPage = true });
            carolErrors.ShouldBeEmpty();
        }

        await carol.GetByTestId("quota-reset").ClickAsync();
        await Expect(carol).ToContainTextAsync("default");
        await Expect(carol.GetByTestId("quota-reset")).ToHaveCountAsync(0);

        await page.GetByTestId("quota-add-owner").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = InventorySeed.RegularUserName, Exact = true }).ClickAsync();
        await FillAsync(page, "quota-add-ram", "0");
        await page.GetByTestId("quota-add-save").ClickAsync();
        await Expect(page.GetByTestId("quota-message")).ToContainTextAsync($"The quota of user:{InventorySeed.RegularUserName} on lab was saved.");
        var dave = page.GetByTestId("quota-row").Filter(new() { HasText = InventorySeed.RegularUserName });
        await Expect(dave).ToContainTextAsync("0 MiB of none");

        await page.GetByTestId("quota-default-edit").ClickAsync();
        await FillAsync(page, "quota-default-disk", "-5");
        await page.GetByTestId("quota-default-save").ClickAsync();
        await Expect(page.GetByTestId("quota-default-form")).ToContainTextAsync("Disk is 0 (none) up to");
        await FillAsync(page, "quota-default-disk", "1048576");
        await page.GetByTestId("quota-default-save").ClickAsync();
        await Expect(page.GetByTestId("quota-default-values")).ToContainTextAsync("disk 1048576 MiB");

        await using var db = await fixture.Portal.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var actions = await db.AuditLog.Where(a => a.ClusterSlug == "lab" && a.Action.StartsWith("quota.")).OrderBy(a => a.Id).Select(a => a.Action).ToListAsync();
        actions.ShouldBe(["quota.set", "quota.reset", "quota.set", "quota.default.set"]);
        (await db.Clusters.SingleAsync(c => c.Slug == "lab")).DefaultQuota.DiskMiB.ShouldBe(1048576);
        errors.ShouldBeEmpty();
    }
}
