using GanetiWebManager.Testing;
using Microsoft.Playwright;

namespace GanetiWebManager.E2E;

/// <summary>
/// One portal (on its own database) and one Chromium for a test collection. Chromium is Debian's
/// (CHROMIUM_PATH, default /usr/bin/chromium): Playwright cannot download browsers here.
/// </summary>
public class PortalInBrowserFixture : IAsyncLifetime
{
    private IPlaywright _playwright = null!;

    public PortalFactory Portal { get; private set; } = null!;

    /// <summary>Settings for the portal under test, on top of PortalFactory's.</summary>
    protected virtual IDictionary<string, string?>? Settings => null;

    public IBrowser Browser { get; private set; } = null!;

    public static string ArtifactsDirectory =>
        Path.Combine(Environment.GetEnvironmentVariable("GWM_ARTIFACTS_DIR") ?? Path.Combine(AppContext.BaseDirectory, "artifacts"), "e2e");

    public async Task InitializeAsync()
    {
        var chromium = Environment.GetEnvironmentVariable("CHROMIUM_PATH") ?? "/usr/bin/chromium";
        if (!File.Exists(chromium))
        {
            throw new InvalidOperationException($"Chromium not found at {chromium}. Run `sudo ./build.sh test` (it installs Debian's chromium) or set CHROMIUM_PATH.");
        }

        var database = await TestDatabase.CreateAsync("e2e");
        Portal = new PortalFactory(database, kestrel: true, Settings);
        _playwright = await Playwright.CreateAsync();
        Browser = await LaunchChromiumAsync(_playwright);
        Directory.CreateDirectory(ArtifactsDirectory);

        // A 2-core CI machine running the portal, PostgreSQL, Ganeti and Chromium at once is slow at times:
        // generous waits keep the tests about behaviour, not about the machine's load.
        Assertions.SetDefaultExpectTimeout(15_000);
    }

    /// <summary>Debian's headless Chromium as every browser test uses it.</summary>
    public static Task<IBrowser> LaunchChromiumAsync(IPlaywright playwright) =>
        playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("CHROMIUM_PATH") ?? "/usr/bin/chromium",
            Headless = true,
            // Root in CI needs --no-sandbox; the rest stop Chromium from calling home on a closed network.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
        await Portal.DisposeAsync();
        await Portal.Database.DisposeAsync();
    }

    /// <summary>A fresh browser context (own cookies) with a page that records console errors.</summary>
    public async Task<(IBrowserContext Context, IPage Page, List<string> ConsoleErrors)> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = Portal.BaseUrl, ViewportSize = new() { Width = 1280, Height = 900 } });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                errors.Add(message.Text);
            }
        };
        page.PageError += (_, error) => errors.Add(error);
        return (context, page, errors);
    }
}

[CollectionDefinition(Name)]
public sealed class PortalInBrowserGroup : ICollectionFixture<PortalInBrowserFixture>
{
    public const string Name = "portal in browser";
}

/// <summary>A portal whose background sync runs, on short intervals, for tests against the real cluster.</summary>
public sealed class SyncingPortalInBrowserFixture : PortalInBrowserFixture
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Sync:Enabled"] = "true",
        ["Sync:ConfigInterval"] = "00:00:02",
        ["Sync:RuntimeInterval"] = "00:00:02",
        ["Sync:NodeInterval"] = "00:00:05",
    };
}

[CollectionDefinition(Name)]
public sealed class RealClusterPortalGroup : ICollectionFixture<SyncingPortalInBrowserFixture>
{
    public const string Name = "real cluster portal in browser";
}

/// <summary>
/// A portal of their own for the inventory page tests: they assert exact counts of seeded clusters, which
/// tests that register real clusters on the shared portal would change.
/// </summary>
[CollectionDefinition(Name)]
public sealed class InventoryPortalGroup : ICollectionFixture<PortalInBrowserFixture>
{
    public const string Name = "inventory portal in browser";
}
