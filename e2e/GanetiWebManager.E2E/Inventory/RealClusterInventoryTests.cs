using System.Diagnostics;
using GanetiWebManager.E2E.Clusters;
using GanetiWebManager.Testing;
using GanetiWebManager.Web.Domain.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GanetiWebManager.E2E.Inventory;

/// <summary>
/// The inventory following the real two-node sandbox, in Chromium (issue 3 §8): the cluster is added through
/// the UI and its nodes and instances appear; what an admin does with gnt-* commands outside the portal
/// (create, tag, stop) shows up on open pages without reloading, and a start from the portal runs its job to
/// success live; and a portal rebuilt from an empty
/// database recovers owners from the ownership tags.
/// </summary>
[Collection(RealClusterPortalGroup.Name)]
public sealed class RealClusterInventoryTests(SyncingPortalInBrowserFixture fixture) : IAsyncLifetime
{
    private readonly SandboxCluster _sandbox = SandboxCluster.FromEnvironment();
    private readonly string _prefix = "e2e" + Guid.NewGuid().ToString("N")[..5];
    private readonly List<string> _created = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _sandbox.DeleteInstancesAsync(_created);
        _sandbox.Dispose();
    }

    [Fact]
    public async Task SandboxAddedThroughTheUi_ItsInventoryAppearsAndFollowsOutsideChanges()
    {
        var (context, page, errors) = await fixture.NewPageAsync();
        await using var _ = context;
        var registry = new ClusterRegistryUi(page);
        await registry.SignInAsSuperuserAsync();
        await registry.AddSandboxClusterAsync("sandbox");
        await registry.WaitForFirstSyncAsync("sandbox");

        // Its nodes and instances appear.
        await page.GotoAsync("/clusters/sandbox?tab=nodes");
        foreach (var node in _sandbox.Nodes)
        {
            await Expect(page.Locator($"[data-testid=node-row][data-node=\"{node}\"]")).ToBeVisibleAsync();
        }

        // As many VMs as Ganeti has (read again while waiting: the cluster may be busy with other work).
        await page.GotoAsync("/vms?cluster=sandbox");
        var summary = page.GetByTestId("vm-pager-summary").First;
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var count = (await _sandbox.Rapi.GetInstanceNamesAsync()).Count;
            var shown = await summary.TextContentAsync() ?? "";
            if (System.Text.RegularExpressions.Regex.IsMatch(shown, $@"(^| of ){count} VMs?$"))
            {
                break;
            }

            deadline.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(30), $"the list shows '{shown}', Ganeti has {count} instances");
            await Task.Delay(500);
        }

        // An instance created outside the portal arrives as an orphan on the open list, without a reload.
        await page.GotoAsync($"/vms?cluster=sandbox&q={_prefix}");
        await Expect(page.GetByTestId("vms-empty")).ToBeVisibleAsync();
        await page.MarkDocumentAsync();
        var name = await CreateOutsideAsync("web");
        var row = page.Locator($"[data-testid=vm-row][data-vm=\"{name}\"]");
        await Expect(row).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Expect(row.GetByTestId("vm-owner")).ToHaveTextAsync("orphan");
        await page.ShouldNotHaveReloadedAsync();

        // gnt-instance add-tags gwm:owner:user:<name> makes it that user's at the next sync.
        var owner = await CreateUserAsync(fixture.Portal.Services, "owner-" + _prefix);
        await row.GetByTestId("vm-name").ClickAsync();
        await Expect(page.GetByTestId("vm-facts")).ToBeVisibleAsync();
        await page.MarkDocumentAsync();
        await GntAsync("gnt-instance", "add-tags", name, $"gwm:owner:user:{owner}");
        await Expect(page.GetByTestId("vm-owner").First).ToContainTextAsync(owner, new() { Timeout = 30_000 });

        // Stopped outside the portal: the open page's status follows.
        await Expect(page.GetByTestId("vm-status").First).ToHaveTextAsync("running");
        await GntAsync("gnt-instance", "shutdown", "--timeout=0", name);
        await Expect(page.GetByTestId("vm-status").First).ToHaveTextAsync("ADMIN_down", new() { Timeout = 30_000 });
        await page.ShouldNotHaveReloadedAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(PortalInBrowserFixture.ArtifactsDirectory, "real-vm-stopped-outside.png"), FullPage = true });

        // Started from the portal: the job is shown running live, ends in success, and the status follows.
        await Expect(page.Locator("[data-testid=vm-power-actions][data-interactive=true]")).ToBeVisibleAsync();
        await page.GetByTestId("vm-start").ClickAsync();
        var job = page.GetByTestId("vm-job");
        await Expect(page.GetByTestId("vm-job-operation")).ToHaveTextAsync("Start");
        await Expect(job).ToHaveAttributeAsync("data-status", "Success", new() { Timeout = 60_000 });
        await Expect(page.GetByTestId("vm-status").First).ToHaveTextAsync("running", new() { Timeout = 30_000 });
        await page.ShouldNotHaveReloadedAsync();
        errors.ShouldBeEmpty();
    }

    [Fact]
    public async Task PortalRebuiltFromAnEmptyDatabase_RecoversOwnersOnceTheUsersExistAgain()
    {
        var ownerName = "back-" + _prefix;
        var name = await CreateOutsideAsync("own", tags: [$"gwm:owner:user:{ownerName}"]);

        // A brand-new portal database: the cluster is registered again, the user does not exist yet.
        await using var database = await TestDatabase.CreateAsync("rebuilt");
        await using var portal = new PortalFactory(database, kestrel: true, new Dictionary<string, string?>
        {
            ["Sync:Enabled"] = "true",
            ["Sync:ConfigInterval"] = "00:00:02",
        });
        var (context, page, _) = await NewPageOnAsync(portal);
        await using var _ = context;
        var registry = new ClusterRegistryUi(page);
        await registry.SignInAsSuperuserAsync();
        await registry.AddSandboxClusterAsync("sandbox");
        await registry.WaitForFirstSyncAsync("sandbox");

        await page.GotoAsync($"/clusters/sandbox/vms/{name}");
        await Expect(page.GetByTestId("vm-owner").First).ToHaveTextAsync("orphan");
        await page.MarkDocumentAsync();

        await CreateUserAsync(portal.Services, ownerName);

        await Expect(page.GetByTestId("vm-owner").First).ToContainTextAsync(ownerName, new() { Timeout = 30_000 });
        await page.ShouldNotHaveReloadedAsync();
    }

    private async Task<(IBrowserContext, IPage, List<string>)> NewPageOnAsync(PortalFactory portal)
    {
        var context = await fixture.Browser.NewContextAsync(new() { BaseURL = portal.BaseUrl, ViewportSize = new() { Width = 1280, Height = 900 } });
        context.SetDefaultTimeout(30_000);
        return (context, await context.NewPageAsync(), []);
    }

    private async Task<string> CreateOutsideAsync(string suffix, IEnumerable<string>? tags = null)
    {
        var name = $"{_prefix}-{suffix}";
        _created.Add(name);
        return await _sandbox.CreateInstanceAsync(name, tags);
    }

    private static async Task<string> CreateUserAsync(IServiceProvider services, string name)
    {
        await using var scope = services.CreateAsyncScope();
        var result = await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>()
            .CreateAsync(new AppUser { UserName = name, CreatedAt = TimeProvider.System.GetUtcNow() }, "a long e2e password");
        result.Succeeded.ShouldBeTrue();
        return name;
    }

    /// <summary>A gnt-* command on the sandbox's master, as an admin at the cluster would type it.</summary>
    private static async Task GntAsync(params string[] command)
    {
        var script = Environment.GetEnvironmentVariable("GANETI_SANDBOX_SCRIPT")
            ?? throw new InvalidOperationException("GANETI_SANDBOX_SCRIPT is not set: eval \"$(bash vagrant/ganeti-sandbox.sh env)\".");
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { script, "exec" }.Concat(command))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        process.ExitCode.ShouldBe(0, $"{string.Join(' ', command)}: {stderr}");
    }
}
