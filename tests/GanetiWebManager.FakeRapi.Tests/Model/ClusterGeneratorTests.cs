using System.Text.Json.Nodes;
using GanetiWebManager.FakeRapi.Answers;
using GanetiWebManager.FakeRapi.Json;
using GanetiWebManager.FakeRapi.Model;
using Xunit.Abstractions;

namespace GanetiWebManager.FakeRapi.Tests.Model;

public sealed class ClusterGeneratorTests(ITestOutputHelper output)
{
    [Fact]
    public void Generate_SameSeed_SameInstancesByteForByte()
    {
        var first = Bulk(new FakeCluster(new FakeClusterOptions { Instances = 300, Nodes = 6, Seed = 42 }));
        var second = Bulk(new FakeCluster(new FakeClusterOptions { Instances = 300, Nodes = 6, Seed = 42 }));

        second.SequenceEqual(first).ShouldBeTrue();
    }

    [Fact]
    public void Generate_OtherSeed_OtherInstances()
    {
        var first = Bulk(new FakeCluster(new FakeClusterOptions { Instances = 50, Seed = 1 }));
        var second = Bulk(new FakeCluster(new FakeClusterOptions { Instances = 50, Seed = 2 }));

        second.SequenceEqual(first).ShouldBeFalse();
    }

    [Fact]
    public void AddInstances_AfterStart_SameAsGeneratedAtStart()
    {
        var grown = new FakeCluster(new FakeClusterOptions { Instances = 10, Seed = 5 });
        grown.AddInstances(15);
        var upfront = new FakeCluster(new FakeClusterOptions { Instances = 25, Seed = 5 });

        Bulk(grown).SequenceEqual(Bulk(upfront)).ShouldBeTrue();
    }

    [Fact]
    public void Generate_5000Instances_ProductionLikeMixAndSizes()
    {
        var cluster = new FakeCluster(new FakeClusterOptions { Instances = 5000, Nodes = 20, Groups = 2, Seed = 11 });
        var instances = JsonNode.Parse(Bulk(cluster))!.AsArray().Select(i => i!.AsObject()).ToList();
        var bytes = Bulk(cluster).Length;

        output.WriteLine($"5000 instances: {bytes / 1024.0 / 1024.0:F1} MiB, {bytes / 5000} bytes each on average");
        instances.Count.ShouldBe(5000);
        (bytes / 5000).ShouldBeInRange(1000, 2600);
        instances.Select(i => (string)i["name"]!).Distinct().Count().ShouldBe(5000);
        instances.Select(i => (string)i["uuid"]!).Distinct().Count().ShouldBe(5000);
        var hypervisors = instances.GroupBy(i => HypervisorOf(i)).ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine(string.Join(", ", hypervisors.Select(h => $"{h.Key} {h.Value}")));
        hypervisors["kvm"].ShouldBeGreaterThan(2000);
        hypervisors.Keys.ShouldBe(["kvm", "xen-pvm", "xen-hvm", "fake"], ignoreOrder: true);
        var templates = instances.GroupBy(i => (string)i["disk_template"]!).ToDictionary(g => g.Key, g => g.Count());
        templates.Keys.ShouldBe(["drbd", "plain", "file", "sharedfile", "diskless"], ignoreOrder: true);
        instances.Where(i => (string)i["disk_template"]! == "drbd").ShouldAllBe(i => i["snodes"]!.AsArray().Count == 1 && (string)i["snodes"]![0]! != (string)i["pnode"]!);
        instances.Where(i => (string)i["disk_template"]! != "drbd").ShouldAllBe(i => i["snodes"]!.AsArray().Count == 0);
        instances.Where(i => (string)i["disk_template"]! == "diskless").ShouldAllBe(i => i["disk.sizes"]!.AsArray().Count == 0);
        var statuses = instances.GroupBy(i => (string)i["status"]!).ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine(string.Join(", ", statuses.Select(s => $"{s.Key} {s.Value}")));
        statuses.Keys.ShouldBe(["running", "ADMIN_down", "ERROR_down", "ADMIN_offline"], ignoreOrder: true);
        statuses["running"].ShouldBeGreaterThan(3500);
        var owned = instances.Count(i => i["tags"]!.AsArray().Any(t => ((string)t!).StartsWith("gwm:owner:user:", StringComparison.Ordinal)));
        owned.ShouldBeInRange(1400, 2100);
        instances.Count(i => i["tags"]!.AsArray().Any(t => ((string)t!).StartsWith("gwm:owner:group:", StringComparison.Ordinal))).ShouldBeGreaterThan(200);
        instances.Where(i => i["network_port"] is not null).Select(i => (int)i["network_port"]!).ShouldBeUnique();
        instances.Where(i => (string)i["status"]! == "running").ShouldAllBe(i => (long)i["oper_ram"]! == (long)i["beparams"]!["maxmem"]!);
        instances.Where(i => (string)i["status"]! != "running").ShouldAllBe(i => i["oper_ram"] == null);
        instances.ShouldAllBe(i => (long)i["beparams"]!["memory"]! == (long)i["beparams"]!["maxmem"]!);
        instances.ShouldAllBe(i => (double)i["mtime"]! >= (double)i["ctime"]!);
    }

