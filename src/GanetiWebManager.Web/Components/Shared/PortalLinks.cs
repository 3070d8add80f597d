namespace GanetiWebManager.Web.Components.Shared;

/// <summary>Addresses of the inventory pages, built in one place so that every link agrees with the routes.</summary>
public static class PortalLinks
{
    public static string Cluster(string slug, string? tab = null) =>
        "/clusters/" + Uri.EscapeDataString(slug) + (tab is null ? "" : "?tab=" + Uri.EscapeDataString(tab));

    public static string Node(string clusterSlug, string name) =>
        "/clusters/" + Uri.EscapeDataString(clusterSlug) + "/nodes/" + Uri.EscapeDataString(name);

    public static string Vm(string clusterSlug, string name) =>
        "/clusters/" + Uri.EscapeDataString(clusterSlug) + "/vms/" + Uri.EscapeDataString(name);

    public static string Job(long id) => "/jobs/" + id.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The registry's edit page (Features/Clusters/Registry, another part of issue 3).</summary>
    public static string EditCluster(string slug) => "/admin/clusters/" + Uri.EscapeDataString(slug) + "/edit";
}
