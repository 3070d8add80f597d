using System.Diagnostics;
using GanetiWebManager.Testing;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Access;
using GanetiWebManager.Web.Domain.Accounts;
using GanetiWebManager.Web.Features.Console;
using GanetiWebManager.Web.Features.LiveUpdates;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace GanetiWebManager.E2E.Console;

/// <summary>
/// The console in Chromium against the real sandbox: a kvm instance of our own (a real qemu guest showing
/// SeaBIOS) whose VNC server wants a password (instance hvparam <c>vnc_password_file</c>, set up here), the
/// cluster's VNC password in the portal, and the mapping of every node to the forwarded loopback ports.
/// noVNC must reach "connected" and draw the guest's screen; Ctrl-Alt-Del is sent after confirming; a user
/// whose power grant is revoked sees the console close.
/// </summary>
[Trait("Category", "RealCluster")]
public sealed class ConsoleTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string VncPassword = "c0n-Pw!";
    private const string BobPassword = "bob's console password";
    private readonly SandboxCluster _sandbox = SandboxCluster.FromEnvironment();
    private readonly string _name = "con-" + Guid.NewGuid().ToString("N")[..6] + ".example.com";
    private string PasswordFile => $"/etc/ganeti/{_name}.vnc";
    private TestDatabase _database = null!;
    private PortalFactory _portal = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        // The password file must exist on every node (Ganeti checks it on the nodes when the instance is created).
        for (var node = 1; node <= _sandbox.Nodes.Count; node++)
        {
            await SandboxAsync("exec-node", node.ToString(System.Globalization.CultureInfo.InvariantCulture), "sh", "-c", $"printf '%s\\n' '{VncPassword}' > {PasswordFile}");
        }

        _database = await TestDatabase.CreateAsync("console");
        _portal = new PortalFactory(_database, kestrel: true, settings: new Dictionary<string, string?>
        {
            ["Sync:Enabled"] = "true",
            ["Sync:ConfigInterval"] = "00:00:02",
            ["Sync:RuntimeInterval"] = "00:00:02",
        });
        var job = await _sandbox.Rapi.CreateInstanceAsync(new Rapi.Requests.CreateInstanceRequest
        {
            Name = _name,
            DiskTemplate = "diskless",
            Hypervisor = "kvm",
            OsType = _sandbox.SandboxOs,
            PrimaryNode = _sandbox.Nodes[0],
            Disks = [],
            Nics = [new Rapi.Requests.NicDefinition()],
            BeParams = new Dictionary<string, object?> { ["memory"] = 128, ["vcpus"] = 1 },
            HvParams = new Dictionary<string, object?> { ["vnc_password_file"] = PasswordFile },
            NameCheck = false,
            IpCheck = false,
            Start = true,
        });
        await _sandbox.WaitForSuccessAsync(job);

        var protector = _portal.Services.GetRequiredService<VncPasswordProtector>();
        var vncHost = Environment.GetEnvironmentVariable("GANETI_VNC_HOST") ?? "127.0.0.1";
        var cluster = await _sandbox.RegisterAsync(_portal.Services, customize: c =>
        {
            c.ConsoleAddressMapping = $"* = {vncHost}";
            c.VncPasswordProtected = protector.Protect(VncPassword);
        });
        _portal.Services.GetRequiredService<Web.Features.Sync.SyncRequests>().Request(cluster.Id);

        await using var scope = _portal.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        (await users.CreateAsync(new AppUser { Id = Guid.NewGuid(), UserName = "bob", CreatedAt = TimeProvider.System.GetUtcNow() }, BobPassword)).Succeeded.ShouldBeTrue();

        _playwright = await Playwright.CreateAsync();
        _browser = await PortalInBrowserFixture.LaunchChromiumAsync(_playwright);
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _portal.DisposeAsync();
        await _sandbox.DeleteInstancesAsync([_name]);
        for (var node = 1; node <= _sandbox.Nodes.Count; node++)
        {
            await SandboxAsync("exec-node", node.ToString(System.Globalization.CultureInfo.InvariantCulture), "rm", "-f", PasswordFile);
        }

        _sandbox.Dispose();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task ConsoleTab_ConnectsWithTheClustersVncPassword_ShowsTheGuest_SendsCtrlAltDel()
    {
        var vmId = await WaitForRunningVmAsync();
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = _portal.BaseUrl, ViewportSize = new() { Width = 1280, Height = 900 } });
        await using var _ = context;
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.Console += (_, m) => { if (m.Type == "error") { errors.Add(m.Text); } };
        page.PageError += (_, e) => errors.Add(e);
        await SignInAsync(page, PortalFactory.SuperuserName, PortalFactory.SuperuserPassword);

        await page.GotoAsync(Web.Components.Shared.PortalLinks.Vm("sandbox", _name) + "?tab=console");
        await Expect(page.Locator("[data-testid=console][data-ready=true]")).ToBeVisibleAsync();
        var connect = page.GetByTestId("console-connect");
        await Expect(connect).ToBeEnabledAsync();
        await connect.ClickAsync();

        await Expect(page.GetByTestId("console-status")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 30_000 });
        await Expect(page.GetByTestId("console-status")).ToContainTextAsync("QEMU");
        var canvas = page.GetByTestId("console-screen").Locator("canvas");
        await Expect(canvas).ToBeVisibleAsync();
        // The guest's framebuffer arrives after "connected": wait for SeaBIOS's text to be drawn.
        var shot = await WaitForNonBlankAsync(canvas);
        var path = Path.Combine(PortalInBrowserFixture.ArtifactsDirectory, "console-connected.png");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, shot);
        output.WriteLine($"screenshot: {path}");

        await page.GetByTestId("console-cad").ClickAsync();
        await Expect(page.GetByTestId("console-cad-confirm")).ToContainTextAsync(_name);
        await page.GetByTestId("console-cad-send").ClickAsync();
        await Expect(page.GetByTestId("console-note")).ToHaveTextAsync("Ctrl-Alt-Del sent.");
        await Expect(page.GetByTestId("console-status")).ToHaveAttributeAsync("data-state", "connected");

        await page.GetByTestId("console-disconnect").ClickAsync();
        await Expect(page.GetByTestId("console-status")).ToHaveAttributeAsync("data-state", "disconnected");
        await Expect(page.GetByTestId("console-connect")).ToContainTextAsync("Reconnect");
        // Reconnecting takes a fresh ticket (the first one is spent) and reaches the guest again.
        await page.GetByTestId("console-connect").ClickAsync();
        await Expect(page.GetByTestId("console-status")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 30_000 });
        await page.GetByTestId("console-disconnect").ClickAsync();
        await Expect(page.GetByTestId("console-status")).ToHaveAttributeAsync("data-state", "disconnected");
        errors.ShouldBeEmpty();

        var audit = await AuditActionsAsync(vmId);
        audit.ShouldContain("console.open");
        await WaitForAsync(async () => (await AuditActionsAsync(vmId)).Contains("console.close"), "the close is audited");
    }

    [Fact]
    public async Task PopOutWindow_UserWithPowerGrant_ClosesWhenTheGrantIsRevoked()
    {
        var vmId = await WaitForRunningVmAsync();
        var factory = _portal.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        await using (var db = await factory.CreateDbContextAsync())
        {
            var bob = await db.Users.SingleAsync(u => u.UserName == "bob");
            db.VmGrants.Add(new VmGrant { VirtualMachineId = vmId, UserId = bob.Id, Permissions = VmPermissions.Power });
            await db.SaveChangesAsync();
        }

        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = _portal.BaseUrl });
        await using var _ = context;
        var page = await context.NewPageAsync();
        await SignInAsync(page, "bob", BobPassword);
        await page.GotoAsync(ConsolePanel.PopOutAddress("sandbox", _name));
        // The window connects by itself.
        await Expect(page.GetByTestId("console-status")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 30_000 });

        await using (var db = await factory.CreateDbContextAsync())
        {
            db.VmGrants.RemoveRange(await db.VmGrants.Where(g => g.VirtualMachineId == vmId).ToListAsync());
            await db.SaveChangesAsync();
        }

        // No AccessChanged is published here on purpose: the relay's own periodic re-check must find it. The window
        // shows it one of two ways, whichever comes first: the panel reports the relay's close, or a live update of the
        // VM (the sync runs every 2 s) re-reads the page, which no longer offers this user the console at all.
        var closedPanel = page.Locator("[data-testid=console-status][data-state=disconnected]");
        var consoleGone = page.GetByText("whose console you may open");
        await Expect(closedPanel.Or(consoleGone)).ToBeVisibleAsync(new() { Timeout = 15_000 });
        if (await closedPanel.IsVisibleAsync())
        {
            await Expect(closedPanel).ToContainTextAsync("power permission");
        }

        // Either way the server closed the session itself (and said so in the audit log).
        await WaitForAsync(async () => (await AuditActionsAsync(vmId)).Contains("console.close"), "the revoked session closed and audited");
        await page.ScreenshotAsync(new() { Path = Path.Combine(PortalInBrowserFixture.ArtifactsDirectory, "console-revoked.png") });
        _portal.Services.GetRequiredService<LiveUpdateHub>().Publish(new AccessChanged());
    }

    /// <summary>
    /// Waits until the canvas is not one flat colour (luminance variance of its pixels, read in the browser), then
    /// returns a screenshot of it; fails after 30 s.
    /// </summary>
    private async Task<byte[]> WaitForNonBlankAsync(ILocator canvas)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var variance = await canvas.EvaluateAsync<double>("""
                c => {
                  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                  let sum = 0, squares = 0, n = 0;
                  for (let i = 0; i < d.length; i += 4) {
                    const l = 0.299 * d[i] + 0.587 * d[i + 1] + 0.114 * d[i + 2];
                    sum += l; squares += l * l; n++;
                  }
                  return n === 0 ? 0 : squares / n - (sum / n) * (sum / n);
                }
                """);
            if (variance > 50 || watch.Elapsed > TimeSpan.FromSeconds(30))
            {
                output.WriteLine($"canvas luminance variance {variance:0.0}");
                variance.ShouldBeGreaterThan(50, "the console shows the guest's screen, not a blank canvas");
                return await canvas.ScreenshotAsync();
            }

            await Task.Delay(500);
        }
    }

    private async Task<long> WaitForRunningVmAsync()
    {
        var factory = _portal.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        long id = 0;
        await WaitForAsync(async () =>
        {
            await using var db = await factory.CreateDbContextAsync();
            var vm = await db.VirtualMachines.AsNoTracking().Where(v => v.Name == _name).Select(v => new { v.Id, v.Status, v.NetworkPort }).FirstOrDefaultAsync();
            id = vm?.Id ?? 0;
            return vm is { Status: "running", NetworkPort: not null };
        }, "the sync mirrors the running kvm instance");
        return id;
    }

    private async Task<List<string>> AuditActionsAsync(long vmId)
    {
        await using var db = await _portal.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.AuditLog.AsNoTracking().Where(e => e.VirtualMachineId == vmId).Select(e => e.Action).ToListAsync();
    }

    private static async Task WaitForAsync(Func<Task<bool>> done, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!await done())
        {
            if (watch.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"Waited 60 s for {what}.");
            }

            await Task.Delay(500);
        }
    }

    private static async Task SignInAsync(IPage page, string user, string password)
    {
        await page.GotoAsync("/account/login");
        await page.GetByLabel("User name").FillAsync(user);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/account/login", StringComparison.Ordinal));
    }

    private static async Task SandboxAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Environment.GetEnvironmentVariable("GANETI_SANDBOX_SCRIPT")
            ?? throw new InvalidOperationException("GANETI_SANDBOX_SCRIPT is not set: eval \"$(bash vagrant/ganeti-sandbox.sh env)\"."));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        process.ExitCode.ShouldBe(0, $"ganeti-sandbox.sh {string.Join(' ', arguments)}: {await stdout} {await stderr}");
    }
}
