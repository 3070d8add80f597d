using System.Security.Claims;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Domain.VirtualMachines;
using GanetiWebManager.Web.Features.LiveUpdates;
using Microsoft.AspNetCore.Components;

namespace GanetiWebManager.Web.Features.VirtualMachines;

/// <summary>
/// All VMs across clusters, filtered, searched, sorted and paged in the database. The address is the state:
/// every change of filter, sort or page navigates to a new query string, and the page loads what it says.
/// </summary>
public sealed partial class VmListPage
{
    private static readonly IReadOnlyList<Choice> StatusChoices =
    [
        .. VmStates.Statuses.Select(s => new Choice(s, s)),
        new(VmQuery.StatusError, "any ERROR_ status"),
        new(VmQuery.StatusMissing, "missing from Ganeti"),
        new(VmQuery.StatusPendingDelete, "pending delete"),
    ];

    // The bulk selection (id → name): a field of the page, so it survives paging, sorting and filtering (the page
    // component stays while only its query string changes).
    private readonly Dictionary<long, string> _selected = [];

    private string? _searchText;
    private string? _shownSearch;
    private VmFilterOptions? _options;
    private string? _optionsCluster;
    private volatile bool _optionsStale = true;
    private IReadOnlyList<Choice> _clusterChoices = [];
    private IReadOnlyList<Choice> _ownerChoices = [];
    private IReadOnlyList<Choice> _nodeChoices = [];
    private IReadOnlyList<Choice> _osChoices = [];

    [Inject]
    private VirtualMachineQueries Vms { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    // Query-string values arrive as text and are parsed leniently: a hand-edited address never fails the page.
    [SupplyParameterFromQuery(Name = "cluster")]
    public string? Cluster { get; set; }

    [SupplyParameterFromQuery(Name = "status")]
    public string? Status { get; set; }

    [SupplyParameterFromQuery(Name = "owner")]
    public string? Owner { get; set; }

    [SupplyParameterFromQuery(Name = "node")]
    public string? Node { get; set; }

    [SupplyParameterFromQuery(Name = "placement")]
    public string? Placement { get; set; }

    [SupplyParameterFromQuery(Name = "os")]
    public string? Os { get; set; }

    [SupplyParameterFromQuery(Name = "q")]
    public string? Search { get; set; }

    [SupplyParameterFromQuery(Name = "sort")]
    public string? SortParameter { get; set; }

    [SupplyParameterFromQuery(Name = "dir")]
    public string? Direction { get; set; }

    [SupplyParameterFromQuery(Name = "page")]
    public string? PageParameter { get; set; }

    [SupplyParameterFromQuery(Name = "size")]
    public string? SizeParameter { get; set; }

    private VmQuery Query { get; set; } = new();

    private bool HasFilters => Query.Cluster is not null || Query.Status is not null || Query.Owner is not null
        || Query.Node is not null || Query.Os is not null || Query.Search is not null;

    private string EmptyText => HasFilters
        ? "No virtual machine matches these filters. Clear them to see every VM."
        : "There are no virtual machines yet. They appear here once a cluster has been added and synced.";

    public sealed record VmListModel(PagedResult<VmRow> Result);

    private sealed record Choice(string Value, string Text);

    protected override Task OnParametersSetAsync()
    {
        Query = new VmQuery
        {
            Cluster = Blank(Cluster),
            Status = Blank(Status),
            Owner = Blank(Owner),
            Node = Blank(Node),
            NodePlacement = VmListAddress.ParsePlacement(Placement),
            Os = Blank(Os),
            Search = Blank(Search),
            Sort = VmListAddress.ParseSort(SortParameter),
            Descending = string.Equals(Direction, "desc", StringComparison.OrdinalIgnoreCase),
            Page = VmListAddress.ParsePage(PageParameter),
            PageSize = VmListAddress.ParsePageSize(SizeParameter),
        };
        if (_shownSearch != Query.Search)
        {
            _shownSearch = Query.Search;
            _searchText = Query.Search;
        }

        return base.OnParametersSetAsync();
    }

    protected override bool ShowsChange(PortalChange change)
    {
        if (change is ClusterChanged or NodesChanged)
        {
            // New clusters, nodes or slugs change what the filter menus offer.
            _optionsStale = true;
            return true;
        }

        return change is VirtualMachinesChanged vms
            && (Query.Cluster is null || _options?.Clusters.FirstOrDefault(c => c.Slug == Query.Cluster)?.Id is not { } id || id == vms.ClusterId);
    }

    protected override async Task<VmListModel?> LoadAsync(ClaimsPrincipal user, CancellationToken ct)
    {
        if (_optionsStale || _options is null || _optionsCluster != Query.Cluster)
        {
            _optionsStale = false;
            _optionsCluster = Query.Cluster;
            _options = await Vms.GetFilterOptionsAsync(user, Query.Cluster, ct);
            _clusterChoices = [.. _options.Clusters.Select(c => new Choice(c.Slug, c.Slug))];
            _ownerChoices =
            [
                new(VmQuery.OwnerOrphans, "orphans (no owner)"),
                .. _options.Owners.Select(o => new Choice(o.Key, o.Kind == OwnerKind.User ? o.Name : $"{o.Name} (group)")),
            ];
            _nodeChoices = [.. _options.Nodes.Select(n => new Choice(n, n))];
            _osChoices = [.. _options.OperatingSystems.Select(o => new Choice(o, o))];
        }

        return new VmListModel(await Vms.ListAsync(user, Query, ct));
    }

    private void Go(VmQuery query) => Navigation.NavigateTo(VmListAddress.For(query));

    // A new filter starts again at the first page.
    private Task FilterAsync(Func<VmQuery, VmQuery> change)
    {
        Go(change(Query) with { Page = 1 });
        return Task.CompletedTask;
    }

    private Task SearchAsync() => FilterAsync(q => q with { Search = Blank(_searchText) });

    private Task SortAsync((string Key, bool Descending) sort)
    {
        Go(Query with { Sort = VmListAddress.ParseSort(sort.Key), Descending = sort.Descending, Page = 1 });
        return Task.CompletedTask;
    }

    private Task PageAsync(int page)
    {
        Go(Query with { Page = page });
        return Task.CompletedTask;
    }

    private void Select(IReadOnlyList<(long Id, string Name, bool Selected)> rows)
    {
        foreach (var (id, name, selected) in rows)
        {
            if (selected)
            {
                _selected[id] = name;
            }
            else
            {
                _selected.Remove(id);
            }
        }
    }

    private static Dictionary<string, object> Aria(string label) => new() { ["aria-label"] = label };

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
