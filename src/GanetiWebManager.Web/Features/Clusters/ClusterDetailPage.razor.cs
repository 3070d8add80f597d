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

    // The tab is in the address (?tab=nodes) so that a link can open it.
    private static readonly string[] TabKeys = ["overview", "nodes", "vms", "jobs", "errors", "quotas"];
    private static readonly string[] TabTitles = ["Overview", "Nodes", "Virtual machines", "Jobs", "Errors", "Quotas"];

    [Inject]
    private ClusterQueries Clusters { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [Parameter]
    public string Slug { get; set; } = "";

    [SupplyParameterFromQuery(Name = "tab")]
    public string? Tab { get; set; }

    public sealed record ClusterPageModel(ClusterDetail Cluster, IReadOnlyList<ClusterErrorRow> Errors);

    private int TabIndex => Math.Max(0, Array.IndexOf(TabKeys, Tab?.ToLowerInvariant()));

    private string TabTitle => TabTitles[TabIndex];

    protected override bool ShowsChange(PortalChange change) =>
        Model is null ? change is ClusterChanged : change.ClusterId == Model.Cluster.Id && change is not JobChanged;

    protected override async Task<ClusterPageModel?> LoadAsync(ClaimsPrincipal user, CancellationToken ct)
    {
        var cluster = await Clusters.GetAsync(user, Slug, ct);
        if (cluster is null)
        {
            return null;
        }

        var errors = await Clusters.ListErrorsAsync(user, cluster.Id, includeCleared: true, ErrorLimit, ct);
        return new ClusterPageModel(cluster, errors);
    }

    private void SelectTab(int index) =>
        Navigation.NavigateTo(PortalLinks.Cluster(Slug, index == 0 ? null : TabKeys[index]), new NavigationOptions { ReplaceHistoryEntry = true });

    private static string List(IReadOnlyList<string> values) => values.Count == 0 ? "—" : string.Join(", ", values);

    private static string Quota(ResourceLimitsView quota) =>
        $"memory {Limit(quota.RamMiB, DisplayFormat.Mebibytes)}, disk {Limit(quota.DiskMiB, DisplayFormat.Mebibytes)}, " +
        $"vCPUs {Limit(quota.Vcpus, v => v?.ToString(CultureInfo.InvariantCulture) ?? "")}";

    private static string Limit<T>(T? value, Func<T?, string> format)
        where T : struct =>
        value is null ? "unlimited" : format(value);
}
