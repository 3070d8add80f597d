using GanetiWebManager.E2E.Accounts;
using GanetiWebManager.Rapi.Models;
using GanetiWebManager.Rapi.Requests;
using GanetiWebManager.Testing;
using GanetiWebManager.Web.Components.Shared;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Access;
using GanetiWebManager.Web.Domain.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace GanetiWebManager.E2E.Lifecycle;

/// <summary>
/// Issue 5 §8 (actions part) in Chromium against the real two-node sandbox. A user modifies a VM's memory (the
/// diff shown), reboots it, renames it, bulk-starts three VMs of which one is not theirs to start (2 sent,
/// 1 refused), and deletes VMs by typing their names. An admin live-migrates a sharedfile VM and fails it over
/// back, drains node2 and evacuates its primaries, watching the VM's node change on its page, then undrains node2.
/// Instances are named "ac…" and removed at the end; node2 is left as found.
/// </summary>
[Trait("Category", "RealCluster")]
public sealed class LifecycleActionsRealClusterTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string UserName = "ursula";
    private const string UserPassword = "ursula's long passphrase";
    private readonly SandboxCluster _sandbox = SandboxCluster.FromEnvironment();
    private readonly string _prefix = "ac" + Guid.NewGuid().ToString("N")[..5];
    private readonly List<string> _created = [];
    private TestDatabase _database = null!;
    private PortalFactory _portal = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync("lifecycle");
        _portal = new PortalFactory(_database, kestrel: true, settings: new Dictionary<string, string?>
        {
            ["Sync:Enabled"] = "true",
            ["Sync:ConfigInterval"] = "00:00:02",
            ["Sync:RuntimeInterval"] = "00:00:02",
            ["Sync:NodeInterval"] = "00:00:03",
            ["Sync:JobInterval"] = "00:00:02",
            ["Jobs:PollMinInterval"] = "00:00:00.200",
        });
        await _sandbox.RegisterAsync(_portal.Services);
        _playwright = await Playwright.CreateAsync();
        _browser = await PortalInBrowserFixture.LaunchChromiumAsync(_playwright);
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _portal.DisposeAsync();
        await RestoreNode2Async();
        await _sandbox.DeleteInstancesAsync(_created.Concat(_created.Select(n => n + "-r")));
        _sandbox.Dispose();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task User_ModifiesRebootsRenames_BulkStartsTwoOfThree_DeletesByTypingNames()
    {
        var user = await AddUserAsync();
        var a = await CreateAsync("a", start: true, ownedByUser: true);
        var b = await CreateAsync("b", start: false, ownedByUser: true);
        var c = await CreateAsync("c", start: false, ownedByUser: true);
        var d = await CreateAsync("d", start: false, ownedByUser: false);
        await WaitMirroredAsync([a, b, c, d]);
        await GrantAsync(user.Id, d, VmPermissions.Tags); // d is visible to U, but U may not start it

        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = _portal.BaseUrl, ViewportSize = new() { Width = 1280, Height = 900 } });
        await using var _ = context;
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.Console += (_, m) => { if (m.Type == "error") { errors.Add(m.Text); } };
        await page.SignInAsync(UserName, UserPassword);

        // Modify: memory 128 MiB → 256 MiB, the confirm step shows it in words; Ganeti gets it.
        await page.GotoAsync(PortalLinks.Vm("sandbox", a) + "?tab=manage");
        await page.WaitInteractiveAsync("vm-manage");
        await page.GetByTestId("vm-modify-memory").FillAsync("256");
        await page.GetByTestId("vm-modify-review").ClickAsync();
        await Expect(page.GetByTestId("vm-modify-diff")).ToContainTextAsync("memory increased from 128 MiB to 256 MiB");
        await page.GetByTestId("vm-modify-save").ClickAsync();
        await Expect(page.GetByTestId("vm-manage-message")).ToContainTextAsync("queued");
        await WaitForAsync(async () => (await _sandbox.Rapi.GetInstanceAsync(a)).BeParams.TryGetValue("maxmem", out var m) && m.ToString() == "256", "maxmem 256 in Ganeti");
        await page.GotoAsync(PortalLinks.Vm("sandbox", a));
        await Expect(page.GetByTestId("vm-memory")).ToHaveTextAsync("256 MiB", new() { Timeout = 30_000 });

        // Reboot (the power buttons), followed to its end.
        await page.WaitInteractiveAsync("vm-power-actions");
        await page.GetByTestId("vm-reboot").ClickAsync();
        await page.GetByRole(AriaRole.Alertdialog).GetByRole(AriaRole.Button, new() { Name = "Reboot", Exact = true }).ClickAsync();
        await Expect(page.GetByTestId("vm-job-operation")).ToHaveTextAsync("Reboot", new() { Timeout = 30_000 });
        await Expect(page.GetByTestId("vm-job")).ToHaveAttributeAsync("data-status", "Success", new() { Timeout = 60_000 });

        // Rename (Ganeti renames only stopped instances: power it off first); the page at the new address shows it.
        await page.GetByTestId("vm-poweroff").ClickAsync();
        await page.GetByRole(AriaRole.Alertdialog).GetByRole(AriaRole.Button, new() { Name = "Power off", Exact = true }).ClickAsync();
        await Expect(page.GetByTestId("vm-job-operation")).ToHaveTextAsync("Shut down", new() { Timeout = 30_000 });
        await Expect(page.GetByTestId("vm-job")).ToHaveAttributeAsync("data-status", "Success", new() { Timeout = 60_000 });
        await Expect(page.GetByTestId("vm-status").First).ToHaveTextAsync("ADMIN_down", new() { Timeout = 30_000 });
        var renamed = a + "-r";
        await page.GotoAsync(PortalLinks.Vm("sandbox", a) + "?tab=manage");
        await page.WaitInteractiveAsync("vm-manage");
        await page.GetByTestId("vm-rename-name").FillAsync(renamed);
        await page.GetByTestId("vm-rename").ClickAsync();
        await Expect(page.GetByTestId("vm-manage-message")).ToContainTextAsync("queued");
        await WaitForAsync(async () => (await _sandbox.Rapi.GetInstanceNamesAsync()).Contains(renamed), $"{renamed} in Ganeti");
        await page.GotoAsync(PortalLinks.Vm("sandbox", renamed));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = renamed })).ToBeVisibleAsync(new() { Timeout = 30_000 });

        // Bulk start of three: two are U's, one U may only see. One line each: 2 sent, 1 refused.
        await page.GotoAsync("/vms?q=" + _prefix);
        await page.WaitInteractiveAsync("vm-bulk");
        foreach (var name in new[] { b, c, d })
        {
            await page.Locator($"[data-testid=vm-row][data-vm='{name}'] [data-testid=vm-select]").CheckAsync();
        }

        await Expect(page.GetByTestId("vm-bulk-count")).ToHaveTextAsync("3 selected");
        await page.GetByTestId("vm-bulk-start").ClickAsync();
        await page.GetByRole(AriaRole.Alertdialog).GetByRole(AriaRole.Button, new() { Name = "Start", Exact = true }).ClickAsync();
        await Expect(page.GetByTestId("vm-bulk-summary")).ToHaveTextAsync("2 sent, 1 refused, of 3.", new() { Timeout = 30_000 });
        await Expect(page.Locator($"[data-testid=vm-bulk-line][data-vm='{d}']")).ToHaveAttributeAsync("data-outcome", "Refused");
        await Expect(page.Locator($"[data-testid=vm-bulk-line][data-vm='{d}']")).ToContainTextAsync("permission");
        await page.ScreenshotAsync(new() { Path = Path.Combine(PortalInBrowserFixture.ArtifactsDirectory, "lifecycle-bulk-start.png"), FullPage = true });
        await WaitForAsync(async () => (await _sandbox.Rapi.GetInstanceAsync(b)).Status == "running" && (await _sandbox.Rapi.GetInstanceAsync(c)).Status == "running", "b and c running");
        (await _sandbox.Rapi.GetInstanceAsync(d)).Status.ShouldNotBe("running");

        // Delete by typing the name: the renamed VM from its page (pending delete shows), b and c in bulk.
        await page.GotoAsync(PortalLinks.Vm("sandbox", renamed) + "?tab=manage");
        await page.WaitInteractiveAsync("vm-manage");
        await Expect(page.GetByTestId("vm-delete")).ToBeDisabledAsync();
        await page.GetByTestId("vm-delete-name").FillAsync(renamed);
        await page.GetByTestId("vm-delete").ClickAsync();
        await Expect(page.GetByTestId("vm-pending-delete")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await page.GotoAsync("/vms?q=" + _prefix);
        await page.WaitInteractiveAsync("vm-bulk");
        await WaitForAsync(async () => !(await _sandbox.Rapi.GetInstanceNamesAsync()).Contains(renamed), $"{renamed} deleted");
        foreach (var name in new[] { b, c })
        {
            await page.Locator($"[data-testid=vm-row][data-vm='{name}'] [data-testid=vm-select]").CheckAsync();
        }

        await page.GetByTestId("vm-bulk-delete-open").ClickAsync();
        await page.GetByTestId("vm-bulk-delete-names").FillAsync($"{b} {c}");
        await page.GetByTestId("vm-bulk-delete").ClickAsync();
        await Expect(page.GetByTestId("vm-bulk-summary")).ToHaveTextAsync("2 sent, 0 refused, of 2.", new() { Timeout = 30_000 });
        await WaitForAsync(async () => !(await _sandbox.Rapi.GetInstanceNamesAsync()).Any(n => n == b || n == c), "b and c deleted");
        await Expect(page.Locator($"[data-testid=vm-row][data-vm='{b}']")).ToHaveCountAsync(0, new() { Timeout = 30_000 });
        errors.ShouldBeEmpty();
    }

    [Fact]
    public async Task Admin_MigratesAndFailsOverSharedfile_DrainsAndEvacuatesNode2_WatchesTheNodeChangeLive()
    {
        var node1 = _sandbox.Nodes[0];
        var node2 = _sandbox.Nodes[1];
        var s = await CreateSharedfileAsync("s");
        await WaitMirroredAsync([s]);

        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = _portal.BaseUrl, ViewportSize = new() { Width = 1280, Height = 900 } });
        await using var _ = context;
        var page = await context.NewPageAsync();
        await page.SignInAsync(PortalFactory.SuperuserName, PortalFactory.SuperuserPassword);
        // A second tab stays on the VM's overview: its primary node must change there without a reload.
        var watcher = await context.NewPageAsync();
        await watcher.GotoAsync(PortalLinks.Vm("sandbox", s));
        var primary = watcher.GetByTestId("vm-primary-node");
        await Expect(primary).ToHaveTextAsync(node1, new() { Timeout = 30_000 });

        // Live migration to node2, then a failover back to node1.
        await page.GotoAsync(PortalLinks.Vm("sandbox", s) + "?tab=manage");
        await page.WaitInteractiveAsync("vm-manage");
        await page.GetByTestId("vm-move-target").SelectOptionAsync(node2);
        await page.GetByTestId("vm-migrate-live").CheckAsync();
        await page.GetByTestId("vm-migrate").ClickAsync();
        await page.GetByRole(AriaRole.Alertdialog).GetByRole(AriaRole.Button, new() { Name = "Migrate", Exact = true }).ClickAsync();
        await Expect(page.GetByTestId("vm-manage-message")).ToContainTextAsync("queued");
        await Expect(primary).ToHaveTextAsync(node2, new() { Timeout = 60_000 });
        output.WriteLine($"{s} migrated live to {node2}");

        await page.GetByTestId("vm-move-target").SelectOptionAsync(node1);
        await page.GetByTestId("vm-failover").ClickAsync();
        await page.GetByRole(AriaRole.Alertdialog).GetByRole(AriaRole.Button, new() { Name = "Fail over", Exact = true }).ClickAsync();
        await Expect(primary).ToHaveTextAsync(node1, new() { Timeout = 60_000 });
        output.WriteLine($"{s} failed over back to {node1}");

        // Put it on node2 again (directly: this part is about the node), then drain node2 and evacuate it.
        await _sandbox.WaitForSuccessAsync(await _sandbox.Rapi.MigrateInstanceAsync(s, new MigrateInstanceRequest { TargetNode = node2 }));
        await Expect(primary).ToHaveTextAsync(node2, new() { Timeout = 60_000 });
        await page.GotoAsync(PortalLinks.Node("sandbox", node2));
        await page.WaitInteractiveAsync("node-actions");
        await page.GetByTestId("node-role").SelectOptionAsync("Drained");
        await page.GetByTestId("node-role-set").ClickAsync();
        await page.GetByRole(AriaRole.Alertdialog).GetByRole(AriaRole.Button, new() { Name = "Set role", Exact = true }).ClickAsync();
        await Expect(page.GetByTestId("node-action-message")).ToContainTextAsync("queued");
        await WaitForAsync(async () => (await _sandbox.Rapi.GetNodeAsync(node2)).Drained == true, $"{node2} drained");

        await page.GetByTestId("node-evacuate-mode").SelectOptionAsync("PrimaryOnly");
        await page.GetByTestId("node-evacuate").ClickAsync();
        await page.GetByRole(AriaRole.Alertdialog).GetByRole(AriaRole.Button, new() { Name = "Evacuate", Exact = true }).ClickAsync();
        await Expect(page.GetByTestId("node-action-message")).ToContainTextAsync("queued", new() { Timeout = 30_000 });
        await Expect(primary).ToHaveTextAsync(node1, new() { Timeout = 90_000 });
        output.WriteLine($"{node2} evacuated: {s} is back on {node1}");
        // The move was a child job of the evacuation, listed with the node's jobs.
        await Expect(page.GetByTestId("node-jobs").GetByText("Evacuate")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await page.ScreenshotAsync(new() { Path = Path.Combine(PortalInBrowserFixture.ArtifactsDirectory, "lifecycle-evacuate.png"), FullPage = true });

        // Undrain: node2 back to master candidate, as it was.
        await page.GetByTestId("node-role").SelectOptionAsync("MasterCandidate");
        await page.GetByTestId("node-role-set").ClickAsync();
        await page.GetByRole(AriaRole.Alertdialog).GetByRole(AriaRole.Button, new() { Name = "Set role", Exact = true }).ClickAsync();
        await WaitForAsync(async () => (await _sandbox.Rapi.GetNodeAsync(node2)) is { Drained: false, Offline: false }, $"{node2} undrained");
    }

    private async Task<AppUser> AddUserAsync()
    {
        await using var scope = _portal.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var user = new AppUser { Id = Guid.NewGuid(), UserName = UserName, CreatedAt = TimeProvider.System.GetUtcNow() };
        (await users.CreateAsync(user, UserPassword)).Succeeded.ShouldBeTrue();
        return user;
    }

    /// <summary>A small fake-hypervisor instance; "owned" ones carry U's ownership tag, which the sync turns into the owner.</summary>
    private async Task<string> CreateAsync(string suffix, bool start, bool ownedByUser)
    {
        var name = $"{_prefix}-{suffix}";
        _created.Add(name);
        await _sandbox.CreateInstanceAsync(name, ownedByUser ? [$"gwm:owner:user:{UserName}"] : null, start);
        return name;
    }

    private async Task<string> CreateSharedfileAsync(string suffix)
    {
        var name = $"{_prefix}-{suffix}";
        _created.Add(name);
        var job = await _sandbox.Rapi.CreateInstanceAsync(new CreateInstanceRequest
        {
            Name = name,
            DiskTemplate = "sharedfile",
            Hypervisor = "fake",
            OsType = _sandbox.SandboxOs,
            PrimaryNode = _sandbox.Nodes[0],
            Disks = [new DiskDefinition { Size = 1024 }], // the sandbox ipolicy's smallest disk
            Nics = [new NicDefinition()],
            BeParams = new Dictionary<string, object?> { ["memory"] = 128, ["vcpus"] = 1 },
            Start = true,
        });
        await _sandbox.WaitForSuccessAsync(job);
        return name;
    }

    private async Task WaitMirroredAsync(IReadOnlyList<string> names)
    {
        var contexts = _portal.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        await WaitForAsync(async () =>
        {
            await using var db = await contexts.CreateDbContextAsync();
            return await db.VirtualMachines.CountAsync(v => names.Contains(v.Name) && v.Status != null) == names.Count;
        }, "the instances mirrored");
    }

    private async Task GrantAsync(Guid userId, string vmName, VmPermissions permissions)
    {
        var contexts = _portal.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        await using var db = await contexts.CreateDbContextAsync();
        var vmId = await db.VirtualMachines.Where(v => v.Name == vmName).Select(v => v.Id).SingleAsync();
        db.VmGrants.Add(new VmGrant { VirtualMachineId = vmId, UserId = userId, Permissions = permissions });
        await db.SaveChangesAsync();
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what, int seconds = 90)
    {
        var until = TimeProvider.System.GetUtcNow().AddSeconds(seconds);
        while (TimeProvider.System.GetUtcNow() < until)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(500);
        }

        throw new TimeoutException($"Waited {seconds} s for {what}.");
    }

    /// <summary>Leaves node2 as found (not drained, not offline) even when the test stopped half-way.</summary>
    private async Task RestoreNode2Async()
    {
        var node2 = _sandbox.Nodes[1];
        var info = await _sandbox.Rapi.GetNodeAsync(node2);
        if (info.Drained == true || info.Offline == true)
        {
            await _sandbox.WaitForSuccessAsync(await _sandbox.Rapi.SetNodeRoleAsync(node2, NodeRole.MasterCandidate, new SetNodeRoleOptions { AutoPromote = true }));
        }
    }
}
