using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using GanetiWebManager.Testing;
using GanetiWebManager.Testing.Inventory;
using GanetiWebManager.Web.Data;
using GanetiWebManager.Web.Features.Clusters;
using GanetiWebManager.Web.Features.Sync;
using GanetiWebManager.Web.Features.VirtualMachines;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GanetiWebManager.Benchmarks;

/// <summary>
/// Issue 3 §6, printed: the first sync of many clusters into an empty database (and how it grows), a re-sync
/// of unchanged clusters (rows written, time against merely fetching and parsing), the VM list query and
/// free-text search on the mirrored inventory, and the portal's VM list against <c>gnt-instance list</c> on
/// the real sandbox. Correctness failures (wrong counts, rows written by an unchanged re-sync) exit 1.
/// </summary>
public static class BenchmarkRunner
{
    private const SyncParts Pass = SyncParts.Info | SyncParts.Nodes | SyncParts.Instances | SyncParts.Runtime;

    public static async Task<int> RunAsync(string[] args)
    {
        var shortForm = args.Contains("--short");
        if (args.Contains("--console-soak"))
        {
            // A profiling aid: one relay path echoing for a long time (attach perf to the printed relay pid).
            return await ConsoleBenchmark.SoakAsync(args);
        }

        if (args.Contains("--console"))
        {
            var consoleReport = new Report(shortForm);
            var consoleFailures = await ConsoleBenchmark.RunAsync(shortForm, consoleReport.Add);
            consoleReport.Print();
            return consoleFailures == 0 ? 0 : 1;
        }

        if (args.Contains("--actions"))
        {
            var actionReport = new Report(shortForm);
            var actionFailures = await ActionBenchmark.RunAsync(shortForm, actionReport.Add);
            actionReport.Print();
            return actionFailures == 0 ? 0 : 1;
        }

        var syncOnly = args.Contains("--sync-only"); // a quicker loop while working on the sync
        var sizes = shortForm ? new[] { (Clusters: 2, Instances: 2000) } : syncOnly ? [(10, 5000)] : [(10, 5000), (20, 5000)];
        var resyncRounds = shortForm ? 3 : 7;
        var queryRounds = shortForm ? 60 : 300;
        var report = new Report(shortForm);

        Console.WriteLine($"GanetiWebManager benchmarks ({(shortForm ? "short form" : "full")}), {Environment.ProcessorCount} cores, {TimeProvider.System.GetUtcNow():u}");
        await WarmUpAsync();

        var failures = 0;
        var first = true;
        foreach (var (clusters, instances) in sizes)
        {
            await using var farm = await FakeFarm.StartAsync(clusters, instances, nodes: 20);
            await using var database = await TestDatabase.CreateAsync("bench");
            await using var services = await PortalServices.CreateAsync(database, new Dictionary<string, string?> { ["Sync:Enabled"] = "false" });
            var ids = await RegisterAsync(services, farm);

            failures += await FirstSyncAsync(services, ids, clusters * instances, report);
            if (first)
            {
                failures += await ResyncAsync(services, database, ids, resyncRounds, report);
                if (!syncOnly)
                {
                    await QueryAsync(services, database, clusters * instances, queryRounds, report);
                }

                first = false;
            }
        }

        if (!syncOnly)
        {
            failures += await SandboxAsync(shortForm, report);
            failures += await ConsoleBenchmark.RunAsync(shortForm, report.Add);
            failures += await ActionBenchmark.RunAsync(shortForm, report.Add);
        }

        report.Print();
        report.Save();
        return failures == 0 ? 0 : 1;
    }

