using System.Text.RegularExpressions;
using GanetiWebManager.Testing;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.Jobs;
using GanetiWebManager.Web.Domain.VirtualMachines;
using GanetiWebManager.Web.Features.LiveUpdates;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GanetiWebManager.E2E.Inventory;

/// <summary>
/// The inventory pages in Chromium on seeded data (see <see cref="InventorySeed"/>): the VM list's paging,
/// sorting, filters and search through the address; the VM, cluster, node and job pages; and live updates,
/// where the test changes the database, publishes the change on the portal's hub as the sync would, and
/// the open page follows without reloading.
/// </summary>
[Collection(InventoryPortalGroup.Name)]
public sealed partial class InventoryPagesTests(PortalInBrowserFixture fixture)
{
    private static string Shot(string name) => Path.Combine(PortalInBrowserFixture.ArtifactsDirectory, name + ".png");

    private async Task<(IBrowserContext Context, IPage Page, List<string> Errors, InventorySeed Seed)> SignedInAsync(
        string user = PortalFactory.SuperuserName, string password = PortalFactory.SuperuserPassword)
    {
        var seed = await InventorySeed.EnsureAsync(fixture.Portal);
        var (context, page, errors) = await fixture.NewPageAsync();
        await page.GotoAsync("/account/login");
        await page.GetByLabel("User name").FillAsync(user);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();
        return (context, page, errors, seed);
    }

    private static ILocator Rows(IPage page) => page.GetByTestId("vm-row");

    [Fact]
    public async Task VmList_PagesSortsFiltersAndSearches_AndTheAddressReproducesTheView()
    {
        var (context, page, errors, _) = await SignedInAsync();
        await using var _ = context;

        await page.GotoAsync("/vms?cluster=lab");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Virtual machines" })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("vm-pager-summary")).ToHaveTextAsync($"1–50 of {InventorySeed.LabVmCount} VMs");
        await Expect(Rows(page)).ToHaveCountAsync(50);
        await Expect(Rows(page).First.GetByTestId("vm-name")).ToHaveTextAsync(InventorySeed.VmName(1));
        await page.MarkDocumentAsync();

        // Paging
        await page.GetByRole(AriaRole.Button, new() { Name = "Next page" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex(@"/vms\?cluster=lab&page=2$"));
        await Expect(page.GetByTestId("vm-pager-summary")).ToHaveTextAsync($"51–100 of {InventorySeed.LabVmCount} VMs");
        await Expect(Rows(page).First.GetByTestId("vm-name")).ToHaveTextAsync(InventorySeed.VmName(51));
        await page.GetByRole(AriaRole.Button, new() { Name = "Last page" }).ClickAsync();
        await Expect(Rows(page)).ToHaveCountAsync(25);

        // Sorting: memory, twice for descending; back to page 1
        await page.GetByTestId("sort-memory").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("sort=memory$"));
        await page.GetByTestId("sort-memory").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("sort=memory&dir=desc$"));
        var biggest = Enumerable.Range(1, InventorySeed.LabVmCount).OrderByDescending(InventorySeed.MemoryOf).ThenBy(InventorySeed.VmName, StringComparer.Ordinal).First();
        await Expect(Rows(page).First.GetByTestId("vm-name")).ToHaveTextAsync(InventorySeed.VmName(biggest));
        await Expect(page.GetByRole(AriaRole.Columnheader, new() { Name = "Memory" })).ToHaveAttributeAsync("aria-sort", "descending");

