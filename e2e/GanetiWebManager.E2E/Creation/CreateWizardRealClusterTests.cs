using GanetiWebManager.E2E.Accounts;
using GanetiWebManager.Testing;
using GanetiWebManager.Web.Components.Shared;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Access;
using GanetiWebManager.Web.Domain.Accounts;
using GanetiWebManager.Web.Domain.Quotas;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace GanetiWebManager.E2E.Creation;

/// <summary>
/// Issue 5 §8 (the wizard's part) in Chromium against the real sandbox: U, a member of G (create_vm on the cluster and
/// a quota), creates a kvm diskless VM through the wizard as G, watches it come up, and the instance Ganeti holds is
/// compared with what was entered; U saves it as a template and creates a second VM from it; a third would exceed G's
/// quota and is refused in the form. A create whose OS script fails (osparams fail=true, file disk) shows Ganeti's
/// decoded error, and "retry" re-opens the wizard pre-filled and then works. Instances are named wz…, deleted at the end.
/// </summary>
[Trait("Category", "RealCluster")]
public sealed class CreateWizardRealClusterTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Password = "ulla's long passphrase";
    private static readonly TimeSpan Slow = TimeSpan.FromSeconds(150);
    private readonly SandboxCluster _sandbox = SandboxCluster.FromEnvironment();
    private readonly string _run = Guid.NewGuid().ToString("N")[..5];
    private readonly List<string> _created = [];
    private TestDatabase _database = null!;
    private PortalFactory _portal = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    private string UserName => "ulla-" + _run;

    private string GroupSlug => "wzgrp-" + _run;

    private string Vm(string suffix)
    {
        var name = $"wz{_run}{suffix}";
        _created.Add(name);
        return name;
    }

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync("createwizard");
        _portal = new PortalFactory(_database, kestrel: true, settings: new Dictionary<string, string?>
        {
            ["Sync:Enabled"] = "true",
            ["Sync:ConfigInterval"] = "00:00:02",
            ["Sync:RuntimeInterval"] = "00:00:02",
            ["Sync:JobInterval"] = "00:00:02",
            ["Jobs:PollMinInterval"] = "00:00:00.200",
        });
        var cluster = await _sandbox.RegisterAsync(_portal.Services);
        _portal.Services.GetRequiredService<Web.Features.Sync.SyncRequests>().Request(cluster.Id);

        var user = new AppUser { Id = Guid.NewGuid(), UserName = UserName, CreatedAt = TimeProvider.System.GetUtcNow() };
        await using (var scope = _portal.Services.CreateAsyncScope())
        {
            (await scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>().CreateAsync(user, Password)).Succeeded.ShouldBeTrue();
        }

        await using (var db = await _portal.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            var group = new Group { Slug = GroupSlug, Name = "Wizards " + _run, CreatedAt = TimeProvider.System.GetUtcNow() };
            db.Groups.Add(group);
            await db.SaveChangesAsync();
            db.GroupMembers.Add(new GroupMember { GroupId = group.Id, UserId = user.Id });
            db.ClusterGrants.Add(new ClusterGrant { ClusterId = cluster.Id, GroupId = group.Id, Permissions = ClusterPermissions.CreateVm });
            // Room for exactly two 256 MiB, 1 vCPU VMs: the third is over quota.
            db.QuotaOverrides.Add(new QuotaOverride { ClusterId = cluster.Id, GroupId = group.Id, RamMiB = 512, DiskMiB = 8192, Vcpus = 2, UpdatedAt = TimeProvider.System.GetUtcNow() });
            await db.SaveChangesAsync();
        }

        // The wizard's choices (OS list, hypervisors, policy) come with the first sync of the cluster info.
        var contexts = _portal.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        for (var i = 0; i < 120; i++)
        {
            await using var db = await contexts.CreateDbContextAsync();
            if (await db.Clusters.AnyAsync(c => c.Id == cluster.Id && c.Info.OperatingSystems.Count > 0 && c.Sync.LastSuccessAt != null))
            {
                break;
            }

            await Task.Delay(500);
        }

        _playwright = await Playwright.CreateAsync();
        _browser = await PortalInBrowserFixture.LaunchChromiumAsync(_playwright);
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _portal.DisposeAsync();
        await _sandbox.DeleteInstancesAsync(_created);
        _sandbox.Dispose();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task Wizard_KvmDisklessAsGroup_MatchesWhatGanetiHolds_SavedAsTemplate_SecondFromTemplate_ThirdOverQuota()
    {
        var page = await SignedInPageAsync();
        var first = Vm("a");

        await OpenWizardAsync(page, "/vms/create");
        await NextAsync(page, "owner");
        await Expect(page.Locator("#owner")).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("^group:"));
        await page.Locator("#instance-name").FillAsync(first);
        await NextAsync(page, "basics");
        await page.Locator("#hypervisor").SelectOptionAsync("kvm");
        await page.Locator("#os").SelectOptionAsync(_sandbox.SandboxOs);
        await Fill(page, "#vcpus", "1");
        await Fill(page, "#minmem", "128");
        await Fill(page, "#maxmem", "256");
        await page.Locator("#disk-template").SelectOptionAsync("diskless");
        await Expect(page.Locator("#nic-0-mode")).ToHaveValueAsync("bridged");
        var link = await page.Locator("#nic-0-link").InputValueAsync();
        link.ShouldNotBeNullOrEmpty("the NIC starts from the cluster's nicparams");
        await Expect(page.GetByTestId("quota-effect")).ToContainTextAsync("RAM 0 + 256 of 512 MiB");
        await NextAsync(page, "placement");
        await NextAsync(page, "hypervisor");
        await page.Locator("#hv-boot_order").SelectOptionAsync("network");
        await page.Locator("#hv-nic_type").SelectOptionAsync("e1000");
        await page.Locator("#hv-vnc_bind_address").FillAsync("127.0.0.1");
        await page.Locator("#hv-vnc_bind_address").PressAsync("Tab");
        await NextAsync(page, "review");
        await Expect(page.GetByTestId("review-hvparams")).ToContainTextAsync("boot_order=network");
        await page.ScreenshotAsync(new() { Path = Path.Combine(PortalInBrowserFixture.ArtifactsDirectory, "create-wizard-review.png"), FullPage = true });
        await SubmitAndWatchRunningAsync(page, first);

        // What Ganeti holds is what was entered.
        var instance = await _sandbox.Rapi.GetInstanceAsync(first);
        output.WriteLine($"{first}: {instance.Os} be={instance.BeParams.Json} nics={string.Join(",", instance.NicModes)}/{string.Join(",", instance.NicLinks)}");
        instance.Os.ShouldBe(_sandbox.SandboxOs);
        instance.DiskTemplate.ShouldBe("diskless");
        instance.BeParams["vcpus"].GetInt32().ShouldBe(1);
        instance.BeParams["minmem"].GetInt64().ShouldBe(128);
        instance.BeParams["maxmem"].GetInt64().ShouldBe(256);
        instance.HvParams["boot_order"].GetString().ShouldBe("network");
        instance.HvParams["nic_type"].GetString().ShouldBe("e1000");
        instance.HvParams["vnc_bind_address"].GetString().ShouldBe("127.0.0.1");
        instance.NicModes.ShouldBe(["bridged"]);
        instance.NicLinks.ShouldBe([link]);
        instance.Tags.ShouldContain("gwm:owner:group:" + GroupSlug);

        // Saved as a template from its page.
        await page.GotoAsync(PortalLinks.Vm("sandbox", first));
        await Expect(page.GetByTestId("save-as-template")).ToHaveAttributeAsync("data-interactive", "true");
        await page.GetByTestId("save-template-open").ClickAsync();
        await page.Locator("#save-template-name").FillAsync("small kvm " + _run);
        await page.GetByTestId("save-template-confirm").ClickAsync();
        await Expect(page.GetByTestId("save-template-result")).ToContainTextAsync("saved");

        // A second VM from the template: owner and name, the rest as saved.
        var second = Vm("b");
        await page.GotoAsync("/templates");
        await Expect(page.GetByTestId("templates")).ToHaveAttributeAsync("data-interactive", "true");
        var row = page.Locator($"[data-testid=template-row][data-name='small kvm {_run}']");
        await row.GetByTestId("template-create-vm").ClickAsync();
        await Expect(page.GetByTestId("create-wizard")).ToHaveAttributeAsync("data-step", "owner");
        await Expect(page.GetByTestId("create-wizard")).ToHaveAttributeAsync("data-interactive", "true");
        await page.Locator("#instance-name").FillAsync(second);
        await NextAsync(page, "basics");
        await Expect(page.Locator("#maxmem")).ToHaveValueAsync("256");
        await NextAsync(page, "placement");
        await NextAsync(page, "hypervisor");
        await Expect(page.Locator("#hv-boot_order")).ToHaveValueAsync("network");
        await NextAsync(page, "review");
        await SubmitAndWatchRunningAsync(page, second);
        var copy = await _sandbox.Rapi.GetInstanceAsync(second);
        (copy.BeParams["maxmem"].GetInt64(), copy.HvParams["boot_order"].GetString(), copy.HvParams["nic_type"].GetString(), copy.Os)
            .ShouldBe((256L, "network", "e1000", _sandbox.SandboxOs));

        // A third would take G over its quota (512 MiB, 2 vCPUs, both in use): the form says so and the portal refuses.
        var third = Vm("c");
        await page.GotoAsync("/templates");
        await Expect(page.GetByTestId("templates")).ToHaveAttributeAsync("data-interactive", "true");
        await page.Locator($"[data-testid=template-row][data-name='small kvm {_run}']").GetByTestId("template-create-vm").ClickAsync();
        await Expect(page.GetByTestId("create-wizard")).ToHaveAttributeAsync("data-interactive", "true");
        await page.Locator("#instance-name").FillAsync(third);
        await NextAsync(page, "basics");
        await Expect(page.GetByTestId("quota-exceeded")).ToBeVisibleAsync();
        await NextAsync(page, "placement");
        await NextAsync(page, "hypervisor");
        await NextAsync(page, "review");
        var requestsBefore = (await _sandbox.Rapi.GetInstanceNamesAsync()).Count;
        await page.GetByTestId("wizard-submit").ClickAsync();
        await Expect(page.GetByTestId("wizard-error")).ToContainTextAsync("Not enough quota");
        var refusal = await page.GetByTestId("wizard-error").TextContentAsync();
        output.WriteLine("refused: " + refusal);
        await page.ScreenshotAsync(new() { Path = Path.Combine(PortalInBrowserFixture.ArtifactsDirectory, "create-wizard-quota.png"), FullPage = true });
        (await _sandbox.Rapi.GetInstanceNamesAsync()).ShouldNotContain(third);
        (await _sandbox.Rapi.GetInstanceNamesAsync()).Count.ShouldBe(requestsBefore);

        // The template: edited through the wizard, copied, the copy deleted.
        var template = $"small kvm {_run}";
        await page.GotoAsync("/templates");
        await Expect(page.GetByTestId("templates")).ToHaveAttributeAsync("data-interactive", "true");
        await page.Locator($"[data-testid=template-row][data-name='{template}']").GetByTestId("template-edit").ClickAsync();
        await Expect(page.GetByTestId("create-wizard")).ToHaveAttributeAsync("data-interactive", "true");
        await NextAsync(page, "owner");
        await page.Locator("#template-description").FillAsync("one vCPU, 256 MiB, PXE");
        await NextAsync(page, "basics");
        await Fill(page, "#maxmem", "192");
        await NextAsync(page, "placement");
        await NextAsync(page, "hypervisor");
        await NextAsync(page, "review");
        await page.GetByTestId("wizard-submit").ClickAsync();
        await Expect(page.GetByTestId("templates-notice")).ToContainTextAsync("saved");
        var edited = page.Locator($"[data-testid=template-row][data-name='{template}']");
        await Expect(edited).ToContainTextAsync("192 MiB");
        await Expect(edited).ToContainTextAsync("one vCPU, 256 MiB, PXE");
        await edited.GetByTestId("template-copy").ClickAsync();
        await page.Locator("#copy-name").FillAsync(template + " b");
        await page.GetByTestId("template-copy-confirm").ClickAsync();
        var copied = page.Locator($"[data-testid=template-row][data-name='{template} b']");
        await Expect(copied).ToContainTextAsync("192 MiB");
        await copied.GetByTestId("template-delete").ClickAsync();
        await copied.GetByTestId("template-delete-confirm").ClickAsync();
        await Expect(copied).ToHaveCountAsync(0);
        await Expect(page.Locator($"[data-testid=template-row][data-name='{template}']")).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task Wizard_OsCreateFails_DecodedErrorShown_RetryPrefilled_ThenWorks()
    {
        var page = await SignedInPageAsync();
        var failing = Vm("f");

        await OpenWizardAsync(page, "/vms/create");
        await NextAsync(page, "owner");
        await page.Locator("#instance-name").FillAsync(failing);
        await NextAsync(page, "basics");
        await page.Locator("#hypervisor").SelectOptionAsync("fake");
        await page.Locator("#os").SelectOptionAsync(_sandbox.SandboxOs);
        await page.Locator("#os-params").FillAsync("fail=true");
        await Fill(page, "#maxmem", "128");
        await Fill(page, "#minmem", "128");
        await page.Locator("#disk-template").SelectOptionAsync("file");
        await Fill(page, "#disk-0", "1024");
        await NextAsync(page, "placement");
        await NextAsync(page, "hypervisor");
        await NextAsync(page, "review");
        await page.GetByTestId("wizard-submit").ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/vms/create/jobs/\\d+"));
        await Expect(page.GetByTestId("create-error")).ToContainTextAsync("fail=true", new() { Timeout = (float)Slow.TotalMilliseconds });
        var error = await page.GetByTestId("create-error").TextContentAsync();
        output.WriteLine("decoded: " + error);
        error!.ShouldContain("OS create script failed");
        await page.ScreenshotAsync(new() { Path = Path.Combine(PortalInBrowserFixture.ArtifactsDirectory, "create-wizard-failed.png"), FullPage = true });

        // Retry: the wizard, pre-filled with the failed create's owner, name and settings.
        await page.GetByTestId("retry-create").ClickAsync();
        await Expect(page.GetByTestId("create-wizard")).ToHaveAttributeAsync("data-step", "owner");
        await Expect(page.GetByTestId("create-wizard")).ToHaveAttributeAsync("data-interactive", "true");
        await Expect(page.Locator("#instance-name")).ToHaveValueAsync(failing);
        await Expect(page.Locator("#owner")).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("^group:"));
        // Ganeti left the failed instance behind (as on a real cluster): the retry goes under another name.
        var retried = Vm("r");
        await page.Locator("#instance-name").FillAsync(retried);
        await NextAsync(page, "basics");
        await Expect(page.Locator("#os-params")).ToHaveValueAsync("fail=true");
        await Expect(page.Locator("#disk-template")).ToHaveValueAsync("file");
        await Expect(page.Locator("#disk-0")).ToHaveValueAsync("1024");
        await Expect(page.Locator("#hypervisor")).ToHaveValueAsync("fake");
        await page.Locator("#os-params").FillAsync("");
        await NextAsync(page, "placement");
        await NextAsync(page, "hypervisor");
        await NextAsync(page, "review");
        await SubmitAndWatchRunningAsync(page, retried);
        (await _sandbox.Rapi.GetInstanceAsync(retried)).DiskSizes.ShouldBe([1024L]);
    }

    private async Task<IPage> SignedInPageAsync()
    {
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = _portal.BaseUrl });
        var page = await context.NewPageAsync();
        await page.SignInAsync(UserName, Password);
        return page;
    }

    private static async Task OpenWizardAsync(IPage page, string url)
    {
        await page.GotoAsync(url);
        await Expect(page.GetByTestId("create-wizard")).ToHaveAttributeAsync("data-interactive", "true", new() { Timeout = 30_000 });
        await Expect(page.GetByTestId("cluster-problem")).ToHaveCountAsync(0);
    }

    private static async Task NextAsync(IPage page, string expectedStep)
    {
        await page.GetByTestId("wizard-next").ClickAsync();
        await Expect(page.GetByTestId("create-wizard")).ToHaveAttributeAsync("data-step", expectedStep);
    }

    private static async Task Fill(IPage page, string selector, string value)
    {
        await page.Locator(selector).FillAsync(value);
        await page.Locator(selector).PressAsync("Tab");
    }

    private async Task SubmitAndWatchRunningAsync(IPage page, string name)
    {
        await page.GetByTestId("wizard-submit").ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/vms/create/jobs/\\d+"));
        var progress = page.GetByTestId("create-progress");
        await Expect(progress).ToHaveAttributeAsync("data-status", "Success", new() { Timeout = (float)Slow.TotalMilliseconds });
        await Expect(progress).ToHaveAttributeAsync("data-vm-status", "running", new() { Timeout = 60_000 });
        await Expect(page.GetByTestId("open-vm")).ToContainTextAsync(name);
        output.WriteLine($"{name}: created and running");
    }
}
