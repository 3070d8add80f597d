using System.Security.Claims;
using GanetiWebManager.Web.Components.Shared;
using GanetiWebManager.Web.Domain.VirtualMachines;
using GanetiWebManager.Web.Features.LiveUpdates;
using Microsoft.AspNetCore.Components;

namespace GanetiWebManager.Web.Features.VirtualMachines;

/// <summary>One VM: its configuration and state, its disks and NICs, its jobs; live.</summary>
public sealed partial class VmDetailPage
{
    // "console" (power holders) and "permissions" (VM admins) come last, in that order: VM admin implies power,
    // so whenever the console tab is hidden the permissions tab is too, and hiding never shifts other indexes.
    // "manage" is shown to everyone who sees the VM (it says what they may not do), so it never shifts the others.
    private static readonly string[] TabKeys = ["overview", "disks", "jobs", "manage", "console", "permissions", "log"];
    private static readonly string[] TabTitles = ["Overview", "Disks & NICs", "Jobs", "Manage", "Console", "Permissions", "Log"];

    [Inject]
    private VirtualMachineQueries Vms { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [Parameter]
    public string Slug { get; set; } = "";

    [Parameter]
    public string Name { get; set; } = "";

    [SupplyParameterFromQuery(Name = "tab")]
    public string? Tab { get; set; }

    private int TabIndex
    {
        get
        {
            var index = Math.Max(0, Array.IndexOf(TabKeys, Tab?.ToLowerInvariant()));
            return (TabKeys[index] is "permissions" or "log" && !ShowsPermissions) || (TabKeys[index] == "console" && !ShowsConsole) ? 0 : index;
        }
    }

    private bool ShowsPermissions => Model?.Access.Has(Domain.Access.VmPermissions.Admin) == true;

    // Display only: the console service checks power again on the server for every ticket and connect.
    private bool ShowsConsole => Model?.Access.Has(Domain.Access.VmPermissions.Power) == true;

    private string TabTitle => TabTitles[TabIndex];

    // Only changes of this VM, or of its cluster's sync state (the data-age banner). Its jobs refresh the
    // jobs tab on their own. Until the VM is found, any VM change might be the one that brings it.
    protected override bool ShowsChange(PortalChange change) => Model is null
        ? change is VirtualMachinesChanged
        : change.ClusterId == Model.ClusterId
          && (change is ClusterChanged || (change is VirtualMachinesChanged vms && vms.Concerns(Model.Id)));

    protected override async Task<VmDetail?> LoadAsync(ClaimsPrincipal user, CancellationToken ct) =>
        await Vms.GetAsync(user, Slug, Name, ct);

    private void SelectTab(int index) =>
        Navigation.NavigateTo(PortalLinks.Vm(Slug, Name) + (index == 0 ? "" : "?tab=" + TabKeys[index]), new NavigationOptions { ReplaceHistoryEntry = true });

    // An action started a job: the jobs tab lists it first and follows it live.
    private Task ShowJobAsync(long jobId)
    {
        SelectTab(Array.IndexOf(TabKeys, "jobs"));
        return Task.CompletedTask;
    }

    private static string RuntimeText(VmDetail vm) => vm.OperState switch
    {
        true when vm.OperRamMiB is { } ram => $"running, using {DisplayFormat.Mebibytes(ram)}",
        true => "running",
        false => "not running",
        null => "",
    };

    private static string AdminStateText(string? adminState) => adminState switch
    {
        VmStates.AdminUp => "up (meant to run)",
        VmStates.AdminStateDown => "down (meant to be stopped)",
        VmStates.AdminStateOffline => "offline (not managed by Ganeti until brought online)",
        null => "—",
        _ => adminState,
    };

    private static string MemoryText(VmDetail vm) =>
        vm.MinMemoryMiB is { } min && vm.MaxMemoryMiB is { } max && min != max
            ? $"{DisplayFormat.Mebibytes(min)} – {DisplayFormat.Mebibytes(max)}"
            : DisplayFormat.Mebibytes(vm.MaxMemoryMiB ?? vm.MinMemoryMiB);
}
