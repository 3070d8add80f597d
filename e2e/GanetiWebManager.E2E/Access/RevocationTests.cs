using System.Diagnostics;
using GanetiWebManager.FakeRapi;
using GanetiWebManager.Testing;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Access;
using GanetiWebManager.Web.Domain.Accounts;
using GanetiWebManager.Web.Features.Access.Grants;
using GanetiWebManager.Web.Features.Sync;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace GanetiWebManager.E2E.Access;

/// <summary>
/// Issue 4 §5, revocation: a user has a VM's page open in Chromium when their grant is removed. Their next action
/// is refused on the server (no request reaches the cluster) even before the page knows; and once the grant is
/// removed the normal way, the open page stops showing the VM within 5 seconds.
/// </summary>
public sealed class RevocationTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Password = "revocable user's passphrase";
    private FakeRapiServer _fake = null!;
    private TestDatabase _database = null!;
    private PortalFactory _portal = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        _fake = await FakeRapiServer.StartAsync(new FakeClusterOptions { Instances = 3, JobStepDelay = TimeSpan.FromMilliseconds(20) });
        _database = await TestDatabase.CreateAsync("revocation");
        _portal = new PortalFactory(_database, kestrel: true);
        var cluster = await ClusterRegistration.AddAsync(_portal.Services, "fake", _fake.BaseUrl, _fake.CertificateSha256, _fake.WriteUser.Name, _fake.WriteUser.Password);
        var sync = await _portal.Services.GetRequiredService<ClusterSynchronizer>().SyncAsync(cluster.Id, SyncParts.Info | SyncParts.Nodes | SyncParts.Instances | SyncParts.Runtime, CancellationToken.None);
        sync.Succeeded.ShouldBeTrue(sync.Failure?.Message);
        _playwright = await Playwright.CreateAsync();
        _browser = await PortalInBrowserFixture.LaunchChromiumAsync(_playwright);
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _portal.DisposeAsync();
        await _database.DisposeAsync();
        await _fake.DisposeAsync();
    }

    [Fact]
    public async Task GrantRemoved_WhileTheVmPageIsOpen_NextActionRefused_AndThePageLosesTheVmWithin5s()
    {
        var contexts = _portal.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        AppUser user;
        await using (var scope = _portal.Services.CreateAsyncScope())
        {
            user = new AppUser { UserName = "rita", Email = "rita@example.invalid" };
            (await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().CreateAsync(user, Password)).Succeeded.ShouldBeTrue();
        }

        long vmId;
        string vmName;
        await using (var db = await contexts.CreateDbContextAsync())
        {
            var vm = await db.VirtualMachines.OrderBy(v => v.Name).FirstAsync();
            (vmId, vmName) = (vm.Id, vm.Name);
            db.VmGrants.Add(new VmGrant { VirtualMachineId = vmId, UserId = user.Id, Permissions = VmPermissions.Power });
            await db.SaveChangesAsync();
        }

        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = _portal.BaseUrl });
        await using var _ = context;
        var page = await context.NewPageAsync();
        await page.GotoAsync("/account/login");
        await page.GetByLabel("User name").FillAsync("rita");
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();

        await page.GotoAsync(Web.Components.Shared.PortalLinks.Vm("fake", vmName));
        await Expect(page.Locator("[data-testid=vm-power-actions][data-interactive=true]")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("vm-start")).ToBeVisibleAsync();

        // 1. The grant disappears behind the page's back (as another portal instance would do it): the button is
        //    still there, but pressing it is refused by the server and nothing reaches the cluster.
        await using (var db = await contexts.CreateDbContextAsync())
        {
            await db.VmGrants.Where(g => g.VirtualMachineId == vmId).ExecuteDeleteAsync();
        }

        var requests = _fake.RequestLog.JobSubmissions.Count;
        if (await page.GetByTestId("vm-start").IsEnabledAsync())
        {
            await page.GetByTestId("vm-start").ClickAsync();
        }
        else
        {
            await page.GetByTestId("vm-reboot").ClickAsync();
            await page.GetByRole(AriaRole.Alertdialog).GetByRole(AriaRole.Button, new() { Name = "Reboot", Exact = true }).ClickAsync();
        }

        await Expect(page.GetByTestId("vm-action-message")).ToContainTextAsync("You do not have the power permission");
        _fake.RequestLog.JobSubmissions.Count.ShouldBe(requests, "a refused action must not reach the cluster");

        // 2. Granted again and removed the normal way (the Permissions tab's service): the open page drops the VM.
        var admin = await TestPrincipalsFor.SuperuserAsync(_portal.Services);
        var grants = _portal.Services.GetRequiredService<GrantService>();
        (await grants.SetAsync(admin, GrantObject.OfVm(vmId, vmName), PrincipalRef.User(user.Id), (int)VmPermissions.Power, CancellationToken.None)).Succeeded.ShouldBeTrue();
        await Expect(page.GetByTestId("vm-start")).ToBeVisibleAsync(new() { Timeout = 5_000 });
        var clock = Stopwatch.StartNew();
        (await grants.SetAsync(admin, GrantObject.OfVm(vmId, vmName), PrincipalRef.User(user.Id), 0, CancellationToken.None)).Succeeded.ShouldBeTrue();
        await Expect(page.GetByText("Virtual machine not found")).ToBeVisibleAsync(new() { Timeout = 5_000 });
        output.WriteLine($"the open page dropped the VM {clock.ElapsedMilliseconds} ms after the grant was removed");
        await Expect(page.GetByTestId("vm-power-actions")).ToHaveCountAsync(0);
        await page.ScreenshotAsync(new() { Path = Path.Combine(PortalInBrowserFixture.ArtifactsDirectory, "revocation.png"), FullPage = true });
    }
}

/// <summary>The bootstrap superuser as a service call's principal.</summary>
internal static class TestPrincipalsFor
{
    public static Task<System.Security.Claims.ClaimsPrincipal> SuperuserAsync(IServiceProvider services) =>
        GanetiWebManager.Testing.Inventory.TestPrincipals.OfAsync(services, PortalFactory.SuperuserName);
}
