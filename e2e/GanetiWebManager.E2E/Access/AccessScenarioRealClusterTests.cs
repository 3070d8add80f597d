using GanetiWebManager.E2E.Accounts;
using GanetiWebManager.Testing;
using GanetiWebManager.Web.Components.Shared;
using GanetiWebManager.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace GanetiWebManager.E2E.Access;

/// <summary>
/// Issue 4 §6 in Chromium against the real sandbox: a superuser sets up a user, a group, a group-owned instance and
/// a power grant on an orphan, all through the pages; the user sees exactly those two instances and runs them; a
/// third instance's address shows nothing of it; the group's quota, set to 0 vCPUs, stops the group's VM from
/// starting while the orphan (charged to nobody) still starts.
/// </summary>
[Trait("Category", "RealCluster")]
public sealed class AccessScenarioRealClusterTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string UserPassword = "ursula's long passphrase";
    private readonly SandboxCluster _sandbox = SandboxCluster.FromEnvironment();
    private readonly string _prefix = "ax" + Guid.NewGuid().ToString("N")[..5];

    // Names of this run only: an instance left over from an earlier run carries "gwm:owner:group:<slug>", and the
    // sync would rightly give it to a group of the same slug.
    private string UserName => "ursula-" + _prefix;

    private string GroupSlug => "grid-" + _prefix;
    private TestDatabase _database = null!;
    private PortalFactory _portal = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    private string GroupVm => _prefix + "-grp";

    private string OrphanVm => _prefix + "-orp";

    private string OtherVm => _prefix + "-oth";

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync("accessscenario");
        _portal = new PortalFactory(_database, kestrel: true, settings: new Dictionary<string, string?>
        {
            ["Sync:Enabled"] = "true",
            ["Sync:ConfigInterval"] = "00:00:02",
            ["Sync:RuntimeInterval"] = "00:00:02",
            ["Sync:JobInterval"] = "00:00:02",
            ["Jobs:PollMinInterval"] = "00:00:00.200",
        });
        foreach (var name in new[] { GroupVm, OrphanVm, OtherVm })
        {
            await _sandbox.CreateInstanceAsync(name, start: false);
        }

        var cluster = await _sandbox.RegisterAsync(_portal.Services);
        _portal.Services.GetRequiredService<Web.Features.Sync.SyncRequests>().Request(cluster.Id);
        _playwright = await Playwright.CreateAsync();
        _browser = await PortalInBrowserFixture.LaunchChromiumAsync(_playwright);
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _portal.DisposeAsync();
        await _sandbox.DeleteInstancesAsync([GroupVm, OrphanVm, OtherVm]);
        _sandbox.Dispose();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task Superuser_SetsUpAccess_UserSeesAndRunsExactlyWhatWasGranted_QuotaStopsTheGroupNotTheOrphan()
    {
        await WaitForMirrorAsync();
        var adminContext = await _browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = _portal.BaseUrl });
        await using var _ = adminContext;
        var admin = await adminContext.NewPageAsync();
        await admin.SignInAsync(PortalFactory.SuperuserName, PortalFactory.SuperuserPassword);

        // User U and group G, U a member of G.
        await admin.GotoAsync("/admin/users");
        await admin.WaitInteractiveAsync("users-actions");
        await admin.GetByTestId("new-user").ClickAsync();
        await admin.GetByLabel("User name").FillAsync(UserName);
        await admin.Locator("#new-user-password").FillAsync(UserPassword);
        await admin.GetByTestId("create-user").ClickAsync();
        await Expect(admin.GetByTestId("user-message")).ToContainTextAsync("created");
        await admin.GotoAsync("/admin/groups");
        await admin.WaitInteractiveAsync("groups-actions");
        await admin.GetByTestId("new-group").ClickAsync();
        await admin.GetByLabel("Name", new() { Exact = true }).FillAsync("Grid");
        await admin.Locator("#group-slug").FillAsync(GroupSlug);
        await admin.GetByTestId("create-group").ClickAsync();
        await Expect(admin.GetByTestId("group-slug")).ToHaveTextAsync(GroupSlug);
        await admin.WaitInteractiveAsync("group-actions");
        await admin.GetByTestId("group-members-find").FillAsync(UserName);
        await admin.GetByTestId("group-members-find-go").ClickAsync();
        await admin.GetByTestId("group-members-add").ClickAsync();
        await Expect(admin.Locator($"[data-testid=group-members-person][data-user={UserName}]")).ToBeVisibleAsync();

        // G gets create_vm on the cluster (its Permissions tab).
        await admin.GotoAsync(PortalLinks.Cluster("sandbox", "permissions"));
        await GrantAsync(admin, GroupSlug, "create_vm");

        // G owns one instance; U gets power on an orphan.
        await admin.GotoAsync(PortalLinks.Vm("sandbox", GroupVm));
        await Expect(admin.GetByTestId("owner-change")).ToHaveAttributeAsync("data-interactive", "true");
        await admin.GetByTestId("owner-change").ClickAsync();
        await admin.GetByTestId("owner-search").FillAsync(GroupSlug);
        await admin.GetByTestId("owner-find").ClickAsync();
        await admin.GetByTestId("owner-candidate").SelectOptionAsync(new SelectOptionValue { Label = "group Grid" });
        await admin.GetByTestId("owner-save").ClickAsync();
        await Expect(admin.GetByTestId("owner-message")).ToContainTextAsync("Owner changed to " + GroupSlug);
        await admin.GotoAsync(PortalLinks.Vm("sandbox", OrphanVm) + "?tab=permissions");
        await GrantAsync(admin, UserName, "power");
        await admin.ScreenshotAsync(new() { Path = Path.Combine(PortalInBrowserFixture.ArtifactsDirectory, "access-grants.png"), FullPage = true });

        // U sees exactly those two instances.
        var userContext = await _browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = _portal.BaseUrl });
        await using var __ = userContext;
        var user = await userContext.NewPageAsync();
        await user.SignInAsync(UserName, UserPassword);
        await user.GotoAsync("/vms");
        await Expect(user.GetByTestId("vm-row")).ToHaveCountAsync(2);
        await Expect(user.Locator($"[data-testid=vm-row][data-vm='{GroupVm}']")).ToHaveCountAsync(1);
        await Expect(user.Locator($"[data-testid=vm-row][data-vm='{OrphanVm}']")).ToHaveCountAsync(1);

        // ...and runs them.
        foreach (var vm in new[] { GroupVm, OrphanVm })
        {
            await user.GotoAsync(PortalLinks.Vm("sandbox", vm));
            await RunAsync(user, "vm-start", confirm: null, expectedStatus: "running");
            await RunAsync(user, "vm-poweroff", confirm: "Power off", expectedStatus: "ADMIN_down");
        }

        // A third instance, by its address: nothing of it.
        await user.GotoAsync(PortalLinks.Vm("sandbox", OtherVm));
        await Expect(user.GetByText("Virtual machine not found")).ToBeVisibleAsync();
        await Expect(user.GetByTestId("vm-status")).ToHaveCountAsync(0);
        (await user.ContentAsync()).ShouldNotContain(_sandbox.SandboxOs);

        // G among U's personas, with G's quota on the cluster.
        await user.GotoAsync("/");
        await Expect(user.GetByTestId("persona-usage")).ToBeVisibleAsync();
        // U holds nothing directly and owns nothing: Grid is their only persona, shown with its usage on the cluster.
        await Expect(user.GetByTestId("persona-name")).ToHaveTextAsync("as group Grid");
        var gridUsage = user.Locator("[data-testid=persona-usage-cluster][data-cluster=sandbox]");
        await Expect(gridUsage).ToContainTextAsync("default quota");

        // The superuser sets G's quota to 0 vCPUs (the cluster's Quotas tab).
        await admin.GotoAsync(PortalLinks.Cluster("sandbox", "quotas"));
        await Expect(admin.GetByTestId("quota-default")).ToHaveAttributeAsync("data-interactive", "true");
        await admin.GetByTestId("quota-add-owner").ClickAsync();
        await admin.GetByRole(AriaRole.Option, new() { Name = "group Grid", Exact = true }).ClickAsync();
        await admin.GetByTestId("quota-add-vcpus").FillAsync("0");
        await admin.GetByTestId("quota-add-vcpus").PressAsync("Tab");
        await admin.GetByTestId("quota-add-save").ClickAsync();
        await Expect(admin.GetByTestId("quota-message")).ToContainTextAsync("was saved");

        await user.GotoAsync("/");
        await Expect(user.Locator("[data-testid=persona-usage-cluster][data-cluster=sandbox]")).Not.ToContainTextAsync("default quota");

        // G's VM is refused with the quota message; the orphan (charged to nobody) still starts.
        await user.GotoAsync(PortalLinks.Vm("sandbox", GroupVm));
        await Expect(user.Locator("[data-testid=vm-power-actions][data-interactive=true]")).ToBeVisibleAsync();
        await user.GetByTestId("vm-start").ClickAsync();
        await Expect(user.GetByTestId("vm-action-message")).ToContainTextAsync("vCPU", new() { Timeout = 10_000 });
        var refusal = await user.GetByTestId("vm-action-message").TextContentAsync();
        output.WriteLine($"refused: {refusal}");
        refusal!.ShouldContain("0 of 0 left");
        await user.ScreenshotAsync(new() { Path = Path.Combine(PortalInBrowserFixture.ArtifactsDirectory, "access-quota-refused.png"), FullPage = true });
        await user.GotoAsync(PortalLinks.Vm("sandbox", OrphanVm));
        await RunAsync(user, "vm-start", confirm: null, expectedStatus: "running");
    }

    private static async Task GrantAsync(IPage page, string principal, string permission)
    {
        await Expect(page.GetByTestId("grant-editor")).ToHaveAttributeAsync("data-interactive", "true");
        await page.GetByTestId("grant-search").FillAsync(principal);
        await page.GetByTestId("grant-find").ClickAsync();
        await Expect(page.GetByTestId("grant-candidate")).ToBeVisibleAsync();
        await page.GetByTestId($"grant-new-{permission}").CheckAsync();
        await page.GetByTestId("grant-add").ClickAsync();
        await Expect(page.GetByTestId("grant-message")).ToContainTextAsync($"now has {permission}");
        await Expect(page.GetByTestId("grant-row")).Not.ToHaveCountAsync(0);
    }

    private static async Task RunAsync(IPage page, string button, string? confirm, string expectedStatus)
    {
        await Expect(page.Locator("[data-testid=vm-power-actions][data-interactive=true]")).ToBeVisibleAsync();
        // The job shown before the click (none on a fresh page).
        var before = await page.GetByTestId("vm-job").CountAsync() > 0 ? await page.GetByTestId("vm-job").GetAttributeAsync("data-job-id") : null;
        await Expect(page.GetByTestId(button)).ToBeEnabledAsync(new() { Timeout = 30_000 });
        await page.GetByTestId(button).ClickAsync();
        if (confirm is not null)
        {
            await page.GetByRole(AriaRole.Alertdialog).GetByRole(AriaRole.Button, new() { Name = confirm, Exact = true }).ClickAsync();
        }

        await page.WaitForFunctionAsync(
            "before => { const job = document.querySelector('[data-testid=vm-job]'); return job && job.dataset.jobId !== before; }",
            before ?? "", new() { Timeout = 15_000 });
        await Expect(page.GetByTestId("vm-job")).ToHaveAttributeAsync("data-status", "Success", new() { Timeout = 60_000 });
        await Expect(page.GetByTestId("vm-status").First).ToHaveTextAsync(expectedStatus, new() { Timeout = 30_000 });
    }

    private async Task WaitForMirrorAsync()
    {
        var contexts = _portal.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        for (var i = 0; i < 120; i++)
        {
            await using var db = await contexts.CreateDbContextAsync();
            if (await db.VirtualMachines.CountAsync(v => v.Name.StartsWith(_prefix)) == 3)
            {
                return;
            }

            await Task.Delay(500);
        }

        throw new TimeoutException("The sync did not mirror the three instances within 60 s.");
    }
}
