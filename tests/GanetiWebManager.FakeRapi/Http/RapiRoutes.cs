using System.Text.RegularExpressions;

namespace GanetiWebManager.FakeRapi.Http;

/// <summary>Who may call a resource method (rlib2's access rules).</summary>
internal enum Access
{
    /// <summary>Anonymous unless the daemon requires authentication.</summary>
    Anyone,

    /// <summary>A user with <c>read</c> or <c>write</c>.</summary>
    Read,

    /// <summary>A user with <c>write</c>.</summary>
    Write,
}

internal sealed record RapiMethod(Access Access, bool SubmitsJob, Func<RapiCall, Task<byte[]>> Handle);

internal sealed record RapiRoute(Regex Pattern, IReadOnlyDictionary<string, RapiMethod> Methods);

/// <summary>
/// RAPI's resources. Matched on the raw path (no %-decoding) with rlib2's patterns: names are <c>[\w._-]+</c>, ids
/// and disk indexes <c>\d+</c>; anything else is a 404, a known path with another method a 501.
/// </summary>
internal static partial class RapiRoutes
{
    private const string NamePattern = @"(?<name>[\w._-]+)";

    public static RapiRoute? Find(IReadOnlyList<RapiRoute> routes, string path, out Match match)
    {
        foreach (var route in routes)
        {
            match = route.Pattern.Match(path);
            if (match.Success)
            {
                return route;
            }
        }

        match = Match.Empty;
        return null;
    }

    public static IReadOnlyList<RapiRoute> Build(RapiHandlers h) =>
    [
        Route("/", ("GET", Access.Anyone, false, h.Null)),
        Route("/2", ("GET", Access.Anyone, false, h.Null)),
        Route("/version", ("GET", Access.Anyone, false, h.Version)),
        Route("/2/info", ("GET", Access.Anyone, false, h.Info)),
        Route("/2/features", ("GET", Access.Anyone, false, h.Features)),
        Route("/2/os", ("GET", Access.Anyone, false, h.OperatingSystems)),
        Route("/2/tags", ("GET", Access.Anyone, false, h.GetTags), ("PUT", Access.Write, true, h.AddTags), ("DELETE", Access.Write, true, h.RemoveTags)),
        Route("/2/redistribute-config", ("PUT", Access.Write, true, h.RedistributeConfig)),
        Route("/2/modify", ("PUT", Access.Write, true, h.ModifyCluster)),

        Route("/2/nodes", ("GET", Access.Anyone, false, h.Nodes)),
        Route($"/2/nodes/{NamePattern}", ("GET", Access.Anyone, false, h.Node)),
        Route($"/2/nodes/{NamePattern}/role", ("GET", Access.Anyone, false, h.NodeRole), ("PUT", Access.Write, true, h.SetNodeRole)),
        Route($"/2/nodes/{NamePattern}/evacuate", ("POST", Access.Write, true, h.EvacuateNode)),
        Route($"/2/nodes/{NamePattern}/migrate", ("POST", Access.Write, true, h.MigrateNode)),
        Route($"/2/nodes/{NamePattern}/modify", ("POST", Access.Write, true, h.ModifyNode)),
        Route($"/2/nodes/{NamePattern}/tags", ("GET", Access.Anyone, false, h.GetTags), ("PUT", Access.Write, true, h.AddTags), ("DELETE", Access.Write, true, h.RemoveTags)),

        Route("/2/instances", ("GET", Access.Anyone, false, h.Instances), ("POST", Access.Write, true, h.CreateInstance)),
        Route($"/2/instances/{NamePattern}", ("GET", Access.Anyone, false, h.Instance), ("DELETE", Access.Write, true, h.DeleteInstance)),
        Route($"/2/instances/{NamePattern}/startup", ("PUT", Access.Write, true, h.StartupInstance)),
        Route($"/2/instances/{NamePattern}/shutdown", ("PUT", Access.Write, true, h.ShutdownInstance)),
        Route($"/2/instances/{NamePattern}/reboot", ("POST", Access.Write, true, h.RebootInstance)),
        Route($"/2/instances/{NamePattern}/rename", ("PUT", Access.Write, true, h.RenameInstance)),
        Route($"/2/instances/{NamePattern}/reinstall", ("POST", Access.Write, true, h.ReinstallInstance)),
        Route($"/2/instances/{NamePattern}/modify", ("PUT", Access.Write, true, h.ModifyInstance)),
        Route($"/2/instances/{NamePattern}/migrate", ("PUT", Access.Write, true, h.MigrateInstance)),
        Route($"/2/instances/{NamePattern}/failover", ("PUT", Access.Write, true, h.FailoverInstance)),
        Route($"/2/instances/{NamePattern}/replace-disks", ("POST", Access.Write, true, h.ReplaceDisks)),
        Route($"/2/instances/{NamePattern}/activate-disks", ("PUT", Access.Write, true, h.ActivateDisks)),
        Route($"/2/instances/{NamePattern}/deactivate-disks", ("PUT", Access.Write, true, h.DeactivateDisks)),
        Route($@"/2/instances/{NamePattern}/disk/(?<disk>\d+)/grow", ("POST", Access.Write, true, h.GrowDisk)),
        Route($"/2/instances/{NamePattern}/console", ("GET", Access.Read, false, h.Console)),
        Route($"/2/instances/{NamePattern}/tags", ("GET", Access.Anyone, false, h.GetTags), ("PUT", Access.Write, true, h.AddTags), ("DELETE", Access.Write, true, h.RemoveTags)),

        Route("/2/groups", ("GET", Access.Anyone, false, h.Groups)),
        Route($"/2/groups/{NamePattern}", ("GET", Access.Anyone, false, h.Group)),
        Route($"/2/groups/{NamePattern}/tags", ("GET", Access.Anyone, false, h.GetTags), ("PUT", Access.Write, true, h.AddTags), ("DELETE", Access.Write, true, h.RemoveTags)),
        Route("/2/networks", ("GET", Access.Anyone, false, h.Networks)),
        Route($"/2/networks/{NamePattern}", ("GET", Access.Anyone, false, h.Network)),
        Route($"/2/networks/{NamePattern}/tags", ("GET", Access.Anyone, false, h.GetTags), ("PUT", Access.Write, true, h.AddTags), ("DELETE", Access.Write, true, h.RemoveTags)),

        Route("/2/jobs", ("GET", Access.Anyone, false, h.Jobs)),
        Route(@"/2/jobs/(?<id>\d+)", ("GET", Access.Anyone, false, h.Job), ("DELETE", Access.Write, false, h.CancelJob)),
        Route(@"/2/jobs/(?<id>\d+)/wait", ("GET", Access.Write, false, h.WaitForJobChange)),

        Route($"/2/query/{NamePattern}", ("GET", Access.Read, false, h.Query), ("PUT", Access.Read, false, h.Query)),
        Route($"/2/query/{NamePattern}/fields", ("GET", Access.Anyone, false, h.QueryFields)),
    ];

    private static RapiRoute Route(string pattern, params (string Method, Access Access, bool SubmitsJob, Func<RapiCall, Task<byte[]>> Handle)[] methods) =>
        new(
            new Regex("^" + pattern + "$", RegexOptions.CultureInvariant | RegexOptions.Compiled),
            methods.ToDictionary(m => m.Method, m => new RapiMethod(m.Access, m.SubmitsJob, m.Handle), StringComparer.Ordinal));
}
