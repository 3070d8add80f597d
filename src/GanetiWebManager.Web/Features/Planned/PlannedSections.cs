using Microsoft.AspNetCore.Components;

namespace GanetiWebManager.Web.Features.Planned;

/// <summary>Titles of the sections of product-spec §12 that later issues build.</summary>
internal static class PlannedSections
{
    private static readonly Dictionary<string, string> Titles = new(StringComparer.OrdinalIgnoreCase)
    {
        ["import"] = "Import",
        ["search"] = "Search",
    };

    public static string TitleFor(NavigationManager navigation)
    {
        var path = navigation.ToBaseRelativePath(navigation.Uri).Split('?', '#')[0].TrimEnd('/');
        return Titles.GetValueOrDefault(path, "Not available yet");
    }
}
