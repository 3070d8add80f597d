using System.Text.Json.Nodes;
using GanetiWebManager.FakeRapi.Answers;
using GanetiWebManager.FakeRapi.Tests.TestSupport;
using Xunit.Abstractions;

namespace GanetiWebManager.FakeRapi.Tests.Answers;

/// <summary>
/// How fast the fake answers a 5,000-instance cluster, so that it is never the bottleneck of the portal's benchmarks.
/// Prints the figures; asserts only correctness (timings depend on the machine).
/// </summary>
public sealed class BulkSpeedTests(ITestOutputHelper output)
{
    private const int Instances = 5000;

    [Fact]
    public async Task InstancesBulk_5000Instances_PrintsServingTimes()
    {
        var starting = TimeProvider.System.GetTimestamp();
        await using var server = await FakeRapiServer.StartAsync(new FakeClusterOptions { Instances = Instances, Nodes = 20 });
        var startMs = TimeProvider.System.GetElapsedTime(starting).TotalMilliseconds;
        var cluster = server.Cluster;

        var cold = Time(() =>
        {
            lock (cluster.Sync)
            {
                foreach (var instance in cluster.InstanceMap.Values)
                {
                    instance.CachedJson = null;
                }
            }

            return Bulk(server);
        });
        var warm = Time(() => Bulk(server));
        cluster.CrashInstances([cluster.InstanceNames[42]]);
        var afterOneChange = Time(() => Bulk(server));
        output.WriteLine($"StartAsync with 5000 generated instances (generation, certificate, encoding, Kestrel): {startMs:F0} ms");
        output.WriteLine($"encode 5000 instances from scratch {cold.Ms:F1} ms; join the per-instance encodings {warm.Ms:F1} ms; after one instance changed {afterOneChange.Ms:F1} ms; {cold.Bytes / 1024.0 / 1024.0:F1} MiB");

        using var http = FakeClients.Raw(server);
        await http.GetStringAsync("/version"); // JIT and first handshake out of the way
        var fetches = new List<double>();
        long length = 0;
        for (var i = 0; i < 20; i++)
        {
            var started = TimeProvider.System.GetTimestamp();
            var body = await http.GetByteArrayAsync("/2/instances?bulk=1");
            fetches.Add(TimeProvider.System.GetElapsedTime(started).TotalMilliseconds);
            length = body.Length;
        }

        output.WriteLine("fetch times in order (ms): " + string.Join(", ", fetches.Select(f => f.ToString("F0", System.Globalization.CultureInfo.InvariantCulture))));
        fetches.Sort();
        output.WriteLine(
            $"GET /2/instances?bulk=1 over HTTPS (new TLS connection each, body read, not parsed), 20 times: " +
            $"slowest {fetches[^1]:F1} ms, median {fetches[10]:F1} ms, fastest {fetches[0]:F1} ms, {length} bytes");

        var queryFirst = await TimeAsync(() => http.GetByteArrayAsync("/2/query/instance?fields=uuid,name,serial_no,mtime,pnode,snodes,admin_state"));
        var queryCached = await TimeAsync(() => http.GetByteArrayAsync("/2/query/instance?fields=uuid,name,serial_no,mtime,pnode,snodes,admin_state"));
        var runtime = await TimeAsync(() => http.GetByteArrayAsync("/2/query/instance?fields=name,status,oper_state,oper_ram"));
        var nodes = await TimeAsync(() => http.GetByteArrayAsync("/2/nodes?bulk=1"));
        output.WriteLine($"GET /2/query/instance change fields: first {queryFirst:F1} ms, cached {queryCached:F1} ms; runtime fields {runtime:F1} ms; GET /2/nodes?bulk=1 (20 nodes) {nodes:F1} ms");

        using var client = FakeClients.Rapi(server);
        var parsed = await TimeAsync(async () => (await client.GetInstancesAsync()).Count);
        output.WriteLine($"the portal's client, fetch + parse of the bulk list: {parsed:F1} ms");

        var all = JsonNode.Parse(await http.GetByteArrayAsync("/2/instances?bulk=1"))!.AsArray();
        all.Count.ShouldBe(Instances);
        ((string)all[42]!["status"]!).ShouldBe(cluster.GetInstance(cluster.InstanceNames[42]).Status);
        ((bool?)all[42]!["oper_state"]).ShouldBe(false);
    }

    private static byte[] Bulk(FakeRapiServer server)
    {
        lock (server.Cluster.Sync)
        {
            return ObjectWriter.InstancesBulk(server.Cluster);
        }
    }

    private static (double Ms, long Bytes) Time(Func<byte[]> action)
    {
        var started = TimeProvider.System.GetTimestamp();
        var bytes = action().LongLength;
        return (TimeProvider.System.GetElapsedTime(started).TotalMilliseconds, bytes);
    }

    private static async Task<double> TimeAsync<T>(Func<Task<T>> action)
    {
        var started = TimeProvider.System.GetTimestamp();
        await action();
        return TimeProvider.System.GetElapsedTime(started).TotalMilliseconds;
    }
}