    /// <summary>JIT and connection pools warmed on a small cluster, so that every measured run starts alike.</summary>
    private static async Task WarmUpAsync()
    {
        await using var farm = await FakeFarm.StartAsync(1, 300, nodes: 3);
        await using var database = await TestDatabase.CreateAsync("benchwarm");
        await using var services = await PortalServices.CreateAsync(database, new Dictionary<string, string?> { ["Sync:Enabled"] = "false" });
        var ids = await RegisterAsync(services, farm);
        var synchronizer = services.GetRequiredService<ClusterSynchronizer>();
        await synchronizer.SyncAsync(ids[0], Pass, CancellationToken.None);
        await synchronizer.SyncAsync(ids[0], Pass, CancellationToken.None);
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<VirtualMachineQueries>().ListAsync(await TestPrincipals.AddSuperuserAsync(database.ConnectionString), new VmQuery { Search = "vm" }, CancellationToken.None);
    }

    private static async Task<List<int>> RegisterAsync(IServiceProvider services, FakeFarm farm)
    {
        var ids = new List<int>();
        foreach (var (endpoint, i) in farm.Clusters.Select((e, i) => (e, i)))
        {
            ids.Add((await ClusterRegistration.AddAsync(services, $"c{i:00}", endpoint.BaseUrl, endpoint.CertificateSha256, endpoint.User, endpoint.Password)).Id);
        }

        return ids;
    }

