using System.Text.Json;
using GanetiWebManager.FakeRapi.Faults;

namespace GanetiWebManager.FakeRapi.Control;

/// <summary>
/// The control endpoints under <c>/__fake/</c> (a path RAPI never uses): the request log, fault switches, certificate
/// and master changes, job holding and bulk changes to instances and nodes, for tests that run the fake in another
/// process. They need no credentials, are never logged and never faulted. JSON in camelCase.
/// </summary>
internal static class ControlApi
{
    public static void Map(WebApplication app, FakeRapiServer server)
    {
        var cluster = server.Cluster;
        var group = app.MapGroup("/__fake");

        group.MapGet("/", () => Results.Json(Describe(server)));

        group.MapGet("/requests", (string? method, string? path, bool? jobs, long? since) =>
        {
            var entries = server.RequestLog.Where(r =>
                (method is null || string.Equals(r.Method, method, StringComparison.OrdinalIgnoreCase))
                && (path is null || r.Path.StartsWith(path, StringComparison.Ordinal))
                && (jobs != true || r.JobId is not null)
                && (since is null || r.Sequence > since));
            return Results.Json(new { count = entries.Count, requests = entries });
        });
        group.MapGet("/requests/count", (string? method, string? path) =>
        {
            var entries = server.RequestLog.Where(r =>
                (method is null || string.Equals(r.Method, method, StringComparison.OrdinalIgnoreCase))
                && (path is null || r.Path.StartsWith(path, StringComparison.Ordinal)));
            return Results.Json(new { count = entries.Count, jobSubmissions = entries.Count(r => r.JobId is not null) });
        });
        group.MapDelete("/requests", () =>
        {
            server.RequestLog.Clear();
            return Results.NoContent();
        });

        group.MapGet("/faults", () => Results.Json(new { rules = server.Faults.Rules, dropConnectionsUntil = server.Faults.DropConnectionsUntil }));
        group.MapPost("/faults", async (HttpRequest request) =>
        {
            using var document = await JsonDocument.ParseAsync(request.Body);
            var rules = document.RootElement.ValueKind == JsonValueKind.Array
                ? document.RootElement.Deserialize<List<FaultRule>>(JsonSerializerOptions.Web)!
                : [document.RootElement.Deserialize<FaultRule>(JsonSerializerOptions.Web)!];
            foreach (var rule in rules)
            {
                server.Faults.Add(rule);
            }

            return Results.Json(new { rules = server.Faults.Rules });
        });
        group.MapDelete("/faults", () =>
        {
            server.Faults.Clear();
            return Results.NoContent();
        });
        group.MapPost("/connections/drop", (DropRequest request) =>
        {
            server.Faults.DropConnectionsFor(TimeSpan.FromSeconds(request.Seconds), request.BeforeTls ?? true);
            return Results.Json(new { dropConnectionsUntil = server.Faults.DropConnectionsUntil });
        });

        group.MapPost("/certificate", () => Results.Json(new { certificateSha256 = server.RotateCertificate() }));
        group.MapPost("/master-failover", (FailoverRequest? request) =>
        {
            var master = server.FailoverMaster(
                request?.WindowSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null, request?.NewMaster, request?.BeforeTls ?? true);
            return Results.Json(new { master, dropConnectionsUntil = server.Faults.DropConnectionsUntil });
        });

        group.MapGet("/jobs", () => Results.Json(new { held = cluster.Jobs.Held, jobs = cluster.Jobs.List() }));
        group.MapPost("/jobs/hold", () =>
        {
            cluster.Jobs.Hold();
            return Results.NoContent();
        });
        group.MapPost("/jobs/release", () =>
        {
            cluster.Jobs.Release();
            return Results.NoContent();
        });

        group.MapGet("/instances/{name}", (string name) =>
            cluster.FindInstance(name) is { } instance ? Results.Json(instance) : Results.NotFound());
        group.MapPost("/instances", (InstanceChange change) =>
        {
            var names = change.Action == "add"
                ? cluster.AddInstances(change.Count ?? 1)
                : change.Names ?? (change.Fraction is { } fraction ? cluster.PickInstances(fraction, change.Seed ?? 0) : cluster.PickInstances(change.Count ?? 0, change.Seed ?? 0));
            switch (change.Action)
            {
                case "add":
                    break;
                case "shutdown":
                    cluster.ShutdownInstances(names);
                    break;
                case "start":
                    cluster.StartInstances(names);
                    break;
                case "crash":
                    cluster.CrashInstances(names);
                    break;
                case "bump-serial":
                    cluster.BumpSerial(names);
                    break;
                case "remove":
                    cluster.RemoveInstances(names);
                    break;
                case "tag":
                    foreach (var name in names)
                    {
                        cluster.SetInstanceTags(name, change.Tags ?? []);
                    }

                    break;
                default:
                    return Results.BadRequest(new { error = $"Unknown action '{change.Action}': use add, shutdown, start, crash, bump-serial, remove or tag." });
            }

            return Results.Json(new { names });
        });
        group.MapPost("/nodes/{name}", (string name, NodeChange change) =>
        {
            if (change.Down is { } down)
            {
                cluster.SetNodeDown(name, down);
            }

            if (change.Offline is { } offline)
            {
                cluster.SetNodeOffline(name, offline);
            }

            return Results.Json(cluster.GetNode(name));
        });
    }

    public static object Describe(FakeRapiServer server) => new
    {
        baseUrl = server.BaseUrl.ToString().TrimEnd('/'),
        controlUrl = server.ControlUrl.ToString().TrimEnd('/'),
        certificateSha256 = server.CertificateSha256,
        user = server.WriteUser.Name,
        password = server.WriteUser.Password,
        readOnlyUser = server.ReadOnlyUser.Name,
        readOnlyPassword = server.ReadOnlyUser.Password,
        clusterName = server.Cluster.Name,
        master = server.Cluster.Master,
        nodes = server.Cluster.NodeNames,
        instances = server.Cluster.InstanceCount,
        requests = server.RequestLog.Count,
    };

    internal sealed record DropRequest(double Seconds, bool? BeforeTls);

    internal sealed record FailoverRequest(double? WindowSeconds, string? NewMaster, bool? BeforeTls);

    internal sealed record InstanceChange(string Action, IReadOnlyList<string>? Names, double? Fraction, int? Count, int? Seed, IReadOnlyList<string>? Tags);

    internal sealed record NodeChange(bool? Down, bool? Offline);
}
