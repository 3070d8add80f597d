using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using GanetiWebManager.FakeRapi.Tests.TestSupport;
using Xunit.Abstractions;

namespace GanetiWebManager.FakeRapi.Tests.Answers;

/// <summary>
/// Replays, against a fake shaped like the sandbox (same cluster and node names), the requests whose answers were
/// recorded from the real Ganeti 3.0.2 cluster (Fixtures/Real), and compares: every opcode key in the same order with
/// the same values, statuses, summaries, results, log lines; objects key for key. Only UUIDs, MACs and times differ.
/// </summary>
public sealed partial class RecordedAnswersTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string N1 = "node1.ganeti.test";
    private const string N2 = "node2.ganeti.test";
    private FakeRapiServer _server = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeRapiServer.StartAsync(new FakeClusterOptions
        {
            Domain = "ganeti.test",
            Nodes = 2,
            Instances = 0,
            Networks = 0,
            EnabledHypervisors = ["fake", "kvm"],
            EnabledDiskTemplates = ["diskless", "file", "sharedfile"],
            OperatingSystems = ["noop", "sandbox+default", "sandbox+minimal", "sandbox+slow"],
            JobStepDelay = TimeSpan.Zero,
        });
        _http = FakeClients.Raw(_server);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Jobs_RecordedSequence_SameOpcodesResultsAndLogs()
    {
        await Job("create-diskless", "POST", "/2/instances?reason=fk%20create", Create("fk-rec1", "diskless", "[]", N1, """, "beparams": {"memory": 128, "vcpus": 1}, "tags": ["gwm:owner:user:fk"]"""));
        await Job("create-sharedfile", "POST", "/2/instances", Create("fk-rec2", "sharedfile", """[{"size": 1024}]""", N1));
        await Job("create-duplicate", "POST", "/2/instances", Create("fk-rec1", "diskless", "[]", N1));
        await Job("create-policy", "POST", "/2/instances", Create("fk-rec3", "file", """[{"size": 1}]""", N1));
        await Job("create-dryrun", "POST", "/2/instances?dry-run=1", Create("fk-rec3", "diskless", "[]", N1));
        await Job("create-fail", "POST", "/2/instances", Create("fk-rec6", "file", """[{"size": 1024}]""", N1, """, "osparams": {"fail": "true"}"""));
        await Job("shutdown", "PUT", "/2/instances/fk-rec1/shutdown?reason=fk%20stop", """{"timeout": 0}""");
        await Job("startup", "PUT", "/2/instances/fk-rec1/startup?reason=fk%20start", null);
        await Job("reboot-soft", "POST", "/2/instances/fk-rec1/reboot?type=soft&reason=fk%20reboot", "{}");
        await Job("reboot-hard", "POST", "/2/instances/fk-rec1/reboot?type=hard", """{"shutdown_timeout": 0}""");
        await Job("modify", "PUT", "/2/instances/fk-rec1/modify", """{"beparams": {"maxmem": 256, "minmem": 256, "vcpus": 2}}""");
        await Job("tags-add", "PUT", "/2/instances/fk-rec1/tags?tag=fk:a&tag=fk:b&reason=fk%20tags", null);
        await Job("tags-del", "DELETE", "/2/instances/fk-rec1/tags?tag=fk:a", null);
        await Job("migrate", "PUT", "/2/instances/fk-rec2/migrate?reason=fk%20mig", $$"""{"mode": "live", "target_node": "{{N2}}"}""");
        await Job("failover", "PUT", "/2/instances/fk-rec2/failover", $$"""{"target_node": "{{N1}}"}""");
        await Job("grow", "POST", "/2/instances/fk-rec2/disk/0/grow", """{"amount": 1024}""");
        await Job("activate-disks", "PUT", "/2/instances/fk-rec2/activate-disks", null);
        await Job("deactivate-disks-force", "PUT", "/2/instances/fk-rec2/deactivate-disks?force=1", null);
        await Job("replace-disks", "POST", "/2/instances/fk-rec2/replace-disks", """{"mode": "replace_auto"}""");
        await Submit("PUT", "/2/instances/fk-rec1/shutdown", """{"timeout": 0}""");
        await Job("rename", "PUT", "/2/instances/fk-rec1/rename?reason=fk%20ren", """{"new_name": "fk-rec1b", "name_check": false, "ip_check": false}""");
        await Job("reinstall", "POST", "/2/instances/fk-rec2/reinstall", """{"os": "sandbox+minimal", "start": true}""");
        await Job("reinstall-nostart", "POST", "/2/instances/fk-rec2/reinstall", """{"os": "sandbox+default", "start": false}""");
        await Job("tags-cluster-add", "PUT", "/2/tags?tag=fk:cluster", null);
        await Job("node-role-candidate", "PUT", $"/2/nodes/{N2}/role", "\"master-candidate\"");
        await Job("node-role-master-regular", "PUT", $"/2/nodes/{N1}/role", "\"regular\"");
        await Job("node-modify-noop", "POST", $"/2/nodes/{N2}/modify", """{"master_candidate": true}""");
        await Job("node-evacuate-all", "POST", $"/2/nodes/{N2}/evacuate", """{"mode": "all", "iallocator": "hail"}""");
        await Job("node-evacuate-dry", "POST", $"/2/nodes/{N2}/evacuate?dry-run=1", """{"mode": "secondary-only", "iallocator": "hail"}""");
        await Job("redistribute", "PUT", "/2/redistribute-config", null);
        await Job("create-nopnode", "POST", "/2/instances", Create("fk-rec4", "diskless", "[]", null));
        await Job("delete", "DELETE", "/2/instances/fk-rec2?reason=fk%20cleanup", """{"shutdown_timeout": 0}""");
        await Submit("POST", "/2/instances", Create("fk-s1", "sharedfile", """[{"size": 1024}]""", N1, """, "start": false"""));
        await Job("failover-stopped", "PUT", "/2/instances/fk-s1/failover", $$"""{"target_node": "{{N2}}"}""");
    }

    [Fact]
    public async Task Objects_RecordedInstancesNodesGroups_SameKeysAndValues()
    {
        await Submit("POST", "/2/instances", Create("fk-q1", "diskless", "[]", N1, """, "beparams": {"memory": 128}, "tags": ["gwm:owner:user:fk"]"""));
        await Submit("POST", "/2/instances", Create(
            "fk-q2", "sharedfile", """[{"size": 1024}, {"size": 2048, "name": "data"}]""", N2,
            """, "nics": [{}, {"mac": "aa:00:00:11:22:33", "ip": "10.1.2.3"}], "start": false""", nics: null));

        Like(await Get("/2/instances/fk-q2"), Fixture.Real("instance-2disk-2nic"), "GET /2/instances/fk-q2");
        var bulk = (await Get("/2/instances?bulk=1")).AsArray();
        var recorded = Fixture.Real("instances-bulk").AsArray();
        Keys(bulk[0]!).ShouldBe(Keys(recorded[0]!));
        Keys(await Get($"/2/nodes/{N1}")).ShouldBe(Keys(Fixture.Real("node")));
        Keys((await Get("/2/nodes?bulk=1"))[0]!).ShouldBe(Keys(Fixture.Real("nodes-bulk")[0]!));
        Like((await Get("/2/groups?bulk=1"))[0]!, Fixture.Real("groups-bulk")[0]!, "GET /2/groups?bulk=1", "ctime", "mtime");
        Keys(await Get("/2/groups/default")).ShouldBe(Keys(Fixture.Real("group")));
        Keys(await Get("/2/info")).ShouldBe(Keys(Fixture.Real("info")));
        Keys((await Get("/2/jobs?bulk=1"))[0]!).ShouldBe(Keys(Fixture.Real("jobs-bulk")[0]!));

        // Every instance field but the indexed ones past /2, for a running and a stopped instance, cell for cell.
        var recordedQuery = Fixture.Real("query-instance-all");
        var fields = recordedQuery["fields"]!.AsArray().Select(f => (string)f!["name"]!).ToList();
        var query = await Put("/2/query/instance", new JsonObject { ["fields"] = new JsonArray(fields.Select(f => (JsonNode?)f).ToArray()), ["qfilter"] = new JsonArray("=~", "name", "^fk-q") });
        Like(query["fields"]!, recordedQuery["fields"]!, "query fields");
        var variable = new HashSet<string> { "uuid", "ctime", "mtime", "mac", "nic.macs", "nic.mac/0", "nic.uuids", "nic.uuid/0", "nic.uuid/1", "disk.uuids", "disk.uuid/0", "disk.uuid/1", "pnode.group.uuid" };
        for (var row = 0; row < 2; row++)
        {
            for (var f = 0; f < fields.Count; f++)
            {
                var fake = query["data"]![row]![f]!;
                var real = recordedQuery["data"]![row]![f]!;
                if (variable.Contains(fields[f]))
                {
                    ((int)fake[0]!).ShouldBe((int)real[0]!, $"status of {fields[f]}");
                }
                else
                {
                    Normalize(fake).ShouldBe(Normalize(real), $"{recordedQuery["data"]![row]![fields.IndexOf("name")]![1]} {fields[f]}");
                }
            }
        }

        var nodeFields = Fixture.Real("query-node-all");
        var nodeQuery = await Get("/2/query/node?fields=" + string.Join(',', nodeFields["fields"]!.AsArray().Select(f => (string)f!["name"]!)));
        Like(nodeQuery["fields"]!, nodeFields["fields"]!, "node query fields");
        nodeQuery["data"]![0]!.AsArray().Select(c => (int)c![0]!).ShouldBe(nodeFields["data"]![0]!.AsArray().Select(c => (int)c![0]!));
        var groupFields = Fixture.Real("query-group-all");
        Like((await Get("/2/query/group?fields=" + string.Join(',', groupFields["fields"]!.AsArray().Select(f => (string)f!["name"]!))))["fields"]!, groupFields["fields"]!, "group query fields");
    }

    [Fact]
    public async Task Network_Recorded_SameShape()
    {
        await using var server = await FakeRapiServer.StartAsync(new FakeClusterOptions { Networks = 1, Instances = 0 });
        using var http = FakeClients.Raw(server);
        using var response = await http.GetAsync("/2/networks?bulk=1");
        var network = JsonNode.Parse(await response.Content.ReadAsStringAsync())![0]!;

        Keys(network).ShouldBe(Keys(Fixture.Real("network")));
        ((string)network["map"]!).Length.ShouldBe(65536);
        ((string)network["external_reservations"]!).ShouldBe("10.101.0.0, 10.101.0.1, 10.101.255.255");
        network["group_list"]![0]!.ToJsonString().ShouldBe("""["default","bridged","gnt-br0",""]""");
    }

    private async Task Job(string fixture, string method, string path, string? body)
    {
        var fake = await Submit(method, path, body);
        var real = Fixture.Real(fixture).AsObject();
        output.WriteLine($"{fixture}: {fake["status"]} {Normalize(fake["opresult"]!)}");
        fake["status"]!.ToJsonString().ShouldBe(real["status"]!.ToJsonString(), fixture);
        fake["summary"]!.ToJsonString().ShouldBe(real["summary"]!.ToJsonString(), fixture);
        fake["opstatus"]!.ToJsonString().ShouldBe(real["opstatus"]!.ToJsonString(), fixture);
        var fakeOps = fake["ops"]!.AsArray();
        var realOps = real["ops"]!.AsArray();
        fakeOps.Count.ShouldBe(realOps.Count, fixture);
        for (var i = 0; i < realOps.Count; i++)
        {
            var fakeOp = fakeOps[i]!.AsObject();
            var realOp = realOps[i]!.AsObject();
            Keys(fakeOp).ShouldBe(Keys(realOp), $"{fixture} op {i} keys");
            foreach (var (key, value) in realOp)
            {
                if (key == "reason")
                {
                    Trail(fakeOp[key]!).ShouldBe(Trail(value!), $"{fixture} op {i} reason");
                }
                else if (!key.EndsWith("uuid", StringComparison.Ordinal))
                {
                    Normalize(fakeOp[key]).ShouldBe(Normalize(value), $"{fixture} op {i} {key}");
                }
            }
        }

        Normalize(fake["opresult"]).ShouldBe(Normalize(real["opresult"]), $"{fixture} opresult");
        Messages(fake["oplog"]!).ShouldBe(Messages(real["oplog"]!), $"{fixture} oplog");
    }

    private async Task<JsonObject> Submit(string method, string path, string? body)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = FakeClients.Json(body);
        }

        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue($"{method} {path}: {text}");
        var id = long.Parse(text, CultureInfo.InvariantCulture);
        await _server.Cluster.Jobs.WaitAsync(id);
        return (await Get($"/2/jobs/{id}")).AsObject();
    }

    private async Task<JsonNode> Get(string path)
    {
        using var response = await _http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue($"GET {path}: {text}");
        return JsonNode.Parse(text)!;
    }

    private async Task<JsonNode> Put(string path, JsonNode body)
    {
        using var response = await _http.PutAsync(path, FakeClients.Json(body.ToJsonString()));
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue($"PUT {path}: {text}");
        return JsonNode.Parse(text)!;
    }

    private static string Create(string name, string template, string disks, string? node, string extra = "", string? nics = "[{}]") =>
        $$"""{"__version__": 1, "mode": "create", "name": "{{name}}", "disk_template": "{{template}}", "disks": {{disks}}{{(nics is null ? "" : $", \"nics\": {nics}")}}, "os_type": "sandbox+default", "hypervisor": "fake"{{(node is null ? "" : $", \"pnode\": \"{node}\"")}}, "name_check": false, "ip_check": false{{extra}}}""";

    private static void Like(JsonNode fake, JsonNode real, string what, params string[] ignore)
    {
        if (real is JsonObject realObject)
        {
            Keys(fake).ShouldBe(Keys(realObject), what);
            foreach (var (key, value) in realObject)
            {
                if (!ignore.Contains(key) && key is not ("uuid" or "ctime" or "mtime" or "nic.macs" or "nic.uuids" or "disk.uuids"))
                {
                    Normalize(fake[key]).ShouldBe(Normalize(value), $"{what}: {key}");
                }
            }
        }
        else
        {
            Normalize(fake).ShouldBe(Normalize(real), what);
        }
    }

    private static List<string> Keys(JsonNode node) => node.AsObject().Select(p => p.Key).ToList();

    private static List<string> Trail(JsonNode reason) =>
        reason.AsArray().Select(r => $"{r![0]}|{Uuid().Replace(Job().Replace((string)r[1]!, "job=N"), "<uuid>")}").ToList();

    private static List<string> Messages(JsonNode oplog) =>
        oplog.AsArray().SelectMany((log, i) => log!.AsArray().Select(e => $"{i}:{e![0]}:{e[2]}:{Uuid().Replace((string)e[3]!, "<uuid>")}")).ToList();

    private static string Normalize(JsonNode? node) => Uuid().Replace(node?.ToJsonString() ?? "null", "<uuid>");

    [GeneratedRegex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")]
    private static partial Regex Uuid();

    [GeneratedRegex(@"job=\d+")]
    private static partial Regex Job();
}
