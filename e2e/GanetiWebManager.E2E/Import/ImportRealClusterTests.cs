using GanetiWebManager.E2E.Accounts;
using GanetiWebManager.Testing;
using GanetiWebManager.Testing.Inventory;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Access;
using GanetiWebManager.Web.Domain.Accounts;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace GanetiWebManager.E2E.Import;

/// <summary>
/// Issue 5 §8, the import part, in Chromium against the real sandbox: an instance created directly in Ganeti (no
/// ownership tag) is an orphan in the portal; the cluster's admin adopts it for group G on /import; U, a member of G
/// with their VM list open, sees it appear without reloading; and Ganeti's copy carries the ownership tag.
/// </summary>
[Trait("Category", "RealCluster")]
public sealed class ImportRealClusterTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Password = "a long enough passphrase";
    private readonly SandboxCluster _sandbox = SandboxCluster.FromEnvironment();
    private readonly string _prefix = "im" + Guid.NewGuid().ToString("N")[..6];
    private TestDatabase _database = null!;
    private PortalFactory _portal = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    private string Orphan => _prefix + "-orp";

    // Names of this run only (a leftover instance's ownership tag would give it to a same-named group).
    private string GroupSlug => "g-" + _prefix;

    private string AdminName => "clusteradmin-" + _prefix;

    private string MemberName => "member-" + _prefix;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync("importe2e");
        _portal = new PortalFactory(_database, kestrel: true, settings: new Dictionary<string, string?>
        {
            ["Sync:Enabled"] = "true",
            ["Sync:ConfigInterval"] = "00:00:02",
            ["Sync:RuntimeInterval"] = "00:00:02",
            ["Sync:JobInterval"] = "00:00:02",
            ["Jobs:PollMinInterval"] = "00:00:00.200",
        });
        await _sandbox.CreateInstanceAsync(Orphan, start: false);
        var cluster = await _sandbox.RegisterAsync(_portal.Services);

        await using (var scope = _portal.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
            foreach (var name in new[] { AdminName, MemberName })
            {
                (await users.CreateAsync(new AppUser { UserName = name }, Password)).Succeeded.ShouldBeTrue();
            }
        }

        var contexts = _portal.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        var group = await new InventoryBuilder(contexts).AddGroupAsync(GroupSlug, "Group " + _prefix);
        await using (var db = await contexts.CreateDbContextAsync())
        {
            var admin = await db.Users.SingleAsync(u => u.UserName == AdminName);
            var member = await db.Users.SingleAsync(u => u.UserName == MemberName);
            db.ClusterGrants.Add(new ClusterGrant { ClusterId = cluster.Id, UserId = admin.Id, Permissions = ClusterPermissions.Admin });
            db.GroupMembers.Add(new GroupMember { GroupId = group.Id, UserId = member.Id });
            await db.SaveChangesAsync();
        }

        _portal.Services.GetRequiredService<Web.Features.Sync.SyncRequests>().Request(cluster.Id);
        _playwright = await Playwright.CreateAsync();
        _browser = await PortalInBrowserFixture.LaunchChromiumAsync(_playwright);
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _portal.DisposeAsync();
        await _sandbox.DeleteInstancesAsync([Orphan]);
        _sandbox.Dispose();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task ClusterAdmin_AdoptsOrphanForGroup_MemberSeesItLive_GanetiCarriesTheTag()
    {
        await WaitForMirrorAsync();

        // U, member of G, has their VM list open: the orphan is not theirs yet.
        await using var memberContext = await _browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = _portal.BaseUrl });
        var member = await memberContext.NewPageAsync();
        await member.SignInAsync(MemberName, Password);
        await member.GotoAsync("/vms");
        await Expect(member.Locator($"[data-testid=vm-row][data-vm='{Orphan}']")).ToHaveCountAsync(0);

        // The cluster's admin finds it among the orphans on /import and adopts it for G.
        await using var adminContext = await _browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = _portal.BaseUrl });
        var admin = await adminContext.NewPageAsync();
        await admin.SignInAsync(AdminName, Password);
        await admin.GotoAsync("/");
        await Expect(admin.GetByTestId("tile-import")).ToBeVisibleAsync();
        await admin.GotoAsync("/import");
        await admin.WaitInteractiveAsync("import-page");
        var row = admin.Locator($"[data-testid=orphans-row][data-vm='{Orphan}']");
        await Expect(row).ToHaveCountAsync(1);
        await row.GetByTestId("orphans-select").CheckAsync();
        await admin.GetByTestId("adopt-owner-search").FillAsync(GroupSlug);
        await admin.GetByTestId("adopt-owner-find").ClickAsync();
        await admin.GetByTestId("adopt-owner").SelectOptionAsync(new SelectOptionValue { Label = "group Group " + _prefix });
        await admin.GetByTestId("adopt-submit").ClickAsync();
        await Expect(admin.Locator("[data-testid=import-result][data-outcome=done]")).ToContainTextAsync(Orphan);
        await Expect(row).ToHaveCountAsync(0);
        await admin.ScreenshotAsync(new() { Path = Path.Combine(PortalInBrowserFixture.ArtifactsDirectory, "import-adopted.png"), FullPage = true });

        // U's open list shows it, pushed by the live update (no reload).
        await Expect(member.Locator($"[data-testid=vm-row][data-vm='{Orphan}']")).ToHaveCountAsync(1, new() { Timeout = 15_000 });

        // The header's search suggests it to U now, and the results page lists it.
        await Expect(member.Locator("[data-testid=search-box][data-interactive=true]")).ToBeVisibleAsync();
        await member.Locator("[data-testid=search-box] input").PressSequentiallyAsync(_prefix, new() { Delay = 30 });
        await Expect(member.GetByTestId("search-suggestion").Filter(new() { HasText = Orphan })).ToHaveCountAsync(1, new() { Timeout = 10_000 });
        await member.GotoAsync("/search?q=" + _prefix);
        await Expect(member.Locator("[data-testid=search-results-virtualmachine] [data-testid=search-result]")).ToContainTextAsync(Orphan);

        // Ganeti carries the ownership tag (written by a job of the outbox).
        var wanted = "gwm:owner:group:" + GroupSlug;
        IReadOnlyList<string> tags = [];
        for (var i = 0; i < 60 && !tags.Contains(wanted); i++)
        {
            tags = await _sandbox.Rapi.GetInstanceTagsAsync(Orphan);
            if (!tags.Contains(wanted))
            {
                await Task.Delay(500);
            }
        }

        output.WriteLine($"{Orphan} tags: {string.Join(", ", tags)}");
        tags.ShouldContain(wanted);

        // The adoption is in the cluster's log, by the admin.
        await admin.GotoAsync("/audit");
        await Expect(admin.Locator("[data-testid=audit-row][data-action='vm.owner.set']").First).ToContainTextAsync(Orphan);
    }

    private async Task WaitForMirrorAsync()
    {
        var contexts = _portal.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        for (var i = 0; i < 120; i++)
        {
            await using var db = await contexts.CreateDbContextAsync();
            if (await db.VirtualMachines.AnyAsync(v => v.Name == Orphan && v.OwnerUserId == null && v.OwnerGroupId == null))
            {
                return;
            }

            await Task.Delay(500);
        }

        throw new TimeoutException("The sync did not mirror the orphan within 60 s.");
    }
}
