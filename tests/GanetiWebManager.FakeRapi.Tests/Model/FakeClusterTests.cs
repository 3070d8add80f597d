using System.Text.Json.Nodes;
using GanetiWebManager.FakeRapi.Answers;
using GanetiWebManager.FakeRapi.Model;
using GanetiWebManager.FakeRapi.Tests.TestSupport;

namespace GanetiWebManager.FakeRapi.Tests.Model;

public sealed class FakeClusterTests
{
    private readonly FixedTime _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void ShutdownInstances_Running_AdminDownSerialPlusTwoMtimeNow()
    {
        var cluster = Cluster();
        var name = Running(cluster);
        var before = cluster.GetInstance(name);
        var version = cluster.Version;

        cluster.ShutdownInstances([name]);

        var after = cluster.GetInstance(name);
        after.Status.ShouldBe("ADMIN_down");
        after.AdminState.ShouldBe("down");
        after.SerialNo.ShouldBe(before.SerialNo + 2); // admin state and deactivated disks: two configuration updates
        after.MTime.ShouldBe(_time.Now.ToUnixTimeMilliseconds() / 1000.0);
        cluster.Version.ShouldBeGreaterThan(version);
        JsonOf(cluster, name)["oper_state"]!.GetValue<bool>().ShouldBeFalse();
    }

    [Fact]
    public void CrashInstances_Running_ErrorDownWithoutConfigurationChange()
    {
        var cluster = Cluster();
        var name = Running(cluster);
        var before = cluster.GetInstance(name);

        cluster.CrashInstances([name]);

        var after = cluster.GetInstance(name);
        after.Status.ShouldBe("ERROR_down");
        after.SerialNo.ShouldBe(before.SerialNo);
        after.MTime.ShouldBe(before.MTime);
        JsonOf(cluster, name)["status"]!.GetValue<string>().ShouldBe("ERROR_down");
    }

    [Fact]
    public void StartInstances_Stopped_RunningSerialPlusOne()
    {
        var cluster = Cluster();
        var name = Running(cluster);
        cluster.ShutdownInstances([name]);
        var stopped = cluster.GetInstance(name);

        cluster.StartInstances([name]);

        var started = cluster.GetInstance(name);
        started.Status.ShouldBe("running");
        started.SerialNo.ShouldBe(stopped.SerialNo + 1);
    }

    [Fact]
    public void BumpSerial_Instance_SerialAndMtimeChangeInAnswers()
    {
        var cluster = Cluster();
        var name = Running(cluster);
        var before = JsonOf(cluster, name);

        cluster.BumpSerial([name]);

        var after = JsonOf(cluster, name);
        after["serial_no"]!.GetValue<long>().ShouldBe(before["serial_no"]!.GetValue<long>() + 1);
        after["mtime"]!.GetValue<double>().ShouldNotBe(before["mtime"]!.GetValue<double>());
    }

    [Fact]
    public void SetNodeDown_PrimaryNode_InstancesNodeDownAndLiveValuesNull()
    {
        var cluster = Cluster();
        var name = Running(cluster);
        var node = cluster.GetInstance(name).PrimaryNode;

        cluster.SetNodeDown(node, true);

        var json = JsonOf(cluster, name);
        json["status"]!.GetValue<string>().ShouldBe("ERROR_nodedown");
        json["oper_state"].ShouldBeNull();
        json["oper_ram"].ShouldBeNull();
        cluster.GetNode(node).Down.ShouldBeTrue();

        cluster.SetNodeDown(node, false);
        JsonOf(cluster, name)["status"]!.GetValue<string>().ShouldBe("running");
    }

    [Fact]
    public void SetNodeOffline_Node_RoleOfflineAndInstancesNodeOffline()
    {
        var cluster = Cluster();
        var node = cluster.NodeNames[1];
        var name = cluster.GetNode(node).PrimaryInstances[0];

        cluster.SetNodeOffline(node, true);

        cluster.GetNode(node).Role.ShouldBe("O");
        cluster.GetInstance(name).Status.ShouldBe("ERROR_nodeoffline");
    }

    [Fact]
    public void PickInstances_Fraction_DeterministicShare()
    {
        var cluster = Cluster(instances: 200);

        var picked = cluster.PickInstances(0.1, seed: 4);

        picked.Count.ShouldBe(20);
        cluster.PickInstances(0.1, seed: 4).ShouldBe(picked);
        cluster.PickInstances(0.1, seed: 5).ShouldNotBe(picked);
    }

    [Fact]
    public void RemoveAndAddInstances_Names_ListChanges()
    {
        var cluster = Cluster(instances: 10);
        var gone = cluster.InstanceNames.Take(3).ToList();

        cluster.RemoveInstances(gone);
        var added = cluster.AddInstances(4);

        cluster.InstanceCount.ShouldBe(11);
        cluster.InstanceNames.ShouldNotContain(gone[0]);
        cluster.InstanceNames.ShouldContain(added[3]);
        Should.Throw<KeyNotFoundException>(() => cluster.ShutdownInstances(gone));
    }

    [Fact]
    public void SetInstanceTags_OwnershipTag_SerialBumped()
    {
        var cluster = Cluster();
        var name = Running(cluster);
        var serial = cluster.GetInstance(name).SerialNo;

        cluster.SetInstanceTags(name, ["gwm:owner:user:alice"]);

        cluster.GetInstance(name).Tags.ShouldBe(["gwm:owner:user:alice"]);
        cluster.GetInstance(name).SerialNo.ShouldBe(serial + 1);
    }

    private FakeCluster Cluster(int instances = 40) =>
        new(new FakeClusterOptions { Instances = instances, Nodes = 3, Seed = 21, TimeProvider = _time });

    private static string Running(FakeCluster cluster) => cluster.InstanceNames.First(n => cluster.GetInstance(n).Status == "running");

    private static JsonObject JsonOf(FakeCluster cluster, string name)
    {
        lock (cluster.Sync)
        {
            return JsonNode.Parse(ObjectWriter.Instance(cluster, cluster.FindInstanceInternal(name)!))!.AsObject();
        }
    }
}
