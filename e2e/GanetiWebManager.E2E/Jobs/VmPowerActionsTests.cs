using System.Text.RegularExpressions;
using GanetiWebManager.Testing;
using GanetiWebManager.Web.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace GanetiWebManager.E2E.Jobs;

/// <summary>
/// The VM page's power actions in Chromium against the real sandbox: each button (confirmed where it asks) runs a
/// job that the page shows progressing and ending in success, and the VM's status chip follows, without reloading.
/// </summary>
[Trait("Category", "RealCluster")]
public sealed class VmPowerActionsTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly SandboxCluster _sandbox = SandboxCluster.FromEnvironment();
    private readonly string _name = "jb" + Guid.NewGuid().ToString("N")[..6] + "-ui";
    private TestDatabase _database = null!;
    private PortalFactory _portal = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync("power");
        _portal = new PortalFactory(_database, kestrel: true, settings: new Dictionary<string, string?>
        {
            ["Sync:Enabled"] = "true",
            ["Sync:ConfigInterval"] = "00:00:02",
            ["Sync:RuntimeInterval"] = "00:00:02",
            ["Sync:JobInterval"] = "00:00:02",
            ["Jobs:PollMinInterval"] = "00:00:00.200",
        });
        await _sandbox.CreateInstanceAsync(_name, start: false);
        var cluster = await _sandbox.RegisterAsync(_portal.Services);
        _portal.Services.GetRequiredService<GanetiWebManager.Web.Features.Sync.SyncRequests>().Request(cluster.Id);
        _playwright = await Playwright.CreateAsync();
        _browser = await PortalInBrowserFixture.LaunchChromiumAsync(_playwright);
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _portal.DisposeAsync();
        await _sandbox.DeleteInstancesAsync([_name]);
        _sandbox.Dispose();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task EveryPowerAction_RunsItsJobLiveToSuccess_AndTheStatusChipFollows()
    {
        var vmId = await WaitForVmAsync();
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = _portal.BaseUrl });
        await using var _ = context;
        var page = await context.NewPageAsync();
        var consoleErrors = new List<string>();
        page.Console += (_, m) => { if (m.Type == "error") { consoleErrors.Add(m.Text); } };
        await SignInAsync(page);

        await page.GotoAsync(Web.Components.Shared.PortalLinks.Vm("sandbox", _name));
        await Expect(page.Locator("[data-testid=vm-power-actions][data-interactive=true]")).ToBeVisibleAsync();
        // Every job state the page shows, in order, recorded in the browser (a fast job passes through in a blink).
        await page.EvaluateAsync("""
            () => {
              window.gwmJobStates = [];
              const record = () => {
                const job = document.querySelector('[data-testid=vm-job]');
                const state = job ? job.dataset.jobId + ':' + job.dataset.status : null;
                if (state && window.gwmJobStates[window.gwmJobStates.length - 1] !== state) window.gwmJobStates.push(state);
              };
              new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status', 'data-job-id'] });
            }
            """);
        // The page's status chip (in the header; the overview tab shows it again).
        var status = page.GetByTestId("vm-status").First;
        await Expect(status).ToHaveTextAsync("ADMIN_down");

        await RunAsync(page, "vm-start", confirm: null, expectedOperation: "Start", expectedStatus: "running");
        await RunAsync(page, "vm-shutdown", confirm: "Shut down", expectedOperation: "Shut down", expectedStatus: "ADMIN_down");
        await RunAsync(page, "vm-start", confirm: null, expectedOperation: "Start", expectedStatus: "running");
        await RunAsync(page, "vm-reboot", confirm: "Reboot", expectedOperation: "Reboot", expectedStatus: "running");
        await RunAsync(page, "vm-reset", confirm: "Reset", expectedOperation: "Reboot", expectedStatus: "running");
        await RunAsync(page, "vm-poweroff", confirm: "Power off", expectedOperation: "Shut down", expectedStatus: "ADMIN_down");

        await page.ScreenshotAsync(new() { Path = Path.Combine(PortalInBrowserFixture.ArtifactsDirectory, "vm-power-actions.png"), FullPage = true });
        consoleErrors.ShouldBeEmpty();
    }

    private async Task RunAsync(IPage page, string button, string? confirm, string expectedOperation, string expectedStatus)
    {
        var before = await page.GetByTestId("vm-job").GetAttributeAsync("data-job-id");
        await page.GetByTestId(button).ClickAsync();
        if (confirm is not null)
        {
            // The dialog names the consequence; nothing is sent until the user confirms.
            var dialog = page.GetByRole(AriaRole.Alertdialog);
            await Expect(dialog).ToBeVisibleAsync();
            (await page.GetByTestId("vm-job").GetAttributeAsync("data-job-id")).ShouldBe(before);
            await dialog.GetByRole(AriaRole.Button, new() { Name = confirm, Exact = true }).ClickAsync();
        }

        var job = page.GetByTestId("vm-job");
        await page.WaitForFunctionAsync(
            "before => { const job = document.querySelector('[data-testid=vm-job]'); return job && job.dataset.jobId !== before; }",
            before ?? "", new() { Timeout = 15_000 });
        var jobId = await job.GetAttributeAsync("data-job-id");
        await Expect(page.GetByTestId("vm-job-operation")).ToHaveTextAsync(expectedOperation);
        await Expect(job).ToHaveAttributeAsync("data-status", "Success", new() { Timeout = 60_000 });
        await Expect(page.GetByTestId("vm-job-status")).ToHaveTextAsync("Succeeded");
        await Expect(page.GetByTestId("vm-status").First).ToHaveTextAsync(expectedStatus, new() { Timeout = 30_000 });

        var states = (await page.EvaluateAsync<string[]>("() => window.gwmJobStates")).Where(s => s.StartsWith(jobId + ":", StringComparison.Ordinal)).Select(s => s[(jobId!.Length + 1)..]).ToList();
        output.WriteLine($"{button}: job {jobId} showed {string.Join(" → ", states)}");
        states[^1].ShouldBe("Success");
        states.Count.ShouldBeGreaterThan(1, $"the page showed the job before its end, not only its result ({string.Join(", ", states)})");
        states[..^1].ShouldAllBe(s => Regex.IsMatch(s, "^(Pending|Queued|Waiting|Running)$"));
    }

    private async Task<long> WaitForVmAsync()
    {
        var factory = _portal.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        for (var attempt = 0; attempt < 150; attempt++)
        {
            await using var db = await factory.CreateDbContextAsync();
            var id = await db.VirtualMachines.Where(v => v.Name == _name && v.Status != null).Select(v => v.Id).FirstOrDefaultAsync();
            if (id != 0)
            {
                return id;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"{_name} was not mirrored within 30 s.");
    }

    private static async Task SignInAsync(IPage page)
    {
        await page.GotoAsync("/account/login");
        await page.GetByLabel("User name").FillAsync(PortalFactory.SuperuserName);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(PortalFactory.SuperuserPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();
    }
}
