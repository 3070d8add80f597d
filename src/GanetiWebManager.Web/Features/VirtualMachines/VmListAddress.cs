using System.Globalization;
using GanetiWebManager.Web.Data;
using Microsoft.AspNetCore.WebUtilities;

namespace GanetiWebManager.Web.Features.VirtualMachines;

/// <summary>
/// The VM list's address: every filter, the search, the sort and the page are in the query string, so a
/// link (or a bookmark, or the back button) reproduces the view. Values that do not parse are ignored.
/// </summary>
public static class VmListAddress
{
    public const string Path = "/vms";

    public static string For(VmQuery query)
    {
        var parameters = new List<KeyValuePair<string, string?>>();
        void Add(string key, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                parameters.Add(new(key, value));
            }
        }

        Add("cluster", query.Cluster);
        Add("status", query.Status);
        Add("owner", query.Owner);
        Add("node", query.Node);
        if (!string.IsNullOrWhiteSpace(query.Node) && query.NodePlacement != VmNodePlacement.PrimaryOrSecondary)
        {
            Add("placement", query.NodePlacement.ToString().ToLowerInvariant());
        }

        Add("os", query.Os);
        Add("q", query.Search);
        if (query.Sort != VmSort.Name || query.Descending)
        {
            Add("sort", SortKey(query.Sort));
        }

        if (query.Descending)
        {
            Add("dir", "desc");
        }

        if (query.Page > 1)
        {
            Add("page", query.Page.ToString(CultureInfo.InvariantCulture));
        }

        if (query.PageSize != Paging.DefaultPageSize)
        {
            Add("size", query.PageSize.ToString(CultureInfo.InvariantCulture));
        }

        return QueryHelpers.AddQueryString(Path, parameters);
    }

    public static string SortKey(VmSort sort) => sort.ToString().ToLowerInvariant();

    public static VmSort ParseSort(string? value) =>
        Enum.TryParse<VmSort>(value, ignoreCase: true, out var sort) && Enum.IsDefined(sort) && !int.TryParse(value, out _) ? sort : VmSort.Name;

    public static VmNodePlacement ParsePlacement(string? value) =>
        Enum.TryParse<VmNodePlacement>(value, ignoreCase: true, out var placement) && Enum.IsDefined(placement) && !int.TryParse(value, out _)
            ? placement
            : VmNodePlacement.PrimaryOrSecondary;

    public static int ParsePage(string? value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var page) && page >= 1 ? page : 1;

    /// <summary>Page sizes the list offers; anything else in an address falls back to the default.</summary>
    public static readonly IReadOnlyList<int> PageSizes = [25, 50, 100];

    public static int ParsePageSize(string? value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var size) && PageSizes.Contains(size) ? size : Paging.DefaultPageSize;
}