    /// <summary>All clusters at once, as many in parallel as the sync service would run; the passes' part timings are added to <paramref name="parts"/>.</summary>
    private static Task SyncAllAsync(IServiceProvider services, IReadOnlyList<int> ids, SyncParts parts, Dictionary<SyncParts, double>? partTimes = null)
    {
        var synchronizer = services.GetRequiredService<ClusterSynchronizer>();
        var parallel = services.GetRequiredService<IOptions<SyncOptions>>().Value.MaxConcurrentClusters;
        return Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (id, ct) =>
        {
            var result = await synchronizer.SyncAsync(id, parts, ct);
            if (!result.Succeeded)
            {
                throw new InvalidOperationException($"Cluster {id} failed to sync: {result.Failure!.Message}");
            }

            if (partTimes is not null)
            {
                lock (partTimes)
                {
                    foreach (var (part, time) in result.Durations)
                    {
                        partTimes[part] = partTimes.GetValueOrDefault(part) + time.TotalMilliseconds;
                    }
                }
            }
        });
    }

    private static async Task<int> FirstSyncAsync(IServiceProvider services, List<int> ids, int expectedVms, Report report)
    {
        Measure.ResetPeakMemory();
        var baseline = Measure.Memory().CurrentMiB;
        var partTimes = new Dictionary<SyncParts, double>();
        var elapsed = await Measure.TimeAsync(() => SyncAllAsync(services, ids, Pass, partTimes));
        var (peak, _) = Measure.Memory();

        var mirrored = await CountAsync(services, db => db.VirtualMachines.CountAsync());
        report.Add($"first sync {ids.Count} × {expectedVms / ids.Count:N0} ({expectedVms:N0} VMs)", new()
        {
            ["seconds"] = elapsed.TotalSeconds,
            ["ms per 1,000 VMs"] = elapsed.TotalMilliseconds / expectedVms * 1000,
            ["peak memory MiB"] = peak,
            ["memory before MiB"] = baseline,
            ["VMs mirrored"] = mirrored,
            ["per cluster: info ms"] = partTimes.GetValueOrDefault(SyncParts.Info) / ids.Count,
            ["per cluster: nodes ms"] = partTimes.GetValueOrDefault(SyncParts.Nodes) / ids.Count,
            ["per cluster: instances ms"] = partTimes.GetValueOrDefault(SyncParts.Instances) / ids.Count,
            ["per cluster: runtime ms"] = partTimes.GetValueOrDefault(SyncParts.Runtime) / ids.Count,
        }, goal: ids.Count == 10 ? "≤ 10 s" : "about linear in VMs");
        return mirrored == expectedVms ? 0 : Fail($"mirrored {mirrored} VMs, expected {expectedVms}");
    }

    /// <summary>
    /// The same RAPI answers a pass reads, fetched and parsed and nothing else; against a full re-sync of the
    /// unchanged clusters (which must write nothing). Rounds alternate the order; medians are compared.
    /// </summary>
    private static async Task<int> ResyncAsync(IServiceProvider services, TestDatabase database, List<int> ids, int rounds, Report report)
    {
        var connector = services.GetRequiredService<ClusterConnector>();
        var parallel = services.GetRequiredService<IOptions<SyncOptions>>().Value.MaxConcurrentClusters;
        var clusters = await CountAsync(services, db => db.Clusters.AsNoTracking().ToListAsync());
        var fetchTimes = new List<double>();
        var syncTimes = new List<double>();
        var written = new Dictionary<string, int>();
        var partTimes = new Dictionary<SyncParts, double>();

        var fetchParts = new Dictionary<SyncParts, double>();
        void Add(SyncParts part, Stopwatch watch)
        {
            lock (fetchParts)
            {
                fetchParts[part] = fetchParts.GetValueOrDefault(part) + watch.Elapsed.TotalMilliseconds;
            }

            watch.Restart();
        }

        async Task FetchOnlyAsync() => await Parallel.ForEachAsync(clusters, new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (cluster, ct) =>
        {
            var client = connector.GetClient(cluster);
            var watch = Stopwatch.StartNew();
            await client.GetClusterInfoAsync(ct);
            Add(SyncParts.Info, watch);
            await client.GetNodesAsync(ct);
            await client.QueryAsync("group", ["uuid", "name"], ct: ct);
            Add(SyncParts.Nodes, watch);
            await client.QueryAsync("instance", InstanceMarker.Fields, ct: ct);
            Add(SyncParts.Instances, watch);
            await client.QueryAsync("instance", InstanceRuntime.Fields, ct: ct);
            Add(SyncParts.Runtime, watch);
        });

        for (var round = 0; round < rounds; round++)
        {
            var before = await RowVersions.ReadAsync(database.ConnectionString);
            if (round % 2 == 0)
            {
                fetchTimes.Add((await Measure.TimeAsync(FetchOnlyAsync)).TotalMilliseconds);
                syncTimes.Add((await Measure.TimeAsync(() => SyncAllAsync(services, ids, Pass, partTimes))).TotalMilliseconds);
            }
            else
            {
                syncTimes.Add((await Measure.TimeAsync(() => SyncAllAsync(services, ids, Pass, partTimes))).TotalMilliseconds);
                fetchTimes.Add((await Measure.TimeAsync(FetchOnlyAsync)).TotalMilliseconds);
            }

            foreach (var (table, count) in RowVersions.Changes(before, await RowVersions.ReadAsync(database.ConnectionString)))
            {
                written[table] = written.GetValueOrDefault(table) + count;
            }
        }

        var vmAndNodeRows = written.GetValueOrDefault("virtual_machines") + written.GetValueOrDefault("nodes");
        var fetch = Measure.Median(fetchTimes);
        var sync = Measure.Median(syncTimes);
        report.Add($"re-sync of the unchanged {await CountAsync(services, db => db.VirtualMachines.CountAsync()):N0} VMs ({rounds} rounds, medians)", new()
        {
            ["fetch + parse only, ms"] = fetch,
            ["full sync pass, ms"] = sync,
            ["ratio sync / fetch"] = sync / fetch,
            ["VM and node rows written"] = vmAndNodeRows,
            ["cluster rows written (heartbeat)"] = written.GetValueOrDefault("clusters"),
            ["per cluster, sync / fetch: info ms"] = partTimes.GetValueOrDefault(SyncParts.Info) / rounds / ids.Count,
            ["  fetch only"] = fetchParts.GetValueOrDefault(SyncParts.Info) / rounds / ids.Count,
            ["per cluster, sync / fetch: nodes ms"] = partTimes.GetValueOrDefault(SyncParts.Nodes) / rounds / ids.Count,
            ["  fetch only "] = fetchParts.GetValueOrDefault(SyncParts.Nodes) / rounds / ids.Count,
            ["per cluster, sync / fetch: instances ms"] = partTimes.GetValueOrDefault(SyncParts.Instances) / rounds / ids.Count,
            ["  fetch only  "] = fetchParts.GetValueOrDefault(SyncParts.Instances) / rounds / ids.Count,
            ["per cluster, sync / fetch: runtime ms"] = partTimes.GetValueOrDefault(SyncParts.Runtime) / rounds / ids.Count,
            ["  fetch only   "] = fetchParts.GetValueOrDefault(SyncParts.Runtime) / rounds / ids.Count,
        }, goal: "0 rows; ratio ≤ 1.3");
        return vmAndNodeRows == 0 ? 0 : Fail($"an unchanged re-sync wrote {vmAndNodeRows} VM/node rows");
    }

    private static async Task QueryAsync(IServiceProvider services, TestDatabase database, int vms, int rounds, Report report)
    {
        await using var scope = services.CreateAsyncScope(); // one circuit's worth of services
        var queries = scope.ServiceProvider.GetRequiredService<VirtualMachineQueries>();
        var admin = await TestPrincipals.AddSuperuserAsync(database.ConnectionString);
        var cases = new (string Name, Func<int, VmQuery> Query)[]
        {
            ("page of 50 by name", i => new VmQuery { Page = 1 + i % 20, PageSize = 50 }),
            ("page of 50, cluster + status filter, by memory desc", i => new VmQuery { Cluster = $"c{i % 2:00}", Status = "running", Sort = VmSort.Memory, Descending = true, Page = 1 + i % 10, PageSize = 50 }),
            ("page of 50, OS filter, by node", i => new VmQuery { Os = "debootstrap+default", Sort = VmSort.Node, Page = 1 + i % 10, PageSize = 50 }),
            ("free-text search (name fragment)", i => new VmQuery { Search = $"vm0{i % 50:00}", PageSize = 50 }),
            ("free-text search (IP address prefix)", i => new VmQuery { Search = $"10.101.{i % 256}.", PageSize = 50 }),
        };

        foreach (var (name, query) in cases)
        {
            var times = new List<double>();
            var total = 0;
            for (var i = 0; i < rounds; i++)
            {
                var watch = Stopwatch.StartNew();
                var page = await queries.ListAsync(admin, query(i), CancellationToken.None);
                times.Add(watch.Elapsed.TotalMilliseconds);
                total = page.Total;
            }

            report.Add($"VM list on {vms:N0} VMs: {name}", new()
            {
                ["p50 ms"] = Measure.Median(times),
                ["p95 ms"] = Measure.Percentile(times, 95),
                ["matching VMs (last)"] = total,
            }, goal: "p95 ≤ 50 ms");
        }
    }

    /// <summary>The real sandbox with 20 instances: the portal's VM list against gnt-instance list on the master.</summary>
    private static async Task<int> SandboxAsync(bool shortForm, Report report)
    {
        if (Environment.GetEnvironmentVariable("GANETI_RAPI_URL") is null)
        {
            return Fail("GANETI_RAPI_URL is not set: run under ./build.sh (it brings up the Ganeti sandbox)");
        }

        using var sandbox = SandboxCluster.FromEnvironment();
        const string prefix = "bench";
        var wanted = Enumerable.Range(1, 20).Select(i => $"{prefix}{i:00}").ToList();
        var existing = (await sandbox.Rapi.GetInstanceNamesAsync()).ToHashSet();
        await Parallel.ForEachAsync(wanted.Where(n => !existing.Contains(n)), new ParallelOptions { MaxDegreeOfParallelism = 4 },
            async (name, _) => await sandbox.CreateInstanceAsync(name));

        try
        {
            await using var database = await TestDatabase.CreateAsync("benchsandbox");
            await using var services = await PortalServices.CreateAsync(database, new Dictionary<string, string?> { ["Sync:Enabled"] = "false" });
            var cluster = await sandbox.RegisterAsync(services);
            await services.GetRequiredService<ClusterSynchronizer>().SyncAsync(cluster.Id, Pass, CancellationToken.None);

            await using var scope = services.CreateAsyncScope();
            var queries = scope.ServiceProvider.GetRequiredService<VirtualMachineQueries>();
            var admin = await TestPrincipals.AddSuperuserAsync(database.ConnectionString);
            var portal = new List<double>();
            var shown = 0;
            for (var i = 0; i < (shortForm ? 30 : 100); i++)
            {
                var watch = Stopwatch.StartNew();
                shown = (await queries.ListAsync(admin, new VmQuery { Cluster = cluster.Slug, PageSize = 50 }, CancellationToken.None)).Total;
                portal.Add(watch.Elapsed.TotalMilliseconds);
            }

            var cli = new List<double>();
            for (var i = 0; i < 5; i++)
            {
                cli.Add((await Measure.TimeAsync(() => GntInstanceListAsync())).TotalMilliseconds);
            }

            report.Add($"real sandbox, {shown} instances: portal VM list vs gnt-instance list", new()
            {
                ["portal query p50 ms"] = Measure.Median(portal),
                ["portal query p95 ms"] = Measure.Percentile(portal, 95),
                ["gnt-instance list median ms"] = Measure.Median(cli),
                ["ratio gnt / portal"] = Measure.Median(cli) / Measure.Median(portal),
            }, goal: "print both");
            return shown >= wanted.Count ? 0 : Fail($"the portal lists {shown} sandbox instances, expected at least {wanted.Count}");
        }
        finally
        {
            await sandbox.DeleteInstancesAsync(wanted);
        }
    }

    /// <summary>Runs gnt-instance list inside the sandbox's master namespaces, as an admin logged in there would.</summary>
    private static async Task GntInstanceListAsync()
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { Environment.GetEnvironmentVariable("GANETI_SANDBOX_SCRIPT")!, "exec", "gnt-instance", "list" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException("gnt-instance list failed: " + await process.StandardError.ReadToEndAsync());
        }
    }

    private static async Task<T> CountAsync<T>(IServiceProvider services, Func<AppDbContext, Task<T>> query)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await query(db);
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine("BENCHMARK CHECK FAILED: " + message);
        return 1;
    }

    private sealed class Report(bool shortForm)
    {
        private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
        private readonly List<(string Name, Dictionary<string, double> Figures, string Goal)> _rows = [];

        public void Add(string name, Dictionary<string, double> figures, string goal)
        {
            _rows.Add((name, figures, goal));
            Console.WriteLine($"  {name}: " + string.Join(", ", figures.Select(f => $"{f.Key} {Format(f.Value)}")) + $"  [goal: {goal}]");
        }

        public void Print()
        {
            Console.WriteLine();
            Console.WriteLine("==> Benchmark figures" + (shortForm ? " (short form)" : ""));
            foreach (var (name, figures, goal) in _rows)
            {
                Console.WriteLine($"  {name}  [goal: {goal}]");
                foreach (var (key, value) in figures)
                {
                    Console.WriteLine($"      {key,-34} {Format(value)}");
                }
            }
        }

        public void Save()
        {
            var directory = Path.Combine(Environment.GetEnvironmentVariable("GWM_ARTIFACTS_DIR") ?? "artifacts", "bench");
            Directory.CreateDirectory(directory);
            var file = Path.Combine(directory, shortForm ? "short.json" : "full.json");
            File.WriteAllText(file, JsonSerializer.Serialize(_rows.Select(r => new { r.Name, r.Goal, r.Figures }), Indented));
            Console.WriteLine($"  (saved to {file})");
        }

        private static string Format(double value) =>
            value == Math.Floor(value) && Math.Abs(value) < 1e9 ? value.ToString("N0", CultureInfo.InvariantCulture) : value.ToString("N2", CultureInfo.InvariantCulture);
    }
}