        // Filtering through the status menu
        await page.GetByTestId("filter-status").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "ERROR_down", Exact = true }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("status=ERROR_down"));
        var errorVms = Enumerable.Range(1, InventorySeed.LabVmCount).Count(i => InventorySeed.StatusOf(i) == VmStates.ErrorDown);
        await Expect(page.GetByTestId("vm-pager-summary")).ToHaveTextAsync($"1–{errorVms} of {errorVms} VMs");
        foreach (var chip in await page.GetByTestId("vm-status").AllAsync())
        {
            await Expect(chip).ToHaveTextAsync(VmStates.ErrorDown);
        }

        // Free-text search (by IP), replacing the status filter
        await page.GetByTestId("clear-filters").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/vms$"));
        await page.GetByLabel("Search virtual machines").FillAsync(InventorySeed.IpOf(77));
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex(@"q=10\.9\.0\.77$"));
        await Expect(Rows(page)).ToHaveCountAsync(1);
        await Expect(Rows(page).GetByTestId("vm-name")).ToHaveTextAsync(InventorySeed.VmName(77));
        await page.ShouldNotHaveReloadedAsync();

        // The address alone reproduces a view: a fresh load of a filtered, sorted, paged address.
        await page.GotoAsync("/vms?cluster=lab&owner=user:carol&sort=name&dir=desc&size=25");
        await Expect(page.GetByTestId("vm-pager-summary")).ToHaveTextAsync("1–10 of 10 VMs");
        await Expect(Rows(page).First.GetByTestId("vm-name")).ToHaveTextAsync(InventorySeed.VmName(10));
        await Expect(Rows(page).First.GetByTestId("vm-owner")).ToContainTextAsync("carol");
        await page.ScreenshotAsync(new() { Path = Shot("vm-list"), FullPage = true });

        // A bad address is not an error page
        await page.GotoAsync("/vms?page=abc&size=-3&sort=nonsense&status=nope");
        await Expect(page.GetByTestId("vms-empty")).ToContainTextAsync("No virtual machine matches these filters");

        // Open a VM from the list
        await page.GotoAsync("/vms?q=vm-001.lab");
        await Rows(page).First.GetByTestId("vm-name").ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = InventorySeed.VmName(1) })).ToBeVisibleAsync();
        await Expect(page).ToHaveURLAsync(new Regex("/clusters/lab/vms/vm-001.lab.invalid$"));
        await Expect(page.GetByTestId("vm-facts")).ToContainTextAsync("carol");
        await Expect(page.GetByTestId("vm-notes")).ToHaveTextAsync("Runs the lab's DNS. Ask before rebooting.");
        await page.GetByRole(AriaRole.Tab, new() { Name = "Disks & NICs" }).ClickAsync();
        await Expect(page.GetByTestId("vm-nics")).ToContainTextAsync(InventorySeed.IpOf(1));
        await Expect(page).ToHaveURLAsync(new Regex(@"\?tab=disks$"));
        await page.ScreenshotAsync(new() { Path = Shot("vm-detail-disks"), FullPage = true });
        errors.ShouldBeEmpty();
    }

    [Fact]
    public async Task VmPage_StatusChangesInTheDatabase_ChipFollowsWithoutReload()
    {
        var (context, page, errors, seed) = await SignedInAsync();
        await using var _ = context;
        var vm = seed.LiveChip;
        var other = await seed.Build.AddVmAsync(seed.Live, "live-other.live.invalid");

        await page.GotoAsync($"/clusters/live/vms/{vm.Name}");
        var chip = page.GetByTestId("vm-status").First;
        await Expect(chip).ToHaveTextAsync(VmStates.Running);
        await page.MarkDocumentAsync();

        await seed.Build.UpdateVmAsync(vm.Id, v => (v.Status, v.OperState) = (VmStates.ErrorDown, false));
        seed.Hub.Publish(new VirtualMachinesChanged(seed.Live.Id, [vm.Id]));

        await Expect(chip).ToHaveTextAsync(VmStates.ErrorDown);
        await page.ShouldNotHaveReloadedAsync();

        // A change of another VM is not this page's business; a bulk change ("many", no ids) is.
        await seed.Build.UpdateVmAsync(vm.Id, v => v.Tags = ["changed-quietly"]);
        seed.Hub.Publish(new VirtualMachinesChanged(seed.Live.Id, [other.Id]));
        await page.WaitForTimeoutAsync(1000);
        await Expect(page.GetByTestId("vm-tags")).Not.ToContainTextAsync("changed-quietly");
        seed.Hub.Publish(new VirtualMachinesChanged(seed.Live.Id, []));
        await Expect(page.GetByTestId("vm-tags")).ToHaveTextAsync("changed-quietly");

        await seed.Build.UpdateVmAsync(vm.Id, v => v.MissingSince = seed.Build.Now);
        seed.Hub.Publish(new VirtualMachinesChanged(seed.Live.Id, [vm.Id]));
        await Expect(page.GetByTestId("vm-missing")).ToBeVisibleAsync();
        await Expect(chip).ToHaveTextAsync("missing");
        await page.ShouldNotHaveReloadedAsync();
        errors.ShouldBeEmpty();
    }

    [Fact]
    public async Task VmList_NewVmInTheDatabase_AppearsWithoutReload()
    {
        var (context, page, errors, seed) = await SignedInAsync();
        await using var _ = context;
        await using var db = await fixture.Portal.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var before = await db.VirtualMachines.CountAsync(v => v.ClusterId == seed.Live.Id);

        await page.GotoAsync("/vms?cluster=live");
        await Expect(page.GetByTestId("vm-pager-summary")).ToHaveTextAsync($"1–{before} of {before} VMs");
        await page.MarkDocumentAsync();

        var added = await seed.Build.AddVmAsync(seed.Live, "a-new-vm.live.invalid", v => v.Status = VmStates.AdminDown);
        seed.Hub.Publish(new VirtualMachinesChanged(seed.Live.Id, [added.Id]));

        await Expect(page.GetByTestId("vm-pager-summary")).ToHaveTextAsync($"1–{before + 1} of {before + 1} VMs");
        await Expect(Rows(page).First.GetByTestId("vm-name")).ToHaveTextAsync("a-new-vm.live.invalid");
        await Expect(Rows(page).First.GetByTestId("vm-status")).ToHaveTextAsync(VmStates.AdminDown);

        // A change in another cluster does not concern a list filtered to this one.
        await seed.Build.UpdateVmAsync(added.Id, v => v.Status = VmStates.Running);
        seed.Hub.Publish(new VirtualMachinesChanged(seed.Lab.Id, []));
        await page.WaitForTimeoutAsync(1000);
        await Expect(Rows(page).First.GetByTestId("vm-status")).ToHaveTextAsync(VmStates.AdminDown);
        seed.Hub.Publish(new VirtualMachinesChanged(seed.Live.Id, [added.Id]));
        await Expect(Rows(page).First.GetByTestId("vm-status")).ToHaveTextAsync(VmStates.Running);
        await page.ShouldNotHaveReloadedAsync();
        errors.ShouldBeEmpty();
    }

    [Fact]
    public async Task JobPage_LogGrowsAndJobEnds_WithoutReload()
    {
        var (context, page, errors, seed) = await SignedInAsync();
        await using var _ = context;
        var job = await seed.Build.AddJobAsync(seed.Live, j =>
        {
            j.Operation = JobOperations.InstanceShutdown;
            j.TargetKind = JobTargetKind.VirtualMachine;
            j.VirtualMachineId = seed.LiveChip.Id;
            j.TargetName = seed.LiveChip.Name;
            j.Status = JobStatus.Running;
            j.StartedAt = j.CreatedAt;
            j.EndedAt = null;
            j.Log = """[{"serial":1,"time":"2026-11-21T12:00:01Z","type":"message","message":"Shutting down instance vm-005"}]""";
        });

        await page.GotoAsync($"/jobs/{job.Id}");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"Job #{job.Id}" })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("job-log-line")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("job-progress")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("job-status").First).ToHaveTextAsync("running");
        await page.MarkDocumentAsync();

        await seed.Build.UpdateJobAsync(job.Id, j => j.Log =
            """[{"serial":1,"time":"2026-11-21T12:00:01Z","type":"message","message":"Shutting down instance vm-005"},{"serial":2,"time":"2026-11-21T12:00:03Z","type":"message","message":"Instance vm-005 stopped"}]""");
        seed.Hub.Publish(new JobChanged(seed.Live.Id, job.Id, job.VirtualMachineId, null));
        await Expect(page.GetByTestId("job-log-line")).ToHaveCountAsync(2);
        await Expect(page.GetByTestId("job-log-line").Nth(1)).ToContainTextAsync("Instance vm-005 stopped");

        await seed.Build.UpdateJobAsync(job.Id, j => (j.Status, j.EndedAt) = (JobStatus.Error, j.CreatedAt.AddSeconds(4)));
        await seed.Build.UpdateJobAsync(job.Id, j => (j.ErrorMessage, j.ErrorClass, j.ErrorCode) =
            ("The VM could not be stopped: it is locked by another job.", "OpPrereqError", "wrong_state"));
        seed.Hub.Publish(new JobChanged(seed.Live.Id, job.Id, job.VirtualMachineId, null));
        await Expect(page.GetByTestId("job-status").First).ToHaveTextAsync("error");
        await Expect(page.GetByTestId("job-progress")).ToBeHiddenAsync();
        await Expect(page.GetByTestId("job-error")).ToContainTextAsync("locked by another job");
        await Expect(page.GetByTestId("job-error-class")).ToContainTextAsync("OpPrereqError");
        await Expect(page.GetByTestId("job-error-class")).ToContainTextAsync("wrong_state");
        await page.ShouldNotHaveReloadedAsync();
        await page.ScreenshotAsync(new() { Path = Shot("job-detail"), FullPage = true });
        errors.ShouldBeEmpty();
    }

    [Fact]
    public async Task ClusterNodeAndOverviewPages_ShowTheSeededInventory()
    {
        var (context, page, errors, seed) = await SignedInAsync();
        await using var _ = context;

        await Expect(page.GetByTestId("cluster-row").Filter(new() { HasText = "lab" }).GetByTestId("cluster-vms")).ToHaveTextAsync(
            $"{Enumerable.Range(1, InventorySeed.LabVmCount).Count(i => InventorySeed.StatusOf(i) == VmStates.Running)} / {InventorySeed.LabVmCount}");
        await Expect(page.GetByTestId("overview-errors")).ToContainTextAsync("Connection refused");
        await Expect(page.GetByTestId("recent-jobs")).ToContainTextAsync("Reboot");
        await page.ScreenshotAsync(new() { Path = Shot("overview"), FullPage = true });

        await page.GotoAsync("/clusters");
        await Expect(page.GetByTestId("cluster-row")).ToHaveCountAsync(3);
        await page.GetByRole(AriaRole.Link, new() { Name = "down", Exact = true }).ClickAsync();
        await Expect(page.GetByTestId("data-age-banner")).ToContainTextAsync("data from 1 h ago — Connection refused (down.cluster.invalid:5080)");
        await Expect(page.GetByTestId("cluster-status").First).ToHaveTextAsync("failing");
        await Expect(page.GetByTestId("edit-cluster")).ToHaveAttributeAsync("href", "/admin/clusters/down/edit");
        await page.GetByRole(AriaRole.Tab, new() { Name = "Errors (1)" }).ClickAsync();
        await Expect(page.GetByTestId("error-row")).ToContainTextAsync("120");
        await page.ScreenshotAsync(new() { Path = Shot("cluster-failing-errors"), FullPage = true });

        await page.GotoAsync("/clusters/lab");
        await Expect(page.GetByTestId("capacity-memory")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("data-age-banner")).ToHaveCountAsync(0);
        await page.ScreenshotAsync(new() { Path = Shot("cluster-overview"), FullPage = true });
        await page.GetByRole(AriaRole.Tab, new() { Name = "Nodes (2)" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "lab-node1.lab.invalid" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "lab-node1.lab.invalid" })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("vm-pager-summary").First).ToHaveTextAsync("1–50 of 63 VMs");
        await page.ScreenshotAsync(new() { Path = Shot("node-detail"), FullPage = true });

        await page.GotoAsync("/nodes");
        await Expect(page.GetByTestId("node-row")).ToHaveCountAsync(3);
        await page.GotoAsync("/jobs?cluster=lab&status=running");
        await Expect(page.GetByTestId("job-row").Filter(new() { HasText = "Reboot" })).ToHaveCountAsync(1);
        errors.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("/clusters/no-such-cluster", "Cluster not found")]
    [InlineData("/clusters/lab/vms/no-such-vm.lab.invalid", "Virtual machine not found")]
    [InlineData("/clusters/no-such-cluster/vms/vm-001.lab.invalid", "Virtual machine not found")]
    [InlineData("/clusters/lab/nodes/no-such-node", "Node not found")]
    [InlineData("/jobs/999999", "Job not found")]
    public async Task UnknownAddress_SaysNotFound(string path, string heading)
    {
        var (context, page, errors, _) = await SignedInAsync();
        await using var _ = context;

        var response = await page.GotoAsync(path);

        // 200 with the explanation: .NET 10's component endpoint sends no body at all with a 404 set by a page
        // (it expects NavigationManager.NotFound and a generic page), and the specific message is worth more.
        response!.Status.ShouldBe(200);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = heading })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("not-found")).ToBeVisibleAsync();
        errors.ShouldBeEmpty();
    }

    [Fact]
    public async Task RegularUser_WithoutGrants_SeesNothingOfTheInventory()
    {
        var (context, page, _, _) = await SignedInAsync(InventorySeed.RegularUserName, InventorySeed.RegularUserPassword);
        await using var _ = context;

        // Every page opens (they are filtered, not forbidden) and shows nothing the user holds no permission on.
        await Expect(page.GetByTestId("no-clusters")).ToBeVisibleAsync();
        await page.GotoAsync("/vms");
        await Expect(page.GetByTestId("vms-empty")).ToBeVisibleAsync();
        await Expect(page.GetByTestId("vm-row")).ToHaveCountAsync(0);
        await page.GotoAsync("/clusters");
        await Expect(page.GetByTestId("clusters-empty")).ToBeVisibleAsync();
        await page.GotoAsync("/jobs");
        await Expect(page.GetByTestId("job-row")).ToHaveCountAsync(0);
        await page.GotoAsync("/nodes");
        await Expect(page.GetByTestId("node-row")).ToHaveCountAsync(0);
        await page.GotoAsync("/clusters/lab");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Cluster not found" })).ToBeVisibleAsync();
        await page.GotoAsync("/clusters/lab/vms/vm-001.lab.invalid");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Virtual machine not found" })).ToBeVisibleAsync();
    }
}
