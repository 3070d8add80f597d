using System.Globalization;
using System.Security.Claims;
using GanetiWebManager.Web.Components.Shared;
using GanetiWebManager.Web.Features.LiveUpdates;
using Microsoft.AspNetCore.Components;

namespace GanetiWebManager.Web.Features.Clusters;

/// <summary>One cluster: its mirrored info and capacity, and tabs with its nodes, VMs, jobs and errors.</summary>
public sealed partial class ClusterDetailPage
{
    private const int ErrorLimit = 200;

    // The tab is in the address (?tab=nodes) so that a link can open it. Which tabs exist depends on the user's
    // permissions on the cluster (product-spec §3): a tab they may not see is not offered, and its address
    // falls back to the overview; the queries behind each tab filter on the server anyway.
    private const string OverviewTab = "overview";

    [Inject]
    private ClusterQueries Clusters { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [Parameter]
    public string Slug { get; set; } = "";

    [SupplyParameterFromQuery(Name = "tab")]
    public string? Tab { get; set; }

    public sealed record ClusterPageModel(ClusterDetail Cluster, IReadOnlyList<ClusterErrorRow> Errors);

    private List<(string Key, string Title)> Tabs => Model is null ? [(OverviewTab, "Overview")] : TabsFor(Model.Cluster.Summary);

    private string TabKey => Tabs.Any(t => t.Key == Tab?.ToLowerInvariant()) ? Tab!.ToLowerInvariant() : OverviewTab;

    private int TabIndex => Math.Max(0, Tabs.Select(t => t.Key).ToList().IndexOf(TabKey));

    private string TabTitle => Tabs[TabIndex].Title;

    private static List<(string Key, string Title)> TabsFor(ClusterSummary cluster)
    {
        List<(string, string)> tabs = [(OverviewTab, "Overview")];
        if (cluster.ShowsNodes)
        {
            tabs.Add(("nodes", "Nodes"));
        }

        tabs.Add(("vms", "Virtual machines"));
        if (cluster.IsAdmin)
        {
            tabs.Add(("jobs", "Jobs"));
            tabs.Add(("permissions", "Permissions"));
            tabs.Add(("errors", "Errors"));
            tabs.Add(("quotas", "Quotas"));
            tabs.Add(("log", "Log"));
        }

        return tabs;
    }

    protected override bool ShowsChange(PortalChange change) =>
        Model is null ? change is ClusterChanged : change.ClusterId == Model.Cluster.Id && change is not JobChanged;

    protected override async Task<ClusterPageModel?> LoadAsync(ClaimsPrincipal user, CancellationToken ct)
    {
        var cluster = await Clusters.GetAsync(user, Slug, ct);
        if (cluster is null)
        {
            return null;
        }

        var errors = cluster.Summary.IsAdmin
            ? await Clusters.ListErrorsAsync(user, cluster.Id, includeCleared: true, ErrorLimit, ct)
            : [];
        return new ClusterPageModel(cluster, errors);
    }

    private void SelectTab(int index) =>
        Navigation.NavigateTo(PortalLinks.Cluster(Slug, index <= 0 || index >= Tabs.Count ? null : Tabs[index].Key), new NavigationOptions { ReplaceHistoryEntry = true });

    private static string List(IReadOnlyList<string> values) => values.Count == 0 ? "—" : string.Join(", ", values);

    private static string Quota(ResourceLimitsView quota) =>
        $"memory {Limit(quota.RamMiB, DisplayFormat.Mebibytes)}, disk {Limit(quota.DiskMiB, DisplayFormat.Mebibytes)}, " +
        $"vCPUs {Limit(quota.Vcpus, v => v?.ToString(CultureInfo.InvariantCulture) ?? "")}";

    private static string Limit<T>(T? value, Func<T?, string> format)
        where T : struct =>
        value is null ? "unlimited" : format(value);
}