    [Fact]
    public void Generate_HypervisorParameters_EffectiveWithoutClusterWideOnes()
    {
        var cluster = new FakeCluster(new FakeClusterOptions { Instances = 400, Seed = 3 });
        var instances = JsonNode.Parse(Bulk(cluster))!.AsArray().Select(i => i!.AsObject()).ToList();

        var kvm = instances.First(i => HypervisorOf(i) == "kvm")["hvparams"]!.AsObject();
        kvm.Count.ShouldBeGreaterThan(55);
        kvm.ContainsKey("migration_port").ShouldBeFalse();
        kvm.ContainsKey("migration_mode").ShouldBeFalse();
        ((string?)kvm["vnc_bind_address"]).ShouldBe("0.0.0.0");
        var pvm = instances.First(i => HypervisorOf(i) == "xen-pvm")["hvparams"]!.AsObject();
        ((string?)pvm["root_path"]).ShouldBe("/dev/xvda1");
        pvm.ContainsKey("xen_cmd").ShouldBeFalse();
        var hvm = instances.First(i => HypervisorOf(i) == "xen-hvm");
        ((string?)hvm["hvparams"]!["device_model"]).ShouldBe("/usr/lib/xen/bin/qemu-dm");
        hvm["network_port"].ShouldNotBeNull();
        instances.First(i => HypervisorOf(i) == "fake")["hvparams"]!.AsObject().Count.ShouldBe(0);
    }

    [Fact]
    public void Nodes_InstanceCountsAndLists_AddUp()
    {
        var cluster = new FakeCluster(new FakeClusterOptions { Instances = 1000, Nodes = 7, Seed = 9 });
        JsonArray nodes;
        lock (cluster.Sync)
        {
            var usage = NodeUsage.Compute(cluster);
            nodes = JsonNode.Parse(PythonJson.Write(w =>
            {
                w.WriteStartArray();
                foreach (var node in cluster.NodeList)
                {
                    ObjectWriter.WriteNode(w, cluster, node, usage[node.Name], detail: false);
                }

                w.WriteEndArray();
            }))!.AsArray();
        }

        var instances = JsonNode.Parse(Bulk(cluster))!.AsArray();
        nodes.Sum(n => (int)n!["pinst_cnt"]!).ShouldBe(1000);
        nodes.Sum(n => (int)n!["sinst_cnt"]!).ShouldBe(instances.Count(i => (string)i!["disk_template"]! == "drbd"));
        foreach (var node in nodes)
        {
            var name = (string)node!["name"]!;
            node["pinst_list"]!.AsArray().Select(n => (string)n!).ShouldBe(
                instances.Where(i => (string)i!["pnode"]! == name).Select(i => (string)i!["name"]!), ignoreOrder: true);
            ((long)node["mfree"]!).ShouldBeLessThan((long)node["mtotal"]!);
            ((long)node["dfree"]!).ShouldBeLessThanOrEqualTo((long)node["dtotal"]!);
        }

        nodes.Count(n => (string)n!["role"]! == "M").ShouldBe(1);
        ((string)nodes[0]!["role"]!).ShouldBe("M");
    }

    private static string HypervisorOf(JsonObject instance) => instance["hvparams"]!.AsObject() switch
    {
        { Count: 0 } => "fake",
        var p when p.ContainsKey("kvm_path") => "kvm",
        var p when p.ContainsKey("device_model") => "xen-hvm",
        _ => "xen-pvm",
    };

    private static byte[] Bulk(FakeCluster cluster)
    {
        lock (cluster.Sync)
        {
            return ObjectWriter.InstancesBulk(cluster);
        }
    }
}
